/**
 * Upstream reporting wired into the services, on the run's engine: a project configured to report queues its roster
 * (teams, workers, entries and exits) after each change, its punches as stored (a correction's added punch by the
 * sweep, DataResource 1, due by 24:00 of its day), its payroll sheets by state; the province's sender delivers them to
 * the simulator; a project without upstream configuration queues nothing.
 */
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices, type Services } from '../../src/services.ts'
import { UpstreamReporter, endOfDayMs } from '../../src/upstream/reporter.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z') // 10:00 Beijing

/** A credit code the platform takes: registration authority, region code (digits), then the body. */

t.test('parseUpstreamConfig names the setting that is wrong', async (t) => {
  t.throws(() => parseUpstreamConfig({ provinces: { 33: { endpoint: 'http://x/open.api', appId: 'a', appSecret: 'short' } } }), /provinces\.33\.key must be 16, 24 or 32 bytes/)
  t.throws(() => parseUpstreamConfig({ provinces: { 33: { endpoint: 'ftp://x', appId: 'a', appSecret: SECRET } } }), /endpoint must be an http/)
  t.throws(() => parseUpstreamConfig({ projects: { S1: { subcontractors: { X: '12' } } } }), /6-digit number/)
  const c = parseUpstreamConfig({ provinces: { 33: { endpoint: 'http://x/open.api', appId: 'a', appSecret: SECRET, encryption: 'ecb', encoding: 'hex', batchSize: 20 } }, projects: { S1: {} } })
  t.equal(c.provinces['33']?.batchSizeMax, 20)
  t.same(c.provinces['33']?.cipher, { key: SECRET, mode: 'ecb', encoding: 'hex' })
  t.equal(c.projects.S1?.projectCode, 'S1', 'the platform knows the project under its site code unless told otherwise')
})

async function setUp(t: Test, platformUrl: string, clock: ManualClock, subNo: string, subCredit: string): Promise<Services> {
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: platformUrl, appId: APP_ID, appSecret: SECRET, batchSize: 10 } },
    projects: { 'UP-1': { projectCode: 'P330106001', subcontractors: { [subCredit]: subNo } } },
  })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  return services
}

