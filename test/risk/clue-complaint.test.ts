/**
 * A worker's complaint on their own page becomes a complaint clue (channel worker_page) in the transaction that opens
 * its case (issue 15): its reference the complaint's id, its amount what the page showed still owed, its employer the
 * worker's team's, and, read by the bureau, the evidence the ledger holds — the worker's days of the month, their line
 * on the approved payroll sheet and the bank's payment of it. A second complaint while the case is live is a comment,
 * not a second clue; the start-up catch-up finds nothing left to make.
 */
import t from 'tap'
import { CaseService } from '../../src/flags/case-service.ts'
import { newId } from '../../src/kernel/ids.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { issueCode, PAID_SHORT_FEN, registerWorkerSite, WORKER_NOW_MS } from '../pages/helpers/worker-site.ts'

async function post(base: string, path: string, fields: Record<string, string>, cookie?: string): Promise<{ status: number; location: string | null; cookie?: string }> {
  const res = await fetch(base + path, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(fields) })
  await res.text()
  const m = /^(wl_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  return { status: res.status, location: res.headers.get('location'), cookie: m?.[1] }
}

t.test("a worker's complaint from their page becomes a clue with the ledger's evidence", async (t) => {
  const clock = new ManualClock(WORKER_NOW_MS)
  const { api, services, httpUrl: base } = await startTestServer(t, { clock })
  const ws = await registerWorkerSite(api, services, { tag: 'CC1', seed: 1541 })
  const P = ws.site.projectId
  const signedIn = await post(base, `/w/${P}/sign-in`, { idSuffix: ws.a.suffix, code: await issueCode(ws, ws.a.id) })
  const cookie = signedIn.cookie!
  await createLogin(api, 'auditor.33', 'auditor', { regionCode: '33' })
  const bureau = api.as(await logIn(api, 'auditor.33'))

  const made = await post(base, `/w/${P}/me/complaint`, { month: '2026-10', text: '十月工资还差没发' }, cookie)
  t.equal(made.location, `/w/${P}/me?month=2026-10&notice=complaint_made`, 'the page answers as before')
  await post(base, `/w/${P}/me/complaint`, { month: '2026-10', text: '补充：已经催了三次' }, cookie)

  type Clue = { id: string; channel: string; workerId: string; projectId: string; month: string; headcount: number; amountFen: number; externalRef: string; summary: string; state: string; employerCreditCode: string; clocks: Array<{ clock: string; dueOn: string }> }
  const list = await bureau.get<Clue[]>('/api/clues')
  t.equal(list.length, 1, 'one clue: the second complaint is a comment on the live case')
  const clue = list[0]!
  const netA = ws.netFen.get(ws.a.id)!
  t.match(clue, { channel: 'worker_page', workerId: ws.a.id, projectId: P, month: '2026-10', headcount: 1, amountFen: netA - PAID_SHORT_FEN, summary: '十月工资还差没发', state: 'received' })
  t.same(clue.clocks.map((c) => [c.clock, c.dueOn]), [['routing', '2026-11-19']], '7 days from 12 November')
  const complaintCase = (await ws.lm.get<Array<{ kind: string; caseId: string }>>(`/api/projects/${P}/cases?month=2026-10`)).find((c) => c.kind === 'COMPLAINT')
  t.ok(complaintCase, 'the complaint case is there as before')
  const sub = await services.db.get<{ creditCode: string }>({ text: 'SELECT credit_code AS "creditCode" FROM organisations WHERE id = ?', params: [ws.site.subcontractorId] })
  t.equal(clue.employerCreditCode, sub?.creditCode, "the worker's team's employer")

  const detail = await bureau.get<{ steps: Array<{ type: string; actor: string }>; evidence: { month: string; days: { creditHalves: number; list: Array<{ date: string }> }; sheetLines: Array<{ netFen: number; payments: Array<{ bankRef: string; amountFen: number; valueDate: string }> }> } }>(`/api/clues/${clue.id}`)
  t.match(detail.steps, [{ type: 'received' }])
  t.equal(detail.evidence.month, '2026-10')
  t.same(detail.evidence.days.list.map((d) => d.date), ['2026-10-12', '2026-10-13', '2026-10-14'], "the worker's days")
  t.equal(detail.evidence.sheetLines.length, 1, 'their line on the approved sheet')
  t.equal(detail.evidence.sheetLines[0]!.netFen, netA)
  t.same(detail.evidence.sheetLines[0]!.payments, [{ bankRef: 'VCH-CC1-A', valueDate: '2026-11-10', amountFen: PAID_SHORT_FEN, matchedBy: 'card' }], "the bank's line")

  t.equal(await services.clues.catchUpComplaints(), 0, 'nothing left for the catch-up')

  // A complaint appended without the hook (as before clues existed) is made a clue by the catch-up, once.
  const bare = new CaseService(services.db, clock, async () => 'Asia/Shanghai')
  await bare.complain({ id: newId(), projectId: P, month: '2026-10', workerId: ws.b.id, actor: { id: ws.b.id, role: 'worker', label: 'worker.b' }, text: '十月工资', dueFen: null, paidFen: null, atMs: clock.nowMs() })
  t.equal((await bureau.get<Clue[]>('/api/clues')).length, 1, 'no clue yet')
  t.equal(await services.clues.catchUpComplaints(), 1, 'the catch-up makes it')
  t.equal(await services.clues.catchUpComplaints(), 0, 'once')
  t.match((await bureau.get<Clue[]>('/api/clues')).find((c) => c.workerId === ws.b.id), { channel: 'worker_page', amountFen: 0, month: '2026-10' })
})
