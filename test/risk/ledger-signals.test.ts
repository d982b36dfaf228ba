/** The ledger's own risk signals of a project (src/risk/ledger-signals.ts), pure: incidents, the unpaid share, the deposit. */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { ledgerSignals } from '../../src/risk/ledger-signals.ts'

t.test('arrears grouped per pay month as incidents, overdue past the 7-day clock; unpaid share; deposit', async (t) => {
  const signals = ledgerSignals({
    arrears: [
      { caseId: 'a', month: '2026-10', shortFen: 300_000, episodeAgeDays: 3 },
      { caseId: 'b', month: '2026-10', shortFen: 200_000, episodeAgeDays: 12 },
      { caseId: 'c', month: '2026-09', shortFen: 100_000, episodeAgeDays: 20 },
    ],
    dueMonth: { workers: 40, paidWorkers: 28 },
    deposit: { flags: ['DEPOSIT_SHORT'], inForceFen: 1_000_000, requiredFen: 3_000_000 },
  })
  t.same(signals, [
    { kind: 'arrears_case', caseId: '2026-09:c', amountFen: fen(100_000), headcount: 1, overdueDays: 13 },
    { kind: 'arrears_case', caseId: '2026-10:a', amountFen: fen(500_000), headcount: 2, overdueDays: 5 },
    { kind: 'unpaid_headcount', unpaid: 12, onRoster: 40 },
    { kind: 'deposit_gap', gap: 'short', shortFen: fen(2_000_000) },
  ])
  t.same(ledgerSignals({ arrears: [], dueMonth: { workers: 10, paidWorkers: 10 }, deposit: { flags: ['DEPOSIT_MISSING'], inForceFen: 0, requiredFen: null } }), [
    { kind: 'deposit_gap', gap: 'missing', shortFen: fen(0) },
  ])
  t.same(ledgerSignals({ arrears: [], dueMonth: null, deposit: { flags: ['DEPOSIT_EXPIRING'], inForceFen: 1, requiredFen: 1 } }), [], 'nothing to say: no signal')
})