t.test('a reporting project queues its roster, punches and payroll; another project nothing; all accepted', async (t) => {
  const clock = new ManualClock(START)
  const { platform, url } = await startPlatform(t, clock)
  const rng = new Rng(14)
  const subCredit = creditCode(3)
  const services = await setUp(t, url, clock, '000123', subCredit)
  const { roster, inbox, timesheets, db } = services
  const { reporter, runner } = services.upstream

  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: subCredit })
  const account = { bank: '农行', no: '1202000000000000001', name: '专户' }
  const project = await roster.createProject({ siteCode: 'UP-1', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account })
  const other = await roster.createProject({ siteCode: 'NO-UP', name: '不上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const otherTeam = await roster.createTeam(other.id, { name: '木工班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const worker2 = await roster.createWorker({ name: '李四', idNumber: idNumber(rng, 2), bankName: '农行', cardNo: cardNumber(2) })
  const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.enrol(other.id, { workerId: worker2.id, teamId: otherTeam.id, deviceUserId: 'W2', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.createDevice(project.id, { serial: 'GATE-UP', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  await roster.createDevice(other.id, { serial: 'GATE-NO', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  await reporter.idle()

  const kinds = async (projectId: string): Promise<string[]> => (await reporter.outbox.records(db, projectId)).map((r) => `${r.kind} ${r.key.split(':')[0]}`)
  t.same(await kinds(project.id), ['TeamMaster team', 'ProjectWorker worker', 'EntryExitHistory entry'], 'the roster queued after its changes')
  t.same(await kinds(other.id), [], 'a project without upstream configuration queues nothing')

  let seq = 0
  const punch = async (serial: string, site: string, user: string, local: string, direction: 'in' | 'out'): Promise<void> => {
    const payload = Buffer.from(JSON.stringify({ deviceSerial: serial, recordId: String(++seq), person: { kind: 'device_user', value: user }, deviceTime: `${local}+08:00`, direction, verifyMethod: 'face', channel: 'gate' }))
    await inbox.submit({ topic: `wl/v1/${site}/${serial}/punch`, payload, clientId: serial })
  }
  await punch('GATE-UP', 'UP-1', 'W1', '2026-11-03T07:01:00', 'in')
  await punch('GATE-UP', 'UP-1', 'W1', '2026-11-03T09:02:30', 'out')
  await punch('GATE-NO', 'NO-UP', 'W2', '2026-11-03T07:05:00', 'in')
  await inbox.idle()
  await reporter.idle()
  const attendance = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'WorkerAttendance')
  t.same(
    attendance.map((r) => JSON.parse(r.payload) as Record<string, unknown>).map((p) => [p.CheckTime, p.Direction, p.CheckChannel, p.DataResource, p.ProjectCode]),
    [
      ['2026-11-03 07:01:00', '01', 'GATE-UP', 0, 'P330106001'],
      ['2026-11-03 09:02:30', '02', 'GATE-UP', 0, 'P330106001'],
    ],
    'each stored punch queued right after its commit, Beijing wall time, the device its channel',
  )
  t.ok(attendance.every((r) => r.dueByMs === endOfDayMs('2026-11-03', 'Asia/Shanghai')), 'due by 24:00 of its day in the project zone')
  t.equal(endOfDayMs('2026-11-03', 'Asia/Shanghai'), Date.parse('2026-11-03T16:00:00Z'))
  t.same(await kinds(other.id), [])

  // A correction's added punch: queued right after its commit, manual; the sweep finds nothing left.
  await timesheets.addCorrection(project.id, worker.id, '2026-11-02', { kind: 'add_punch', at: '2026-11-02 07:30', direction: 'in', reason: '忘打卡', author: '王芳' })
  await reporter.idle()
  const swept = await reporter.sweep()
  t.equal(swept.queued, 0, 'the sweep queues only what was not queued yet: the correction was queued after its commit')
  const manual = (await reporter.outbox.records(db, project.id)).filter((r) => r.key.startsWith('correction:'))
  t.equal(manual.length, 1)
  t.match(JSON.parse(manual[0]!.payload), { CheckTime: '2026-11-02 07:30:00', Direction: '01', CheckChannel: 'manual', DataResource: 1 })
  t.equal((await reporter.sweep()).queued, 0, 'a second sweep queues nothing')

  // An exit: a new EntryExitHistory record; the ProjectWorker already queued is not overwritten (its key is held).
  await roster.recordExit(project.id, enrolment.id, '2026-11-03') // today: an exit is recorded once it has happened
  await reporter.idle()
  t.same((await kinds(project.id)).filter((k) => k.startsWith('EntryExitHistory')), ['EntryExitHistory entry', 'EntryExitHistory exit'])

  // Payroll: an approved sheet of October is reported with status 3 under GZD + number + month + sequence.
  await insertApprovedSheet(db, {
    projectId: project.id,
    teamId: team.id,
    period: '2026-10',
    payDate: '2026-11-10',
    atMs: START,
    lines: [{ workerId: worker.id, enrolmentId: enrolment.id, workerName: '张三', idNumber: worker.idNumber, bankName: '农行', cardNo: worker.cardNo, netFen: 630000, dayHalves: 42 }],
  })
  t.equal((await reporter.reportPayroll(other.id, '2026-10')).queued, 0)
  t.equal((await reporter.sweep()).queued, 2, 'the sheet and its line')
  const detail = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRollDetail')
  t.match(JSON.parse(detail[0]!.payload), { PayRollCode: 'GZD000123202610001', Days: 21, TotalPayAmount: '6300.00', ActualAmount: '6300.00', PayStatus: 0, BalanceDate: '2026-11-10', CumulativeSettledAmount: '6300.00', CumulativePaidAmount: '0.00', PayBankName: '农行' })
  const payroll = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRoll')
  t.match(JSON.parse(payroll[0]!.payload), { PayRollCode: 'GZD000123202610001', Status: 3, PayMonth: '2026-10', WorkerCount: 1, ActualAmount: '6300.00', CorpCode: subCredit })

  // A payment the month's reconciliation found failed: the line again, PayStatus 30, under its own key.
  const failedRun = { latest: async () => ({ flags: [{ kind: 'FAILED', workerId: worker.id }] }) }
  const withPayouts = new UpstreamReporter(db, { roster, timesheets, sheets: services.sheets, payouts: failedRun }, clock, services.config.upstream)
  t.equal((await withPayouts.reportPayroll(project.id, '2026-10')).queued, 1)
  const lines = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRollDetail')
  t.same(lines.map((r) => [r.key.split(':')[2], (JSON.parse(r.payload) as { PayStatus: number }).PayStatus]), [['0', 0], ['30', 30]])
  // Its second attempt sent to the bank and not answered yet: retrying, 40, under its own key.
  const retryOut = { workerMonth: async () => ({ state: { kind: 'live', line: { attempt: 2, previousLineId: 'line-1' } } }) }
  const retrying = new UpstreamReporter(db, { roster, timesheets, sheets: services.sheets, payouts: failedRun, instructions: retryOut }, clock, services.config.upstream)
  t.equal((await retrying.reportPayroll(project.id, '2026-10')).queued, 1)
  const withRetry = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRollDetail')
  t.same(withRetry.map((r) => (JSON.parse(r.payload) as { PayStatus: number }).PayStatus), [0, 30, 40])

  // The province's sender delivers the project's records; the other project has none to send.
  t.equal(runner.senders.size, 1)
  for (let i = 0; i < 50; i++) {
    await runner.pass()
    const open = (await reporter.outbox.records(db, project.id)).filter((r) => r.state !== 'accepted' && r.state !== 'refused')
    if (open.length === 0) break
    clock.advance(10_000)
  }
  const settled = await reporter.outbox.records(db, project.id)
  const refused = settled.filter((r) => r.state === 'refused').map((r) => `${r.kind}: ${r.reason}`)
  t.same(refused, [], 'nothing refused')
  t.ok(settled.every((r) => r.state === 'accepted'), 'every record accepted')
  t.equal(platform.acceptedOf('WorkerAttendance').length, 3)
  t.equal(platform.acceptedOf('PayRoll').length, 1)
  t.equal(platform.acceptedOf('PayRollDetail').length, 3)
})

t.test('a sheet approved and a month reconciled are queued upstream after their commit, with no sweep', async (t) => {
  const clock = new ManualClock(START)
  const subCredit = creditCode(7)
  const services = await setUp(t, 'http://127.0.0.1:9/open.api', clock, '000321', subCredit)
  const { roster, db } = services
  const { reporter } = services.upstream
  const rng = new Rng(15)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(5) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(6) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: subCredit })
  const project = await roster.createProject({ siteCode: 'UP-1', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000001', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-10-01' })
  await insertApprovedSheet(db, {
    projectId: project.id,
    teamId: team.id,
    period: '2026-10',
    payDate: '2026-11-10',
    atMs: START,
    states: ['sent', 'submitted'],
    lines: [{ workerId: worker.id, enrolmentId: enrolment.id, workerName: '张三', idNumber: worker.idNumber, bankName: '农行', cardNo: worker.cardNo, netFen: 630000, dayHalves: 42 }],
  })
  await reporter.idle()
  const payroll = async () => (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRoll' || r.kind === 'PayRollDetail').map((r) => `${r.kind} ${(JSON.parse(r.payload) as { Status?: number }).Status ?? ''}`.trim())
  const before = await payroll()
  await services.sheets.act(project.id, team.id, '2026-10', 'approve', '劳资专管员', null)
  await reporter.idle()
  const after = await payroll()
  t.ok(after.includes('PayRoll 3'), `the approved sheet queued at once with status 3 (before: ${before.join(', ') || 'nothing'})`)
  t.ok(after.includes('PayRollDetail'), 'and its line')
  const queued = after.length
  await services.payouts.reconcile(project.id, '2026-10', 'test')
  await reporter.idle()
  t.equal(reporter.failures, 0, 'the run after-commit step read the month without failing')
  t.equal((await payroll()).length, queued, 'a run that changes no payment state queues nothing new')
  t.equal((await reporter.sweep()).queued, 0, 'the sweep finds nothing left to queue')
})
