/**
 * The roster import did not record returns (再次进场): a row for a worker whose enrolment had exited, with an entry
 * date after that exit, was taken for the worker already on the roster (`already_enrolled`) and nothing was stored,
 * the reply saying all was well while the worker stayed exited and their days went unpaid. Now such a row records a
 * return on the enrolment, all or nothing with the rest of the file; a row of an exited worker dated as no recorded
 * spell and not after the exit is a row problem (`return_before_exit`), as is one naming another team than the
 * enrolment's (`return_other_team`). A row dated as a spell already recorded is that spell: the file posted again
 * changes nothing. (Found by review.)
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import type { Api } from '../../simulators/api.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { logIn } from '../access/helpers/site.ts'
import { registerPagesSite } from '../pages/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { reviewSite } from '../timesheets/helpers/site.ts'

const HEADER = ['姓名', '身份证号', '班组', '银行卡号', '开户行', '进场日期', '日工资', '安全教育']
const rng = new Rng(41)
const IDS = Array.from({ length: 5 }, (_, i) => idNumber(rng, i + 401))
const row = (i: number, entryDate: string, team = '钢筋班'): string[] => [`工人${i}`, IDS[i]!, team, cardNumber(i + 401), '中国农业银行', entryDate, '350', '是']
const csv = (rows: string[][]): Buffer => Buffer.from([HEADER, ...rows].map((r) => r.join(',')).join('\r\n'))

interface Preview {
  rowsWithProblems: number
  counts: Record<string, number>
  rows: Array<{ line: number; action: string; problems: Array<{ code: string; field: string; message: string; exitDate?: string }> }>
}
interface Applied {
  outcome: string
  counts: Record<string, number>
  rows: Array<{ line: number; workerId: string; enrolmentId: string | null; outcome: string }>
}
interface Enrolment {
  id: string
  exitDate: string | null
  breaks: Array<{ exitDate: string; returnDate: string }>
  worker: { name: string }
}

t.test('a row for a worker back after their exit records the return on the enrolment', async (t) => {
  const { api: admin } = await startTestServer(t, { clock: new ManualClock(Date.parse('2026-11-20T02:00:00Z')) })
  const site = await registerPagesSite(admin, { tag: 'RIR', seed: 57 })
  const P = `/api/projects/${site.projectId}`
  const lm = admin.as(await logIn(admin, site.logins.labourManager))
  const post = async <T>(who: Api, path: string, body: Buffer): Promise<{ status: number; body: T }> => {
    const res = await who.fetch(`${P}/roster-imports${path}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body })
    return { status: res.status, body: (await res.json()) as T }
  }
  const roster = async (): Promise<Map<string, Enrolment>> => new Map((await admin.getAll<Enrolment>(`${P}/enrolments`)).map((e) => [e.worker.name, e]))

  const first = await post<Applied>(lm, '', csv([row(0, '2026/9/1'), row(1, '2026/9/1'), row(2, '2026/9/1')]))
  t.equal(first.status, 201)
  const ids = new Map(first.body.rows.map((r) => [r.line, r.enrolmentId as string]))
  for (const line of [2, 3]) await admin.post(`${P}/enrolments/${ids.get(line)}/exit`, { exitDate: '2026-09-20' })
  const teams = await admin.getAll<{ id: string; name: string; employerId: string }>(`${P}/teams`)
  await admin.post(`${P}/teams`, { name: '木工班', employerId: teams[0]!.employerId })

  // 工人0 back on 8 October; 工人1's row dated inside the first spell, as no spell recorded: neither a return nor theirs.
  const wrong = csv([row(0, '2026/10/8'), row(1, '2026/9/10'), row(2, '2026/9/1'), row(3, '2026/11/2')])
  const p = await post<Preview>(lm, '/preview', wrong)
  t.equal(p.status, 200)
  t.same(p.body.rows.map((r) => r.action), ['return', 'already_enrolled', 'already_enrolled', 'register_and_enrol'], 'the row after the exit is a return')
  t.same(p.body.counts, { register_and_enrol: 1, enrol: 0, return: 1, already_enrolled: 2 })
  t.match(p.body.rows[1]!.problems, [{ code: 'return_before_exit', field: 'entryDate', exitDate: '2026-09-20', message: /2026-09-20 退场/ }], 'a date of an exited worker neither after the exit nor a spell recorded')
  const refused = await post<{ error: { code: string; details: { rows: Array<{ line: number; problems: Array<{ code: string }> }> } } }>(lm, '', wrong)
  t.equal(refused.status, 422)
  t.match(refused.body.error, { code: 'roster_import_has_problems', details: { rows: [{ line: 3, problems: [{ code: 'return_before_exit' }] }] } })
  let now = await roster()
  t.equal(now.get('工人0')?.exitDate, '2026-09-20', 'nothing stored: the return neither')
  t.notOk(now.has('工人3'), 'nor the new worker')

  // Another team than the enrolment's: the return is on the enrolment, in its team.
  const otherTeam = await post<Preview>(lm, '/preview', csv([row(0, '2026/10/8', '木工班')]))
  t.match(otherTeam.body.rows[0]!.problems, [{ code: 'return_other_team', field: 'team' }])

  // Put right: 工人1's original entry date (that spell, nothing to do).
  const right = csv([row(0, '2026/10/8'), row(1, '2026/9/1'), row(2, '2026/9/1'), row(3, '2026/11/2')])
  const a = await post<Applied>(lm, '', right)
  t.equal(a.status, 201)
  t.equal(a.body.outcome, 'imported')
  t.same(a.body.rows.map((r) => r.outcome), ['return', 'already_enrolled', 'already_enrolled', 'register_and_enrol'])
  t.equal(a.body.rows[0]!.enrolmentId, ids.get(2), 'the return is on the enrolment the worker had')
  now = await roster()
  t.match(now.get('工人0'), { id: ids.get(2), exitDate: null, breaks: [{ exitDate: '2026-09-20', returnDate: '2026-10-08' }] }, 'on site again, the break kept')
  t.match(now.get('工人1'), { exitDate: '2026-09-20', breaks: [] }, 'the other exited worker left as they were')
  const returns = await admin.get<Array<{ returnDate: string; exitDate: string; reason: string | null; actor: string }>>(`${P}/enrolments/${ids.get(2)}/returns`)
  t.match(returns, [{ returnDate: '2026-10-08', exitDate: '2026-09-20', reason: '花名册导入第 2 行' }], 'kept as a return, naming the row')
  t.match(returns[0]!.actor, new RegExp(site.logins.labourManager), 'by whoever imported the file')

  // The same file again: the return's row is now the spell it began.
  const again = await post<Applied>(lm, '', right)
  t.equal(again.status, 200)
  t.equal(again.body.outcome, 'already_imported')
  t.same(again.body.rows.map((r) => r.outcome), ['already_enrolled', 'already_enrolled', 'already_enrolled', 'already_enrolled'])
  t.equal((await admin.get<unknown[]>(`${P}/enrolments/${ids.get(2)}/returns`)).length, 1, 'no second return')
})

t.test('a return the import records after the month was confirmed: the days from it become an adjustment, as for POST …/return', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-05T12:00:00Z', entryDate: '2026-10-01' })
  const P = s.project.id
  const { enrolment } = await s.roster.enrolmentOf(P, s.worker.id)
  s.clock.set(Date.parse('2026-10-10T12:00:00Z')) // an exit is recorded once it has happened
  await s.timesheets.recordExit(P, enrolment.id, '2026-10-10')
  s.clock.set(Date.parse('2026-10-26T12:00:00Z'))
  await s.punch('2026-10-26T07:00:00+08:00', 'in')
  await s.punch('2026-10-26T17:00:00+08:00', 'out')
  await s.inbox.idle()
  s.clock.set(Date.parse('2026-11-02T02:00:00Z'))
  await s.timesheets.confirmByManager(P, s.team.id, '2026-10', '王芳', null)

  const file = csv([[s.worker.name, s.worker.idNumber, s.team.name, s.worker.cardNo, s.worker.bankName, '2026-10-26', '300', '是']])
  const applied = await s.services.rosterImports.apply(P, file, undefined, 'user:王芳')
  t.same(applied.rows.map((r) => r.outcome), ['return'])
  t.match(await s.timesheets.adjustmentsRecordedIn(P, '2026-11'), [{ workerId: s.worker.id, workDate: '2026-10-26', cause: 'recomputed', beforeHalves: 0, afterHalves: 2 }], 'the day after the return, carried into November, in the import’s transaction')
})
