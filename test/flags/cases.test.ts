import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { zonedToUtcMs } from '../../src/kernel/time.ts'
import { reconcile, type PaidLine } from '../../src/payouts/reconcile.ts'
import {
  SEVERITY_RULES,
  act,
  applyClock,
  applyRun,
  caseAge,
  caseKey,
  foldCase,
  foldCases,
  severityOf,
  type CaseActor,
  type CaseEvent,
  type CaseRun,
  type FlagCase,
  type RunFlag,
} from '../../src/flags/cases.ts'

const PROJECT = 'p-1'
const MONTH = '2026-03'
const ZHANG = 'w-zhang'
const LI = 'w-li'
const BOSS_CARD = '6217 9999 0000 0000 001'

const MANAGER: CaseActor = { id: 'u-lm', role: 'labour_manager', label: 'chen.lm' }
const TEAM: CaseActor = { id: 'u-tm', role: 'team_manager', label: 'wu.tm' }
const INSPECTOR: CaseActor = { id: 'u-aud', role: 'auditor', label: 'zhou.aud' }

/** Noon in Shanghai on a date of March 2026. */
const at = (day: number, hour = 12): number => zonedToUtcMs({ year: 2026, month: 3, day, hour, minute: 0, second: 0 }, 'Asia/Shanghai')

const flag = (kind: string, workerId: string | null, dueYuan: number | null, paidYuan: number | null, extra: Partial<RunFlag> = {}): RunFlag => ({
  kind,
  workerId,
  payeeCard: null,
  dueFen: dueYuan === null ? null : fen(dueYuan * 100),
  paidFen: paidYuan === null ? null : fen(paidYuan * 100),
  evidence: { period: MONTH },
  ...extra,
})

const runOf = (runId: string, atMs: number, flags: RunFlag[], perWorker: CaseRun['perWorker'] = []): CaseRun => ({ runId, projectId: PROJECT, month: MONTH, atMs, flags, perWorker })

/** An event log that applies runs and actions in turn, as the integrator's table will. */
class Log {
  events: CaseEvent[] = []
  cases(): FlagCase[] {
    const { cases, errors } = foldCases(this.events)
    if (errors.length > 0) throw new Error(JSON.stringify(errors))
    return cases
  }
  one(key: string): FlagCase {
    const c = this.cases().find((x) => x.key === key)
    if (c === undefined) throw new Error(`no case ${key}`)
    return c
  }
  run(r: CaseRun): CaseEvent[] {
    const { events } = applyRun(this.cases(), r)
    this.events.push(...events)
    return events
  }
  clock(nowMs: number): CaseEvent[] {
    const events = applyClock(this.cases(), nowMs)
    this.events.push(...events)
    return events
  }
  append(e: CaseEvent): void {
    this.events.push(e)
  }
}

/** The kind part of a case key. */
const keyKind = (key: string): string => (JSON.parse(key) as string[])[0] ?? ''

const unpaidKey = (workerId: string): string => caseKey(PROJECT, MONTH, flag('UNPAID', workerId, 0, 0))

t.test('the case key: family, subject, month, project; UNPAID and SHORTFALL are one case', async (t) => {
  t.equal(caseKey(PROJECT, MONTH, flag('UNPAID', ZHANG, 5000, 0)), JSON.stringify(['UNPAID', `worker:${ZHANG}`, MONTH, PROJECT]))
  t.equal(caseKey(PROJECT, MONTH, flag('SHORTFALL', ZHANG, 5000, 1000)), caseKey(PROJECT, MONTH, flag('UNPAID', ZHANG, 5000, 0)))
  t.equal(
    caseKey(PROJECT, MONTH, flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD })),
    JSON.stringify(['UNKNOWN_PAYEE', 'card:6217999900000000001', MONTH, PROJECT]),
    'a card no worker owns is the subject, spaces dropped',
  )
  t.equal(caseKey(PROJECT, MONTH, flag('NO_PAYROLL_SHEET', null, 100, null, { evidence: { teamId: 't-1' } })), JSON.stringify(['NO_PAYROLL_SHEET', 'project:teamId:t-1', MONTH, PROJECT]))
  t.equal(caseKey(PROJECT, MONTH, flag('FUNDING_LATE', null, null, null)), JSON.stringify(['FUNDING_LATE', 'project', MONTH, PROJECT]))
  t.equal(caseKey(PROJECT, MONTH, flag('FUNDING_LATE', null, null, null, { scope: 'period-2' })), JSON.stringify(['FUNDING_LATE', 'project:period-2', MONTH, PROJECT]))
  t.not(caseKey(PROJECT, '2026-04', flag('UNPAID', ZHANG, 1, 0)), unpaidKey(ZHANG), 'another month is another case')
})

