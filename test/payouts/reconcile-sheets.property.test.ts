/**
 * Properties of reconciliation against approved sheets (fast-check): for workers on sheets, what is due adds up to the
 * approved lines' nets; and the same month in any order gives the same flags, in the same order.
 */
import fc from 'fast-check'
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import type { ApprovedTeamMonth } from '../../src/payroll/approved.ts'
import { reconcile, type CardOwner, type DueLine, type PaidLine, type ReconcileInput } from '../../src/payouts/reconcile.ts'
import { holds } from '../helpers/property.ts'

const WORKERS = Array.from({ length: 6 }, (_, i) => ({ workerId: `w${i}`, workerName: `工人${i}`, cardNo: `62220202001100000${String(i).padStart(2, '0')}` }))
const TEAMS = ['A', 'B', 'C']
const owners = new Map<string, CardOwner>(WORKERS.map((w) => [w.cardNo, { workerId: w.workerId, workerName: w.workerName }]))
const ACCOUNT = { projectId: 'p1', bank: '银行', bankCode: '102331000001', accountNo: '1202020209000012345', accountName: '专用账户', openedOn: '2024-01-01' }

const monthArb = fc
  .record({
    // Per team: whether it has an approved sheet, and its lines (worker index, net, deduction, answer).
    teams: fc.tuple(
      ...TEAMS.map(() =>
        fc.record({
          approved: fc.boolean(),
          lines: fc.uniqueArray(
            fc.record({ w: fc.integer({ min: 0, max: 5 }), net: fc.integer({ min: 0, max: 900_000 }), deduction: fc.integer({ min: 0, max: 50_000 }), answer: fc.constantFrom('confirm' as const, 'dispute' as const, null) }),
            { selector: (l) => l.w, maxLength: 4 },
          ),
        }),
      ),
    ),
    payouts: fc.array(
      fc.record({
        w: fc.integer({ min: 0, max: 6 }),
        amount: fc.integer({ min: 1, max: 900_000 }),
        status: fc.constantFrom('success' as const, 'failed' as const),
        day: fc.integer({ min: 10, max: 20 }),
        payer: fc.constantFrom(null, ACCOUNT.accountNo, '6217888800001111'),
      }),
      { maxLength: 12 },
    ),
    asOf: fc.constantFrom('2024-03-10', '2024-03-20'),
  })
  .map(({ teams, payouts, asOf }) => {
    const approved: ApprovedTeamMonth[] = []
    const due: DueLine[] = []
    teams.forEach((team, i) => {
      const teamId = TEAMS[i]!
      if (team.approved) {
        approved.push({
          teamId,
          teamName: teamId,
          sheetId: `S-${teamId}`,
          version: 1,
          state: 'instructed',
          approvedAtMs: 0,
          approvedBy: 'lm',
          netFen: fen(team.lines.reduce((n, l) => n + l.net, 0)),
          lines: team.lines.map((l) => ({ sheetId: `S-${teamId}`, lineId: `SL-${teamId}-${l.w}`, ...WORKERS[l.w]!, netFen: fen(l.net), payableFen: fen(l.net + l.deduction), dayHalves: 40, answer: l.answer, answeredAtMs: l.answer === null ? null : 1 })),
        })
      }
      // Every team has timesheet lines too (a daily-rate figure the sheet replaces where approved).
      for (const l of team.lines) due.push({ ...WORKERS[l.w]!, dueFen: fen(l.net + l.deduction + 1), daysPresent: 20, teamId, teamName: teamId })
    })
    const paid: PaidLine[] = payouts.map((p, i) => ({
      lineId: `L${i}`,
      fileId: 'F1',
      lineNo: i + 2,
      payeeCard: p.w === 6 ? '6217999900000000001' : WORKERS[p.w]!.cardNo,
      payeeName: p.w === 6 ? '老板' : WORKERS[p.w]!.workerName,
      amountFen: fen(p.amount),
      status: p.status,
      bankRef: `B${i}`,
      valueDate: `2024-03-${p.day}`,
      failureReason: null,
      payerAccountNo: p.payer,
    }))
    const input: ReconcileInput = {
      period: '2024-02',
      payDate: '2024-03-15',
      due,
      payouts: paid,
      cardOwners: owners,
      sheets: { approved, pending: new Map(), asOf },
      payer: { projectId: 'p1', account: ACCOUNT },
    }
    return input
  })

t.test('for workers on sheets, what is due adds up to the approved nets', async (t) => {
  holds(
    t,
    'due = Σ net',
    fc.property(monthArb, (input) => {
      const r = reconcile(input)
      const onSheets = new Set(input.sheets!.approved.flatMap((s) => s.lines.map((l) => l.workerId)))
      const teamsApproved = new Set(input.sheets!.approved.map((s) => s.teamId))
      const dueOnSheets = r.perWorker.filter((w) => onSheets.has(w.workerId)).reduce((n, w) => n + w.dueFen, 0)
      const nets = input.sheets!.approved.flatMap((s) => s.lines).reduce((n, l) => n + l.netFen, 0)
      // A worker on a sheet who also has a timesheet line of a team without one is owed both.
      const alsoTimesheet = input.due.filter((d) => onSheets.has(d.workerId) && !teamsApproved.has(d.teamId ?? '')).reduce((n, d) => n + d.dueFen, 0)
      return dueOnSheets === nets + alsoTimesheet
    }),
    { numRuns: 200 },
  )
})

t.test('a shuffled month gives the same flags, in the same order', async (t) => {
  holds(
    t,
    'order does not matter',
    fc.property(monthArb, fc.integer(), (input, seed) => {
      const shuffle = <T>(xs: readonly T[]): T[] => {
        const out = [...xs]
        let s = seed
        for (let i = out.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) & 0x7fffffff
          const j = s % (i + 1)
          ;[out[i], out[j]] = [out[j]!, out[i]!]
        }
        return out
      }
      const shuffled: ReconcileInput = {
        ...input,
        due: shuffle(input.due),
        payouts: shuffle(input.payouts),
        sheets: { ...input.sheets!, approved: shuffle(input.sheets!.approved).map((s) => ({ ...s, lines: shuffle(s.lines) })) },
      }
      const a = reconcile(input)
      const b = reconcile(shuffled)
      return JSON.stringify(a) === JSON.stringify(b)
    }),
    { numRuns: 200 },
  )
})
