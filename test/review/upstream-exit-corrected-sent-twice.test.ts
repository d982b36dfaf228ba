/**
 * An exit recorded again with another date (the first was typed wrong: recordExit is append-only and takes the new
 * date) queues a second EntryExitHistory exit under its own key, `exit:{enrolment}:{date}`, beside the first, already
 * sent. The platform is told the worker left twice, on two dates, and keeps both; ProjectWorker's ExitTime, already
 * accepted, is never corrected either (differs_from_accepted).
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

t.test('an exit date recorded again is not reported as a second exit', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-25T02:00:00Z'))
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'XC-1': { projectCode: 'P330106014' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, timesheets, db } = services
  const { reporter, runner } = services.upstream
  const rng = new Rng(34)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'XC-1', name: '退场更正项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000014', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '木工班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '周九', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'X1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await timesheets.recordExit(project.id, enrolment.id, '2026-11-20', { reason: '完工' })
  await reporter.idle()
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }
  // The exit date was typed wrong: the worker left on the 18th.
  await timesheets.recordExit(project.id, enrolment.id, '2026-11-18', { reason: '退场日期录错' })
  await reporter.idle()
  await reporter.sweep()
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }
  const exits = (await reporter.outbox.records(db, project.id))
    .filter((r) => r.kind === 'EntryExitHistory' && ['sent', 'accepted', 'queued'].includes(r.state))
    .map((r) => JSON.parse(r.payload) as { Date: string; Type: number })
    .filter((p) => p.Type === 1)
    .map((p) => p.Date)
  t.same(exits, ['2026-11-18'], `one exit for one enrolment, on the date now recorded (the platform was sent: ${exits.join(', ')})`)
})