t.test('opened, updated by a part payment, resolved with the run that made it good', async (t) => {
  const log = new Log()
  const opened = log.run(runOf('r1', at(16), [flag('UNPAID', ZHANG, 5000, 0), flag('UNPAID', LI, 4000, 0)]))
  t.same(
    opened.map((e) => [e.type, e.caseKey]),
    [
      ['opened', unpaidKey(LI)],
      ['opened', unpaidKey(ZHANG)],
    ],
    'sorted by key',
  )
  const o = opened[1]
  t.match(o, { type: 'opened', kind: 'UNPAID', flagKind: 'UNPAID', workerId: ZHANG, dueFen: 500000, paidFen: 0, runId: 'r1', atMs: at(16), projectId: PROJECT, month: MONTH })

  const updated = log.run(runOf('r2', at(17), [flag('SHORTFALL', ZHANG, 5000, 3000), flag('UNPAID', LI, 4000, 0)]))
  t.same(updated.map((e) => e.type), ['updated'], 'LI unchanged: nothing; ZHANG part paid: updated')
  t.match(updated[0], { before: { flagKind: 'UNPAID', dueFen: 500000, paidFen: 0 }, flagKind: 'SHORTFALL', paidFen: 300000 })

  const resolved = log.run(runOf('r3', at(18), [flag('UNPAID', LI, 4000, 0)], [{ workerId: ZHANG, dueFen: fen(500000), paidFen: fen(500000) }]))
  t.same(resolved, [{ caseKey: unpaidKey(ZHANG), atMs: at(18), runId: 'r3', type: 'resolved', before: { flagKind: 'SHORTFALL', dueFen: 300000 + 200000, paidFen: 300000 }, became: { dueFen: 500000, paidFen: 500000 } }])
  const c = log.one(unpaidKey(ZHANG))
  t.equal(c.state, 'resolved')
  t.same(c.resolution, { runId: 'r3', atMs: at(18), became: { dueFen: 500000, paidFen: 500000 } })
  t.equal(c.events, 3)
})

t.test('applying the same run twice appends nothing the second time', async (t) => {
  const log = new Log()
  const r = runOf('r1', at(16), [flag('UNPAID', ZHANG, 5000, 0), flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD })])
  t.equal(log.run(r).length, 2)
  t.same(log.run(r), [])
  const clear = runOf('r2', at(17), [])
  t.equal(log.run(clear).length, 2)
  t.same(log.run(clear), [], 'resolved cases are not resolved again')
})

