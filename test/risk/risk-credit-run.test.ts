/**
 * Credit records in the monthly risk index, on the run's engine: a record counting on the month's last day raises the
 * projects its employer answers for and the employer itself (formula 2026.2, from December 2026); a record on an
 * employer on no roster scores that employer alone; November, scored under
 * 2026.1, is left as it was. Both projects have a worker on site from November, as a run scores only projects on site.
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { creditCode } from '../helpers/upstream.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'

const NOW_MS = Date.parse('2027-01-05T02:00:00Z') // 10:00 Beijing, December ended

t.test('credit records raise the projects and employers of the month they count in', async (t) => {
  const clock = new ManualClock(NOW_MS)
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, clock)
  t.teardown(() => services.close())
  const { roster, credit, riskRuns } = services
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: creditCode(3) })
  const account = { bank: '农行', no: '1202000000000000001', name: '专户' }
  const project = await roster.createProject({ siteCode: 'CR-1', name: '有信用记录的项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account })
  const clean = await roster.createProject({ siteCode: 'CR-2', name: '无信用记录的项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { ...account, no: '1202000000000000002' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const otherSub = await roster.createOrganisation({ kind: 'subcontractor', name: '某木工劳务公司', creditCode: creditCode(4) })
  const cleanTeam = await roster.createTeam(clean.id, { name: '木工班', employerId: otherSub.id })
  // Both on site since November: a run scores the projects on site by the month's end.
  for (const [i, [p, tm]] of [[project, team], [clean, cleanTeam]].entries()) {
    const worker = await roster.createWorker({ name: `工人${i}`, idNumber: idNumber(new Rng(800 + i), 800 + i), bankName: '农行', cardNo: cardNumber(800 + i) })
    await roster.enrol(p!.id, { workerId: worker.id, teamId: tm!.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-02', deviceUserId: `CR-${i}` })
  }
  const arrears = (code: string, name: string, organisationId: string | null, recordedOn: string, sourceId: string) =>
    credit.record({ creditCode: code, employerName: name, organisationId, reason: '拖欠农民工工资', periodFrom: '2026-10', periodTo: '2026-10', amountFen: 200_000_00, recordedOn, sourceKind: 'clue', sourceId, actor: 'test', atMs: NOW_MS })
  await arrears(sub.creditCode, sub.name, sub.id, '2026-12-10', 'clue-1')
  const stranger = creditCode(9)
  await arrears(stranger, '外省某劳务公司', null, '2026-12-20', 'clue-2')

  await riskRuns.run('2026-12', 'test')
  const projects = await riskRuns.ranked({ month: '2026-12', kind: 'project', within: undefined, limit: 10 })
  t.equal(projects.run.formulaVersion, '2026.2')
  const scored = projects.scores.find((s) => s.subjectId === project.id)!
  const creditPart = scored.parts.find((p) => p.part === 'credit')
  t.same([creditPart?.points, creditPart?.reasons.map((r) => r.why)], [65, ['信用记录：杭州某劳务有限公司 拖欠工资 ¥200000.00（2026-12-10 记录）']], "the team's employer's record on its project: 50 + 15 for ¥200,000")
  t.equal(projects.scores.find((s) => s.subjectId === clean.id)?.parts.find((p) => p.part === 'credit'), undefined, 'a project without that employer: no credit part')
  const employers = await riskRuns.ranked({ month: '2026-12', kind: 'employer', within: undefined, limit: 50 })
  const points = (code: string) => employers.scores.find((s) => s.subjectId === code)?.parts.find((p) => p.part === 'credit')?.points
  t.equal(points(sub.creditCode), 65, 'the employer itself')
  t.equal(points(stranger), 65, 'an employer on no roster, with a record and no department report: scored on its record')

  // November was scored under 2026.1 and holds no record (both were recorded in December).
  await riskRuns.run('2026-11', 'test')
  const november = await riskRuns.ranked({ month: '2026-11', kind: 'project', within: undefined, limit: 10 })
  t.equal(november.run.formulaVersion, '2026.1')
  t.ok(
    november.scores.every((s) => s.parts.every((p) => p.part !== 'credit')),
    'no credit part in November',
  )
})
