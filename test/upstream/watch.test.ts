/**
 * The upstream watch on the run's engine, through the services: a day's attendance not accepted by 24:00 in
 * Asia/Shanghai opens UPSTREAM_LATE (not a second earlier), resolved once the platform accepted it; a refused record
 * opens UPSTREAM_REFUSED with the platform's reason, resolved when the fixed revision is accepted; a reconciliation
 * run never resolves either.
 */
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { applyRun, foldCases, UPSTREAM_LATE, type CaseEvent } from '../../src/flags/cases.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices, type Services } from '../../src/services.ts'
import { teamMasterRecord } from '../../src/upstream/records.ts'
import { UpstreamPlatform } from '../../simulators/upstream-platform.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z') // 10:00 Beijing
const MIDNIGHT = Date.parse('2026-11-03T16:00:00Z') // 24:00 of 3 November, Beijing

async function setUp(t: Test): Promise<{ services: Services; clock: ManualClock; platform: UpstreamPlatform; projectId: string; workerId: string }> {
  const clock = new ManualClock(START)
  const { platform, url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'UP-1': { projectCode: 'P330106001' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster } = services
  const rng = new Rng(7)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'UP-1', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000001', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.createDevice(project.id, { serial: 'GATE-UP', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  await services.upstream.reporter.idle()
  return { services, clock, platform, projectId: project.id, workerId: worker.id }
}

async function drain(services: Services, clock: ManualClock, projectId: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await services.upstream.runner.pass()
    const open = (await services.upstream.reporter.outbox.records(services.db, projectId)).filter((r) => r.state !== 'accepted' && r.state !== 'refused')
    if (open.length === 0) return
    clock.advance(10_000)
  }
  throw new Error('the outbox never drained')
}

t.test('UPSTREAM_LATE at 24:00 in Asia/Shanghai, resolved once the day is accepted', async (t) => {
  const { services, clock, platform, projectId } = await setUp(t)
  const watch = services.upstream.runner.watch!
  await drain(services, clock, projectId)
  platform.down = true
  const payload = Buffer.from(JSON.stringify({ deviceSerial: 'GATE-UP', recordId: '1', person: { kind: 'device_user', value: 'W1' }, deviceTime: '2026-11-03T07:01:00+08:00', direction: 'in', verifyMethod: 'face', channel: 'gate' }))
  await services.inbox.submit({ topic: 'wl/v1/UP-1/GATE-UP/punch', payload, clientId: 'GATE-UP' })
  await services.inbox.idle()
  await services.upstream.reporter.idle()
  await services.upstream.runner.pass()

  clock.set(MIDNIGHT - 1_000)
  await watch.run()
  t.same(await services.cases.list(projectId, '2026-11'), [], 'a second before 24:00 the day is not late')
  clock.set(MIDNIGHT)
  await watch.run()
  const [late] = await services.cases.list(projectId, '2026-11')
  t.equal(late?.case.kind, UPSTREAM_LATE)
  t.equal(late?.case.scope, '2026-11-03')
  t.match(late?.case.evidence, { date: '2026-11-03', notAccepted: 1, dueByMs: MIDNIGHT })
  t.equal((await watch.run()).events, 0, 'the same watch again appends nothing')

  platform.down = false
  clock.advance(31 * 60_000)
  await drain(services, clock, projectId)
  await watch.run()
  const after = await services.cases.list(projectId, '2026-11')
  t.equal(after[0]?.case.state, 'resolved', 'resolved once the platform accepted the day')
})

t.test('UPSTREAM_REFUSED with the reason, resolved by the fixed revision; a reconciliation run leaves both alone', async (t) => {
  const { services, clock, projectId } = await setUp(t)
  const { reporter } = services.upstream
  const watch = services.upstream.runner.watch!
  const project = { projectId, projectCode: 'P330106001', timeZone: 'Asia/Shanghai' }
  const team = { id: 'tx', name: '外来班', createdAtMs: START }
  const bad = teamMasterRecord(project, { name: '某劳务', creditCode: 'NOT-A-CODE' }, team)
  await services.db.tx((tx) => reporter.outbox.enqueue(tx, projectId, [bad]))
  await drain(services, clock, projectId)
  await watch.run()
  const [refused] = await services.cases.list(projectId, '2026-11')
  t.equal(refused?.case.kind, 'UPSTREAM_REFUSED')
  t.equal(refused?.case.scope, `TeamMaster:${bad.key}`)
  t.match(refused?.case.evidence, { kind: 'TeamMaster', key: bad.key, revision: 1, reason: /CorpCode/ })

  // A reconciliation run of the month that raises nothing resolves none of the upstream cases.
  const rows = await services.db.all<{ body: string }>({ text: 'SELECT body AS "body" FROM flag_case_events WHERE project_id = ? ORDER BY seq', params: [projectId] })
  const { cases } = foldCases(rows.map((r) => JSON.parse(r.body) as CaseEvent))
  t.same(applyRun(cases, { runId: 'r1', projectId, month: '2026-11', atMs: clock.nowMs(), flags: [] }).events, [])

  const fixed = teamMasterRecord(project, { name: '某劳务', creditCode: creditCode(9) }, team)
  t.same(await services.db.tx((tx) => reporter.outbox.enqueue(tx, projectId, [fixed])), [{ key: bad.key, outcome: 'revised' }])
  await watch.run()
  t.equal((await services.cases.list(projectId, '2026-11'))[0]?.case.state, 'open', 'still open while the fix is on its way')
  await drain(services, clock, projectId)
  await watch.run()
  const [done] = await services.cases.list(projectId, '2026-11')
  t.equal(done?.case.state, 'resolved', 'resolved once the fixed revision is accepted')
})