t.test('a return after success reopens the resolved case, counting reopenings', async (t) => {
  const log = new Log()
  log.run(runOf('r1', at(16), [flag('UNPAID', ZHANG, 5000, 0)]))
  log.run(runOf('r2', at(17), []))
  const back = log.run(runOf('r3', at(20), [flag('UNPAID', ZHANG, 5000, 0), flag('RETURNED', ZHANG, 5000, 0)]))
  t.same(
    back.map((e) => [e.type, keyKind(e.caseKey)]),
    [
      ['opened', 'RETURNED'],
      ['reopened', 'UNPAID'],
    ],
  )
  t.match(back[1], { reason: 'raised_again', reopenings: 1 })
  const c = log.one(unpaidKey(ZHANG))
  t.match(c, { state: 'open', reopenings: 1, episodeOpenedAtMs: at(20), firstOpenedAtMs: at(16), resolution: null })
  log.run(runOf('r4', at(21), []))
  log.run(runOf('r5', at(22), [flag('SHORTFALL', ZHANG, 5000, 2000)]))
  t.equal(log.one(unpaidKey(ZHANG)).reopenings, 2, 'a partial return reopens the same case as SHORTFALL')
  t.equal(log.one(unpaidKey(ZHANG)).flagKind, 'SHORTFALL')
})

t.test('acknowledge, comment, dismiss: who may, and what the state allows', async (t) => {
  const log = new Log()
  log.run(runOf('r1', at(16), [flag('UNPAID', ZHANG, 5000, 0)]))
  const c0 = log.one(unpaidKey(ZHANG))

  t.same(act(c0, { type: 'acknowledge' }, INSPECTOR, at(16, 13)), { ok: false, refusal: { code: 'role_not_permitted', action: 'acknowledge', role: 'auditor', permitted: ['admin', 'labour_manager', 'team_manager'] } })
  const ack = act(c0, { type: 'acknowledge' }, TEAM, at(16, 13))
  t.ok(ack.ok)
  if (ack.ok) log.append(ack.event)
  const c1 = log.one(unpaidKey(ZHANG))
  t.match(c1, { state: 'acknowledged', acknowledged: { actor: TEAM, atMs: at(16, 13) } })
  t.same(act(c1, { type: 'acknowledge' }, MANAGER, at(16, 14)), { ok: false, refusal: { code: 'already_acknowledged', by: TEAM, atMs: at(16, 13) } })

  const comment = act(c1, { type: 'comment', text: '  bank says the card is frozen  ' }, TEAM, at(16, 15))
  t.match(comment, { ok: true, event: { type: 'commented', text: 'bank says the card is frozen', actor: TEAM } })
  t.same(act(c1, { type: 'comment', text: '   ' }, TEAM, at(16, 15)), { ok: false, refusal: { code: 'text_required' } })
  t.same(act(c1, { type: 'comment', text: 'x'.repeat(2001) }, TEAM, at(16, 15)), { ok: false, refusal: { code: 'text_too_long', length: 2001, max: 2000 } })
  // An inspector reads and never writes; a bank posts files and reads instructions (issue 9): neither comments.
  for (const outsider of [INSPECTOR, { id: 'k-bank', role: 'bank', label: 'wl_bank' } satisfies CaseActor]) {
    t.same(act(c1, { type: 'comment', text: 'please check' }, outsider, at(16, 15)), { ok: false, refusal: { code: 'role_not_permitted', action: 'comment', role: outsider.role, permitted: ['admin', 'labour_manager', 'team_manager'] } }, `${outsider.role} may not comment`)
  }

  t.match(act(c1, { type: 'dismiss', reason: 'paid in cash' }, TEAM, at(17)), { ok: false, refusal: { code: 'role_not_permitted', action: 'dismiss' } })
  t.same(act(c1, { type: 'dismiss', reason: ' ' }, MANAGER, at(17)), { ok: false, refusal: { code: 'reason_required' } })
  const dismissed = act(c1, { type: 'dismiss', reason: 'worker left before the month; sheet line is an error' }, MANAGER, at(17))
  t.ok(dismissed.ok)
  if (dismissed.ok) log.append(dismissed.event)
  const c2 = log.one(unpaidKey(ZHANG))
  t.match(c2, { state: 'dismissed', dismissal: { actor: MANAGER, reason: 'worker left before the month; sheet line is an error', flagKind: 'UNPAID', dueFen: 500000, paidFen: 0 } })
  t.same(act(c2, { type: 'dismiss', reason: 'again' }, MANAGER, at(18)), { ok: false, refusal: { code: 'case_closed', action: 'dismiss', state: 'dismissed' } })
  t.same(act(c2, { type: 'acknowledge' }, MANAGER, at(18)), { ok: false, refusal: { code: 'case_closed', action: 'acknowledge', state: 'dismissed' } })
  t.ok(act(c2, { type: 'comment', text: 'checked with the team' }, MANAGER, at(18)).ok, 'a closed case still takes comments')
})

