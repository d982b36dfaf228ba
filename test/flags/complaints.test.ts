/**
 * Wage complaints as cases (src/flags/cases.ts): a worker's complaint opens a COMPLAINT case, a second one while it
 * is live is the worker's comment, one after it closed reopens it; runs never resolve it (the money arriving answers
 * an arrears flag, not a complaint); a labour manager closes it with `resolve`, which a run's case refuses; it ages on
 * the 7-day handling clock like any case.
 */
import t from 'tap'
import { act, applyClock, applyRun, complain, complaintKey, foldCase, type CaseActor, type CaseEvent, type FlagCase, type WorkerComplaint } from '../../src/flags/cases.ts'
import { fen } from '../../src/kernel/money.ts'

const DAY_MS = 86_400_000
const T0 = Date.parse('2026-11-12T02:00:00Z')
const worker: CaseActor = { id: 'u-w', role: 'worker', label: 'worker.w1' }
const lm: CaseActor = { id: 'u-lm', role: 'labour_manager', label: 'lm.zhang' }
const complaint = (over: Partial<WorkerComplaint> = {}): WorkerComplaint => ({
  id: 'c1', projectId: 'p1', month: '2026-10', workerId: 'w1', actor: worker, text: '十月工资还差250元', dueFen: fen(105_000), paidFen: fen(80_000), atMs: T0, ...over,
})

function fold(events: CaseEvent[]): FlagCase {
  const r = foldCase(events)
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.case
}

function must(r: ReturnType<typeof complain>): CaseEvent {
  if (!r.ok) throw new Error(JSON.stringify(r.refusal))
  return r.event
}

t.test('a complaint opens, adds to, and reopens its case; a person closes it; runs leave it alone', async (t) => {
  const opened = must(complain(undefined, complaint()))
  t.match(opened, { type: 'opened', caseKey: complaintKey('p1', '2026-10', 'w1'), runId: 'complaint:c1', kind: 'COMPLAINT', flagKind: 'COMPLAINT', workerId: 'w1', dueFen: 105_000, paidFen: 80_000 })
  const events = [opened]
  t.match(complain(undefined, complaint({ text: '  ' })), { ok: false, refusal: { code: 'text_required' } })

  events.push(must(complain(fold(events), complaint({ id: 'c2', text: '补充', atMs: T0 + 1 }))))
  t.match(events[1], { type: 'commented', actor: worker, text: '补充' })

  // A run of the month that raises nothing resolves every live case it owns: not the complaint.
  t.same(applyRun([fold(events)], { runId: 'r1', projectId: 'p1', month: '2026-10', atMs: T0 + 2, flags: [] }).events, [])

  t.match(act(fold(events), { type: 'resolve', reason: '已补发' }, { ...lm, role: 'team_manager' }, T0 + 3), { ok: false, refusal: { code: 'role_not_permitted' } })
  t.match(act(fold(events), { type: 'resolve', reason: ' ' }, lm, T0 + 3), { ok: false, refusal: { code: 'reason_required' } })
  const resolved = act(fold(events), { type: 'resolve', reason: '已补发250元' }, lm, T0 + 3)
  if (!resolved.ok) throw new Error('refused')
  events.push(resolved.event)
  t.match(fold(events), { state: 'resolved', resolution: { runId: 'person:u-lm', became: null } })
  t.match(resolved.event, { type: 'resolved', actor: lm, reason: '已补发250元' })
  t.match(act(fold(events), { type: 'resolve', reason: '再次' }, lm, T0 + 4), { ok: false, refusal: { code: 'case_closed' } })

  events.push(must(complain(fold(events), complaint({ id: 'c3', text: '又没发', atMs: T0 + 5 * DAY_MS }))))
  t.match(fold(events), { state: 'open', reopenings: 1, lastRunId: 'complaint:c3', episodeOpenedAtMs: T0 + 5 * DAY_MS })
})

t.test("resolve is refused on a run's case", async (t) => {
  const { events } = applyRun([], { runId: 'r1', projectId: 'p1', month: '2026-10', atMs: T0, flags: [{ kind: 'UNPAID', workerId: 'w1', payeeCard: null, dueFen: fen(100), paidFen: fen(0), evidence: {} }] })
  t.match(act(fold(events), { type: 'resolve', reason: '已补发' }, lm, T0 + 1), { ok: false, refusal: { code: 'closed_by_runs', kind: 'UNPAID' } })
})

t.test('an untaken complaint is escalated on the 7-day handling clock', async (t) => {
  const c = fold([must(complain(undefined, complaint()))])
  t.same(applyClock([c], T0 + 7 * DAY_MS, 'Asia/Shanghai'), [], 'the due date itself is within 7 days')
  t.match(applyClock([c], T0 + 8 * DAY_MS, 'Asia/Shanghai'), [{ type: 'escalated', clock: 'handling', thresholdDays: 7, dueDate: '2026-11-19' }])
})
