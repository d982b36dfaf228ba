/**
 * (Found by review.)
 * A PayRollCode, once reported for a sheet, stays that sheet's code: adding a team of the same subcontractor later
 * (a new 班组, its name sorting first) must not renumber the sheets already reported, nor make a later status of the
 * same sheet (settled, 50) go out under another code than its approval (3).
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { insertInto } from '../../src/db/rows.ts'
import { payrollSheetEvents } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { creditCode } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

t.test('a new team of the subcontractor does not renumber a sheet already reported', async (t) => {
  const clock = new ManualClock(START)
  const subCredit = creditCode(3)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: 'http://127.0.0.1:9/open.api', appId: 'a', appSecret: 'Wl0Test5ecret0fThePlatform2026AB' } },
    projects: { 'UP-1': { projectCode: 'P330106001', subcontractors: { [subCredit]: '000123' } } },
  })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, db } = services
  const { reporter } = services.upstream
  const rng = new Rng(21)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: subCredit })
  const project = await roster.createProject({ siteCode: 'UP-1', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000001', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-01' })
  const { sheetId } = await insertApprovedSheet(db, {
    projectId: project.id,
    teamId: team.id,
    period: '2026-10',
    payDate: '2026-11-10',
    atMs: START,
    states: ['sent', 'submitted', 'approved', 'instructed'],
    lines: [{ workerId: worker.id, enrolmentId: enrolment.id, workerName: '张三', idNumber: worker.idNumber, bankName: '农行', cardNo: worker.cardNo, netFen: 630000, dayHalves: 42 }],
  })
  await reporter.idle()
  await reporter.reportPayroll(project.id, '2026-10')
  const codes = async (): Promise<string[]> =>
    (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRoll').map((r) => `${(JSON.parse(r.payload) as { Status: number }).Status} ${(JSON.parse(r.payload) as { PayRollCode: string }).PayRollCode}`)
  t.same(await codes(), ['3 GZD000123202610001'], 'reported with status 3 under sequence 001')

  // November: the subcontractor brings a second team to the site (木 sorts before 钢).
  clock.advance(20 * 86_400_000)
  await roster.createTeam(project.id, { name: '木工班', employerId: sub.id })
  await reporter.idle()
  // The October sheet is then paid in full and settled (as the reconciliation does).
  await db.run(insertInto(payrollSheetEvents, [{ id: newId(), sheetId, seq: 6, state: 'settled', actor: 'fixture', reason: null, atMs: clock.nowMs() }]))
  const c = await reporter.reportPayroll(project.id, '2026-10')
  t.equal(c.differs, 0, 'nothing already reported changes payload')
  t.same(await codes(), ['3 GZD000123202610001', '50 GZD000123202610001'], 'the settlement goes out under the code the approval went out under')
})
t.test('a held code is not given to another sheet of the month', async (t) => {
  const clock = new ManualClock(START)
  const subCredit = creditCode(3)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: 'http://127.0.0.1:9/open.api', appId: 'a', appSecret: 'Wl0Test5ecret0fThePlatform2026AB' } },
    projects: { 'UP-1': { projectCode: 'P330106001', subcontractors: { [subCredit]: '000123' } } },
  })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, db } = services
  const { reporter } = services.upstream
  const rng = new Rng(21)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: subCredit })
  const project = await roster.createProject({ siteCode: 'UP-1', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000001', name: '专户' } })
  // 钢筋班 registered first, 木工班 a day later (木 sorts before 钢 by name).
  const steel = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  clock.advance(86_400_000)
  const wood = await roster.createTeam(project.id, { name: '木工班', employerId: sub.id })
  const sheetOf = async (teamId: string, n: number) => {
    const worker = await roster.createWorker({ name: `工人${n}`, idNumber: idNumber(rng, n), bankName: '农行', cardNo: cardNumber(n) })
    const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId, deviceUserId: `W${n}`, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-01' })
    return insertApprovedSheet(db, {
      projectId: project.id, teamId, period: '2026-10', payDate: '2026-11-10', atMs: clock.nowMs(), states: ['sent', 'submitted', 'approved'],
      lines: [{ workerId: worker.id, enrolmentId: enrolment.id, workerName: `工人${n}`, idNumber: worker.idNumber, bankName: '农行', cardNo: worker.cardNo, netFen: 630000, dayHalves: 42 }],
    })
  }
  // Before the upgrade: 木工班's sheet was approved and reported under the name order's 001.
  const woodSheet = await sheetOf(wood.id, 1)
  await reporter.idle()
  await reporter.outbox.enqueue(db, project.id, [{ kind: 'PayRoll', key: `payroll:${woodSheet.sheetId}:3`, payload: { PayRollCode: 'GZD000123202610001', Status: 3 } } as never])
  // After it: 钢筋班's sheet is approved and reported.
  await sheetOf(steel.id, 2)
  await reporter.reportPayroll(project.id, '2026-10')
  const codes = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'PayRoll').map((r) => ({ key: r.key, code: (JSON.parse(r.payload) as { PayRollCode: string }).PayRollCode }))
  const bySheet = new Map<string, Set<string>>()
  for (const c of codes) {
    const sheet = c.key.split(':')[1] as string
    bySheet.set(c.code, (bySheet.get(c.code) ?? new Set()).add(sheet))
  }
  t.same([...bySheet.values()].filter((s) => s.size > 1).map((s) => [...s]), [], `each PayRollCode names one sheet (${JSON.stringify(codes)})`)
})
