/**
 * A device that was offline for six weeks replays its stored punches in one batch (补传): every one of them is queued
 * upstream. (The after-commit step read the worker's days for the whole span at once, which the timesheet refuses past
 * 40 dates: none was queued, and the reporter's sweep only looks at yesterday and today.)
 */
import t from 'tap'
import { dateRuns } from '../../src/upstream/reporter.ts'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { creditCode, SECRET } from '../helpers/upstream.ts'

t.test('a six-week backfill of one worker is queued upstream', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const subCredit = creditCode(3)
  // Nothing listens there: records are only queued in this test.
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: 'http://127.0.0.1:9/open.api', appId: '330106202601010001', appSecret: SECRET, batchSize: 10 } }, projects: { 'UP-1': { projectCode: 'P330106001', subcontractors: { [subCredit]: '000123' } } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, inbox, db } = services
  const { reporter } = services.upstream
  const rng = new Rng(14)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: subCredit })
  const project = await roster.createProject({ siteCode: 'UP-1', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000001', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-09-01' })
  await roster.createDevice(project.id, { serial: 'GATE-UP', model: 'canonical', installedAt: '2026-08-01T00:00:00Z' })
  await reporter.idle()

  // The replay: one in and one out a day from 15 September to 31 October, submitted together (one batch).
  const frames: Array<Promise<unknown>> = []
  let seq = 0
  for (let d = new Date('2026-09-15T00:00:00Z'); d <= new Date('2026-10-31T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) {
    const date = d.toISOString().slice(0, 10)
    for (const [time, direction] of [['07:00:00', 'in'], ['17:00:00', 'out']] as const) {
      const payload = Buffer.from(JSON.stringify({ deviceSerial: 'GATE-UP', recordId: String(++seq), person: { kind: 'device_user', value: 'W1' }, deviceTime: `${date}T${time}+08:00`, direction, verifyMethod: 'face', channel: 'gate' }))
      frames.push(inbox.submit({ topic: 'wl/v1/UP-1/GATE-UP/punch', payload, clientId: 'GATE-UP' }))
    }
  }
  const outcomes = await Promise.all(frames)
  t.ok(outcomes.every((o) => (o as { kind: string }).kind === 'stored'), 'every replayed punch is stored')
  await inbox.idle()
  await reporter.idle()
  t.equal(reporter.failures, 0, `the after-commit step did not fail (${String(reporter.lastError)})`)
  const attendance = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'WorkerAttendance')
  t.equal(attendance.length, seq, 'every replayed punch is queued upstream')
})

t.test("dates are read a month's span at a time", async (t) => {
  t.same(dateRuns([], 31), [])
  t.same(dateRuns(['2026-09-15', '2026-10-15', '2026-10-16', '2026-12-01'], 31), [['2026-09-15', '2026-10-15'], ['2026-10-16'], ['2026-12-01']])
})