t.test('a dismissed case: the same evidence does not reopen it, another amount does', async (t) => {
  const log = new Log()
  log.run(runOf('r1', at(16), [flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD })]))
  const key = caseKey(PROJECT, MONTH, flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD }))
  const d = act(log.one(key), { type: 'dismiss', reason: 'the card is the site canteen, approved by the bureau' }, MANAGER, at(16, 18))
  if (d.ok) log.append(d.event)
  t.same(log.run(runOf('r2', at(17), [flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD })])), [], 'same figures: stays dismissed')
  t.same(log.run(runOf('r3', at(18), [])), [], 'no longer raised: stays dismissed, not resolved')
  t.same(log.run(runOf('r4', at(19), [flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD })])), [], 'raised again with the judged figures: still dismissed')
  const reopened = log.run(runOf('r5', at(20), [flag('UNKNOWN_PAYEE', null, null, 1800, { payeeCard: BOSS_CARD })]))
  t.match(reopened, [{ type: 'reopened', reason: 'amount_changed', reopenings: 1, paidFen: 180000 }])
  t.match(log.one(key), { state: 'open', dismissal: null, payeeCard: '6217999900000000001' })
})

t.test('ageing: handled within 7 days, escalated at 15, once per clock and episode', async (t) => {
  const log = new Log()
  // Opened at 23:30 on the 1st in Shanghai: its first day is the 1st, whatever UTC says.
  log.run(runOf('r1', at(1, 23) + 30 * 60_000, [flag('UNPAID', ZHANG, 5000, 0), flag('LATE', LI, 4000, 4000)]))
  const lateKey = caseKey(PROJECT, MONTH, flag('LATE', LI, 1, 1))
  t.same(log.clock(at(9, 0) - 1), [], 'the 8th, the 7th day after the 1st, is still within 7 days at 23:59:59')
  t.same(caseAge(log.one(unpaidKey(ZHANG)), at(8, 0) - 1), { ageDays: 6, episodeAgeDays: 6 })

  const ack = act(log.one(lateKey), { type: 'acknowledge' }, MANAGER, at(3))
  if (ack.ok) log.append(ack.event)
  const seven = log.clock(at(9, 0))
  t.same(seven, [{ caseKey: unpaidKey(ZHANG), atMs: at(9, 0), type: 'escalated', clock: 'handling', thresholdDays: 7, ageDays: 8, dueDate: '2026-03-08' }], 'the acknowledged case was handled in time')
  t.same(log.clock(at(10)), [], 'once per clock')
  t.equal(severityOf(log.one(unpaidKey(ZHANG)), at(9)), 'red')
  t.equal(severityOf(log.one(lateKey), at(9)), 'yellow', 'LATE has no age rule')

  const fifteen = log.clock(at(20))
  t.same(
    fifteen.map((e) => (e.type === 'escalated' ? [e.caseKey, e.clock, e.ageDays, e.dueDate] : [])),
    [
      [lateKey, 'resolution', 19, '2026-03-16'],
      [unpaidKey(ZHANG), 'resolution', 19, '2026-03-16'],
    ],
  )
  t.equal(severityOf(log.one(lateKey), at(20)), 'red', 'escalation makes a yellow case red')
  t.same(log.clock(at(25)), [])

  log.run(runOf('r2', at(26), [flag('LATE', LI, 4000, 4000)]))
  t.same(log.clock(at(30)), [], 'resolved: no clock')
  log.run(runOf('r3', at(27), [flag('UNPAID', ZHANG, 5000, 0), flag('LATE', LI, 4000, 4000)]))
  t.match(log.one(unpaidKey(ZHANG)), { state: 'open', escalations: [], reopenings: 1 })
  t.same(caseAge(log.one(unpaidKey(ZHANG)), at(30)), { ageDays: 29, episodeAgeDays: 3 })
  t.equal(severityOf(log.one(unpaidKey(ZHANG)), at(30)), 'yellow', 'a new episode starts yellow')
  t.same(log.clock(at(30)), [])
  t.same(log.clock(at(31, 23) + 3 * 86_400_000), [], 'the reopened episode is due on 3 April')
  t.match(log.clock(at(31, 23) + 4 * 86_400_000), [{ type: 'escalated', clock: 'handling', ageDays: 8, dueDate: '2026-04-03' }], 'the reopened episode has its own clocks')
})

