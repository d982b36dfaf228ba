/**
 * An entry date corrected after the worker's exit was recorded (POST …/enrolments/{id}/entry; allowed while the new
 * date is on or before the exit) queues a new EntryExitHistory entry record under a new key, `entry:{enrolment}:{date}`,
 * behind the exit already queued or accepted. The platform then receives entry, exit, entry: the worker is back on
 * site as far as it knows, with two entries and no exit after the last. Nothing withdraws or reorders them.
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

t.test('an entry date corrected after the exit does not put an entry after the exit upstream', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-25T02:00:00Z'))
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'EC-1': { projectCode: 'P330106012' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, timesheets, db } = services
  const { reporter, runner } = services.upstream
  const rng = new Rng(32)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'EC-1', name: '进场更正项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000012', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '木工班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '钱七', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'E1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await timesheets.recordExit(project.id, enrolment.id, '2026-11-20', { reason: '完工' })
  await reporter.idle()
  // Everything so far goes out and is accepted.
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }
  // The entry date was typed wrong: the worker came on the 3rd.
  await timesheets.correctEntry(project.id, enrolment.id, '2026-11-03', { reason: '进场日期录错' })
  await reporter.idle()
  await reporter.sweep()
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }
  const history = (await reporter.outbox.records(db, project.id))
    .filter((r) => r.kind === 'EntryExitHistory' && r.state !== 'refused')
    .map((r) => JSON.parse(r.payload) as { Date: string; Type: number })
    .map((p) => `${p.Type === 0 ? 'entry' : 'exit'} ${p.Date}`)
  t.equal(history.at(-1), 'exit 2026-11-20', `the last movement the platform is sent is the exit (sent in this order: ${history.join(', ')})`)
  t.equal(history.filter((h) => h.startsWith('entry')).length, 1, 'one entry for one enrolment')
})
