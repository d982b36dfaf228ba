/**
 * The punches of one inbox batch are queued upstream worker by worker. One worker's failing lookup (its enrolment)
 * threw out of the whole step, so the batch's other workers were not queued either; the sweep catches up yesterday and
 * today only, so a replay of older days stayed off the platform. Now each worker's failure is counted and kept for the
 * log, the others are queued, and the next sweep queues the failed worker's days again, whatever their dates.
 * (Found by review.)
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

t.test("one worker's failing lookup does not keep the batch's other workers from being queued", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-10T02:00:00Z'))
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'LF-1': { projectCode: 'P330106010' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, inbox, db } = services
  const { reporter } = services.upstream
  const rng = new Rng(22)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'LF-1', name: '项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000010', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const a = await roster.createWorker({ name: '甲', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const b = await roster.createWorker({ name: '乙', idNumber: idNumber(rng, 2), bankName: '农行', cardNo: cardNumber(2) })
  await roster.enrol(project.id, { workerId: a.id, teamId: team.id, deviceUserId: 'A1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.enrol(project.id, { workerId: b.id, teamId: team.id, deviceUserId: 'B1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.createDevice(project.id, { serial: 'GATE-LF', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  await reporter.idle()

  // A's lookup fails while the batch is queued (a database blip, say); B's does not.
  const enrolmentOf = roster.enrolmentOf.bind(roster)
  let failing = true
  roster.enrolmentOf = async (projectId, workerId) => {
    if (failing && workerId === a.id) throw new Error('lookup failed')
    return enrolmentOf(projectId, workerId)
  }
  let seq = 0
  const frame = (user: string, local: string) =>
    inbox.submit({
      topic: 'wl/v1/LF-1/GATE-LF/punch',
      payload: Buffer.from(JSON.stringify({ deviceSerial: 'GATE-LF', recordId: String(++seq), person: { kind: 'device_user', value: user }, deviceTime: `${local}+08:00`, direction: 'in', verifyMethod: 'face', channel: 'gate' })),
      clientId: 'GATE-LF',
    })
  // A replay of a week ago: older than the sweep's own window (yesterday and today).
  await Promise.all([frame('A1', '2026-11-03T07:00:00'), frame('B1', '2026-11-03T07:05:00')])
  await inbox.idle()
  await reporter.idle()

  const attendance = async () =>
    (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'WorkerAttendance').map((r) => (JSON.parse(r.payload) as { CheckTime: string }).CheckTime).sort()
  t.same(await attendance(), ['2026-11-03 07:05:00'], "B's punch is queued although A's lookup failed")
  t.equal(reporter.failures, 1, 'the failure is counted')
  t.match(reporter.missedAttendance, [{ projectId: project.id, workerId: a.id, dates: ['2026-11-02', '2026-11-03'] }], 'and kept for the log with the worker and dates')

  failing = false
  await reporter.sweep()
  t.same(await attendance(), ['2026-11-03 07:00:00', '2026-11-03 07:05:00'], "the sweep queues A's week-old punch")
  await reporter.sweep()
  t.equal((await attendance()).length, 2, 'once')
})