t.test('a resolved case stops ageing', async (t) => {
  const log = new Log()
  log.run(runOf('r1', at(1), [flag('UNPAID', ZHANG, 5000, 0)]))
  log.run(runOf('r2', at(4), []))
  t.same(caseAge(log.one(unpaidKey(ZHANG)), at(30)), { ageDays: 3, episodeAgeDays: 3 })
  t.equal(severityOf(log.one(unpaidKey(ZHANG)), at(30)), 'yellow')
})

t.test('severity: the documented table', async (t) => {
  const log = new Log()
  log.run(
    runOf('r1', at(1), [
      flag('UNPAID', ZHANG, 5000, 0),
      flag('GROUP_ARREARS', null, 50000, 0),
      flag('HEADCOUNT_GAP', null, null, null, { scope: 'x' }),
      flag('PAYEE_NAME_MISMATCH', LI, null, 4000),
      flag('SOMETHING_NEW', LI, null, null),
      flag('UNKNOWN_PAYEE', null, null, 800, { payeeCard: BOSS_CARD }),
    ]),
  )
  const colours = (nowMs: number): Record<string, string> => Object.fromEntries(log.cases().map((c) => [c.flagKind, severityOf(c, nowMs)]))
  t.same(colours(at(2)), { GROUP_ARREARS: 'red', HEADCOUNT_GAP: 'red', PAYEE_NAME_MISMATCH: 'yellow', SOMETHING_NEW: 'yellow', UNKNOWN_PAYEE: 'red', UNPAID: 'yellow' })
  t.same(colours(at(8)), { GROUP_ARREARS: 'red', HEADCOUNT_GAP: 'red', PAYEE_NAME_MISMATCH: 'yellow', SOMETHING_NEW: 'yellow', UNKNOWN_PAYEE: 'red', UNPAID: 'red' }, 'UNPAID red after 7 days')
  for (const kind of ['RETURNED', 'PAYMENT_PENDING_TOO_LONG', 'SHARED_CARD', 'PAID_TO_NON_WORKER', 'OVERSIZED', 'EXITED_UNSETTLED', 'GROUP_ARREARS', 'HEADCOUNT_GAP']) {
    t.ok(SEVERITY_RULES[kind], `${kind} has a rule`)
  }
})

t.test('duplicate keys in one run and a bad month are problems, not throws', async (t) => {
  const a = flag('FUNDING_LATE', null, 100, null)
  const b = flag('FUNDING_LATE', null, 200, null)
  const one = applyRun([], runOf('r1', at(1), [b, a]))
  const two = applyRun([], runOf('r1', at(1), [a, b]))
  t.same(one, two, 'which is kept does not depend on order')
  t.equal(one.events.length, 1)
  t.match(one.problems, [{ code: 'duplicate_case_key', kept: { dueFen: 10000 }, dropped: { dueFen: 20000 } }])
  t.same(applyRun([], { ...runOf('r1', at(1), [a]), month: '2026-13' }), { events: [], problems: [{ code: 'invalid_month', month: '2026-13' }] })
})

