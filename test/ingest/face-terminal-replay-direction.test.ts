/**
 * A face terminal (face-fr900) cannot tell in from out: its punches are stored `unknown` and take their direction by
 * order within the work date, by device time, never by arrival. Suspected: a replay of an earlier record, after the
 * day's punches were accepted (stored, and taken by the platform), flips their directions. It does not: a record id
 * already stored with the same worker and time is a duplicate, nothing is stored again (the first reading stands), so
 * the order, the directions and what is reported upstream stay as they were. This test pins that. (Found by review.)
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { loadConfig } from '../../src/config/env.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

t.test("a face terminal's replayed records do not flip the directions of a day already accepted", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T12:00:00Z'))
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'FR-1': { projectCode: 'P330106011' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, inbox, db, timesheets } = services
  const { reporter, runner } = services.upstream
  const rng = new Rng(23)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'FR-1', name: '项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000011', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '木工班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '赵六', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'F1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.createDevice(project.id, { serial: 'FT-0001', model: 'face-fr900', installedAt: '2026-10-01T00:00:00Z' })
  const record = (recordId: string, createTime: string) =>
    inbox.submit({
      topic: 'wl/v1/FR-1/FT-0001/punch',
      payload: Buffer.from(JSON.stringify({ operator: 'RecPush', info: { DeviceID: 'FT-0001', RecordID: recordId, PersonID: 'F1', CreateTime: createTime, VerifyType: 'face' } })),
      clientId: 'FT-0001',
    })
  const settle = async (): Promise<void> => {
    await inbox.idle()
    await reporter.idle()
    for (let i = 0; i < 10; i++) {
      await runner.pass()
      clock.advance(10_000)
    }
  }
  const directions = async () => (await timesheets.workerDays(project, worker.id, '2026-11-03', '2026-11-03'))[0]?.punches.map((p) => [p.punchId, p.direction, p.directionRule])
  const attendance = async () =>
    (await reporter.outbox.records(db, project.id))
      .filter((r) => r.kind === 'WorkerAttendance')
      .map((r) => {
        const p = JSON.parse(r.payload) as { CheckTime: string; Direction: string }
        return [r.key, r.revision, r.state, p.CheckTime, p.Direction]
      })
      .sort()

  t.match(await record('1', '2026-11-03 07:30:00'), { kind: 'stored' })
  t.match(await record('2', '2026-11-03 17:30:00'), { kind: 'stored' })
  await settle()
  const day = await directions()
  t.match(day, [[Number, 'in', 'order'], [Number, 'out', 'order']], 'by order: the first an in, the second an out')
  const accepted = await attendance()
  t.same(accepted.map((r) => [r[2], r[3], r[4]]), [['accepted', '2026-11-03 07:30:00', '01'], ['accepted', '2026-11-03 17:30:00', '02']], 'both accepted by the platform')

  // The terminal replays its log (a lost acknowledgement, a restart): the later record first, then the earlier.
  t.match(await record('2', '2026-11-03 17:30:00'), { kind: 'duplicate' })
  t.match(await record('1', '2026-11-03 07:30:00'), { kind: 'duplicate' })
  await settle()
  t.same(await directions(), day, 'the directions stand')
  t.same(await attendance(), accepted, 'nothing new is queued upstream: no revision, no second record')
  t.equal(inbox.stats.duplicates, 2)
})
