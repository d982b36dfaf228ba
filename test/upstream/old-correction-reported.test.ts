/**
 * (Found by review.)
 * A correction's added punch (补卡, DataResource 1) is queued upstream only by the sweep, and the sweep looks only at
 * the workers with a correction filed on yesterday or today. A labour manager who adds a missed punch for a day three
 * days back (the common case: the paper sign-in sheet comes in at the end of the week) never has it reported: no
 * after-commit step, no sweep ever picks it up, and the platform's attendance for that day stays without it.
 * Now a correction's days are queued after its commit, and the sweep finds the corrections made since yesterday began
 * by when they were made, whatever date they are for.
 */
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices, type Services } from '../../src/services.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

async function site(t: Test) {
  const clock = new ManualClock(Date.parse('2026-11-10T02:00:00Z')) // 10:00 Beijing on the 10th
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'OC-1': { projectCode: 'P330106011' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster } = services
  const { reporter } = services.upstream
  const rng = new Rng(31)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'OC-1', name: '补卡项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000011', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '赵六', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'C1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await reporter.idle()
  return { clock, project, worker, services }
}

const added = async (services: Services, projectId: string): Promise<Array<[string, string, number]>> =>
  (await services.upstream.reporter.outbox.records(services.db, projectId))
    .filter((r) => r.kind === 'WorkerAttendance')
    .map((r) => JSON.parse(r.payload) as { CheckTime: string; Direction: string; DataResource: number })
    .map((p) => [p.CheckTime, p.Direction, p.DataResource])

t.test("a correction's added punch for a day three days back is reported upstream", async (t) => {
  const { clock, project, worker, services } = await site(t)
  const { timesheets, db } = services
  const { reporter } = services.upstream

  // The 7th: the gate was down; the paper sheet says 07:30 in, 17:00 out.
  await timesheets.addCorrection(project.id, worker.id, '2026-11-07', { kind: 'add_punch', at: '2026-11-07 07:30', direction: 'in', reason: '闸机故障', author: '王芳' })
  await timesheets.addCorrection(project.id, worker.id, '2026-11-07', { kind: 'add_punch', at: '2026-11-07 17:00', direction: 'out', reason: '闸机故障', author: '王芳' })
  const day = (await timesheets.workerDays(project, worker.id, '2026-11-07', '2026-11-07'))[0]
  t.equal(day?.status, 'present', 'the timesheet counts the day from the added punches')

  await reporter.idle()
  t.same(
    await added(services, project.id),
    [
      ['2026-11-07 07:30:00', '01', 1],
      ['2026-11-07 17:00:00', '02', 1],
    ],
    'queued right after the corrections commit, before any sweep',
  )
  await reporter.sweep()
  clock.advance(5 * 60_000)
  await reporter.sweep()
  const manual = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'WorkerAttendance')
  t.same(
    manual.map((r) => (JSON.parse(r.payload) as { CheckTime: string; Direction: string; DataResource: number })).map((p) => [p.CheckTime, p.Direction, p.DataResource]),
    [
      ['2026-11-07 07:30:00', '01', 1],
      ['2026-11-07 17:00:00', '02', 1],
    ],
    'both added punches are queued for the platform',
  )
})

t.test("the sweep finds a correction made today for a day last week when its after-commit step failed", async (t) => {
  const { clock, project, worker, services } = await site(t)
  const { timesheets } = services
  const { reporter } = services.upstream
  // The process's step after the commit fails (or the process dies there): nothing is queued by it.
  reporter.correctionMade = () => Promise.reject(new Error('died after the commit'))
  await timesheets.addCorrection(project.id, worker.id, '2026-11-03', { kind: 'add_punch', at: '2026-11-03 07:30', direction: 'in', reason: '闸机故障', author: '王芳' })
  await timesheets.addCorrection(project.id, worker.id, '2026-11-03', { kind: 'add_punch', at: '2026-11-03 17:00', direction: 'out', reason: '闸机故障', author: '王芳' })
  await reporter.idle()
  t.equal(reporter.failures, 2, 'both after-commit steps failed')
  t.same(await added(services, project.id), [], 'nothing queued yet')
  clock.advance(24 * 3_600_000) // the next day: the corrections were made yesterday, for a day a week before
  await reporter.sweep()
  t.same(
    await added(services, project.id),
    [
      ['2026-11-03 07:30:00', '01', 1],
      ['2026-11-03 17:00:00', '02', 1],
    ],
    'the sweep queues the days of the corrections made since yesterday began',
  )
})