t.test('cases of other project-months are left alone by a run', async (t) => {
  const log = new Log()
  log.run(runOf('r1', at(1), [flag('UNPAID', ZHANG, 5000, 0)]))
  t.same(applyRun(log.cases(), { ...runOf('r2', at(2), []), month: '2026-04' }).events, [])
  t.same(applyRun(log.cases(), { ...runOf('r2', at(2), []), projectId: 'p-2' }).events, [])
})

t.test('foldCase refuses a history that cannot have happened', async (t) => {
  const log = new Log()
  log.run(runOf('r1', at(1), [flag('UNPAID', ZHANG, 5000, 0)]))
  const [opened] = log.events as [CaseEvent]
  t.same(foldCase([]), { ok: false, error: { code: 'no_events' } })
  const ack: CaseEvent = { caseKey: opened.caseKey, atMs: at(2), type: 'acknowledged', actor: MANAGER }
  t.same(foldCase([ack]), { ok: false, error: { code: 'first_event_not_opened', index: 0, type: 'acknowledged' } })
  t.same(foldCase([opened, opened]), { ok: false, error: { code: 'event_not_allowed_in_state', index: 1, type: 'opened', state: 'open' } })
  t.same(foldCase([opened, ack, ack]), { ok: false, error: { code: 'event_not_allowed_in_state', index: 2, type: 'acknowledged', state: 'acknowledged' } })
  t.same(foldCase([opened, { ...ack, caseKey: 'other' }]), { ok: false, error: { code: 'event_of_another_case', index: 1, caseKey: 'other' } })
  const reopened: CaseEvent = { caseKey: opened.caseKey, atMs: at(3), type: 'reopened', runId: 'r9', reason: 'raised_again', reopenings: 1, flagKind: 'UNPAID', dueFen: fen(1), paidFen: fen(0), evidence: {} }
  t.match(foldCase([opened, reopened]), { ok: false, error: { code: 'event_not_allowed_in_state', state: 'open' } })
  t.same(foldCases([ack, opened]).errors.length, 1)
})

t.test("reconcile's flags go straight in", async (t) => {
  const line = (lineId: string, amountYuan: number, status: PaidLine['status'], valueDate: string): PaidLine => ({
    lineId,
    fileId: 'F1',
    lineNo: 2,
    payeeCard: '6222020200110000001',
    payeeName: '张伟',
    amountFen: fen(amountYuan * 100),
    status,
    bankRef: lineId,
    valueDate,
    failureReason: status === 'failed' ? '账户冻结' : null,
  })
  const base = {
    period: MONTH,
    payDate: '2026-04-15',
    due: [{ workerId: ZHANG, workerName: '张伟', cardNo: '6222020200110000001', dueFen: fen(500000), daysPresent: 22 }],
    cardOwners: new Map([['6222020200110000001', { workerId: ZHANG, workerName: '张伟' }]]),
  }
  const log = new Log()
  const first = reconcile({ ...base, payouts: [line('L1', 5000, 'failed', '2026-04-14')] })
  t.same(log.run({ ...runOf('r1', at(16), first.flags, first.perWorker) }).map((e) => [e.type, keyKind(e.caseKey)]), [
    ['opened', 'FAILED'],
    ['opened', 'UNPAID'],
  ])
  const second = reconcile({ ...base, payouts: [line('L1', 5000, 'failed', '2026-04-14'), line('L2', 5000, 'success', '2026-04-15')] })
  const events = log.run({ ...runOf('r2', at(17), second.flags, second.perWorker) })
  t.same(events.map((e) => [e.type, keyKind(e.caseKey)]), [
    ['resolved', 'FAILED'],
    ['resolved', 'UNPAID'],
  ])
  t.match(events[1], { became: { dueFen: 500000, paidFen: 500000 } })
})

t.test('a flag measured by its evidence (no worker due and paid): growing updates it and reopens a dismissal; time passing does not', async (t) => {
  const short = (balanceFen: number, day: number): RunFlag => ({
    kind: 'FUNDING_SHORT',
    workerId: null,
    payeeCard: null,
    dueFen: null,
    paidFen: null,
    evidence: { period: MONTH, checkOn: `2026-03-${String(day).padStart(2, '0')}`, requiredFen: 5_000_000, balanceFen, shortFen: 5_000_000 - balanceFen },
  })
  const log = new Log()
  const [opened] = log.run(runOf('r1', at(16), [short(4_000_000, 10)]))
  t.match(opened, { type: 'opened', measure: { requiredFen: 5_000_000, balanceFen: 4_000_000 } })
  const key = opened!.caseKey
  t.same(log.run(runOf('r2', at(17), [short(4_000_000, 11)])), [], 'a date in the evidence is not a figure: no update')
  t.match(log.run(runOf('r3', at(18), [short(3_000_000, 11)])), [{ type: 'updated', before: { measure: { balanceFen: 4_000_000 } }, measure: { balanceFen: 3_000_000 } }])
  const d = act(log.one(key), { type: 'dismiss', reason: 'the developer pays the rest by bank draft on the 25th' }, MANAGER, at(18, 18))
  if (d.ok) log.append(d.event)
  t.match(log.one(key), { state: 'dismissed', dismissal: { measure: { balanceFen: 3_000_000 } } })
  t.same(log.run(runOf('r4', at(19), [short(3_000_000, 11)])), [], 'the judged figures: stays dismissed')
  t.match(log.run(runOf('r5', at(20), [short(1_000_000, 11)])), [{ type: 'reopened', reason: 'amount_changed', measure: { balanceFen: 1_000_000 } }], 'the balance fell further: reopened')

  const gap = (withoutPayoutCount: number): RunFlag => ({
    kind: 'HEADCOUNT_GAP',
    workerId: null,
    payeeCard: null,
    dueFen: null,
    paidFen: null,
    evidence: { period: MONTH, asOf: '2026-03-20', attendedCount: 40, withoutPayoutCount, workers: [] },
  })
  const g = new Log()
  g.run(runOf('h1', at(16), [gap(5)]))
  t.match(g.run(runOf('h2', at(17), [gap(9)])), [{ type: 'updated', measure: { attendedCount: 40, withoutPayoutCount: 9 } }])
})

t.test('a case recorded before measures were kept: takes its measure once while live; a dismissal without one is not reopened by it', async (t) => {
  const gap = (withoutPayoutCount: number): RunFlag => ({
    kind: 'HEADCOUNT_GAP',
    workerId: null,
    payeeCard: null,
    dueFen: null,
    paidFen: null,
    evidence: { period: MONTH, attendedCount: 40, withoutPayoutCount },
  })
  const key = caseKey(PROJECT, MONTH, gap(5))
  const old: CaseEvent = { caseKey: key, atMs: at(10), type: 'opened', runId: 'old', kind: 'HEADCOUNT_GAP', flagKind: 'HEADCOUNT_GAP', projectId: PROJECT, month: MONTH, workerId: null, payeeCard: null, scope: null, dueFen: null, paidFen: null, evidence: { period: MONTH } }
  const live = new Log()
  live.append(old)
  t.match(live.run(runOf('n1', at(16), [gap(5)])), [{ type: 'updated', measure: { withoutPayoutCount: 5 } }])
  t.same(live.run(runOf('n2', at(17), [gap(5)])), [], 'once only')

  const closed = new Log()
  closed.append(old)
  const d = act(closed.one(key), { type: 'dismiss', reason: 'the team was paid in the previous month, by agreement' }, MANAGER, at(11))
  if (d.ok) closed.append(d.event)
  t.same(closed.run(runOf('n3', at(16), [gap(7)])), [], 'no judged measure to compare: stays dismissed')
})
