/**
 * Flag evidence is bounded (small tests of the pure reconciliation): a flag shows at most
 * LIMITS.flag_evidence_lines_max lines, the first in money order, beside how many lines it rests on and their total,
 * so a month paid to one card is one small flag whose figure is still provable. A property checks the counts, totals
 * and shown lines against a model written apart from reconcile.ts.
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict'
import fc from 'fast-check'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { fen } from '../../src/kernel/money.ts'
import { reconcile, type CardOwner, type EvidenceLinesTotal, type Flag, type PaidLine, type ReconcileInput } from '../../src/payouts/reconcile.ts'

const MAX = LIMITS.flag_evidence_lines_max
const PAY_DATE = '2024-03-15'
const ZHANG = { workerId: 'w-zhang', workerName: '张伟', cardNo: '6222020200110000001' }
const BOSS_CARD = '6217999900000000001'

function line(i: number, p: Partial<PaidLine> & { payeeCard: string }): PaidLine {
  return {
    lineId: `L${String(i).padStart(5, '0')}`,
    fileId: 'F1',
    lineNo: i + 2,
    payeeName: '刘老板',
    amountFen: fen(10_000 + i),
    status: 'success',
    bankRef: `B${i}`,
    valueDate: '2024-03-14',
    failureReason: null,
    ...p,
  }
}

const owners = new Map<string, CardOwner>([[ZHANG.cardNo, { workerId: ZHANG.workerId, workerName: ZHANG.workerName }]])
const input = (payouts: PaidLine[], dueFen = 0): ReconcileInput => ({
  period: '2024-02',
  payDate: PAY_DATE,
  due: dueFen > 0 ? [{ ...ZHANG, dueFen: fen(dueFen), daysPresent: 20 }] : [],
  payouts,
  cardOwners: owners,
})

const ids = (lines: unknown): string[] => (lines as Array<{ lineId: string }>).map((l) => l.lineId)
const total = (f: Flag | undefined, key = 'linesTotal'): EvidenceLinesTotal => f?.evidence[key] as EvidenceLinesTotal

t.test('a card paid 5,000 times under 60 names: one flag of 20 lines and 20 names, with the count and total of all', async (t) => {
  const lines = Array.from({ length: 5_000 }, (_, i) =>
    // Value dates run backwards against file order, so "first" must mean money order, not the order lines came in.
    line(i, { payeeCard: BOSS_CARD, payeeName: `工人${i % 60}`, valueDate: `2024-03-${String(28 - (i % 28)).padStart(2, '0')}` }),
  )
  const r = reconcile(input(lines))
  t.equal(r.flags.length, 1)
  const f = r.flags[0]
  t.equal(f?.kind, 'UNKNOWN_PAYEE')
  const sum = lines.reduce((s, l) => s + l.amountFen, 0)
  t.same(total(f), { count: 5_000, amountFen: sum, amountYuan: (sum / 100).toFixed(2), shown: MAX, status: 'success' })
  t.equal(f?.paidFen, sum, "the flag's figure is the total of every line, not of those shown")
  const expected = [...lines].sort((a, b) => (a.valueDate < b.valueDate ? -1 : a.valueDate > b.valueDate ? 1 : a.lineNo - b.lineNo)).slice(0, MAX)
  t.same(ids(f?.evidence.lines), ids(expected), 'the first lines by value date, then file and line')
  t.equal((f?.evidence.payeeNames as string[]).length, MAX)
  t.equal(f?.evidence.payeeNameCount, 60)
  t.ok(JSON.stringify(f?.evidence).length < 10_000, 'a few kilobytes, not megabytes')
  t.same(reconcile(input([...lines].reverse())).flags, r.flags, 'the same lines shown whatever order they arrive in')
})

t.test('a flag on fewer lines than the limit shows them all', async (t) => {
  const lines = [line(1, { payeeCard: BOSS_CARD }), line(2, { payeeCard: BOSS_CARD })]
  const f = reconcile(input(lines)).flags[0]
  t.equal((f?.evidence.lines as unknown[]).length, 2)
  t.match(total(f), { count: 2, shown: 2, amountFen: 20_003 })
  t.same(f?.evidence.payeeNames, ['刘老板'])
  t.equal(f?.evidence.payeeNameCount, 1)
})

t.test('SHORTFALL bounds its successes and its failures apart, each with its total', async (t) => {
  const ok = Array.from({ length: 30 }, (_, i) => line(i, { payeeCard: ZHANG.cardNo, payeeName: '张伟', amountFen: fen(100) }))
  const failed = Array.from({ length: 25 }, (_, i) =>
    line(100 + i, { payeeCard: ZHANG.cardNo, payeeName: '张伟', amountFen: fen(500), status: 'failed', failureReason: '账户冻结' }),
  )
  const r = reconcile(input([...failed, ...ok], 1_000_000))
  const f = r.flags.find((x) => x.kind === 'SHORTFALL')
  t.same(total(f), { count: 30, amountFen: 3_000, amountYuan: '30.00', shown: MAX, status: 'success' })
  t.same(total(f, 'failedLinesTotal'), { count: 25, amountFen: 12_500, amountYuan: '125.00', shown: MAX, status: 'failed' })
  t.equal((f?.evidence.lines as unknown[]).length, MAX)
  t.equal((f?.evidence.failedLines as unknown[]).length, MAX)
  t.equal(f?.evidence.shortFen, 1_000_000 - 3_000, 'the short amount comes from every line')
  t.equal(r.flags.filter((x) => x.kind === 'FAILED').length, 25, 'each failed line is still its own flag, with its one line')
})

t.test('UNPAID and PAID_WITHOUT_ATTENDANCE carry their totals too', async (t) => {
  const unpaid = reconcile(input([line(1, { payeeCard: ZHANG.cardNo, payeeName: '张伟', status: 'failed', failureReason: '户名不符' })], 500_000)).flags[0]
  t.equal(unpaid?.kind, 'UNPAID')
  t.match(total(unpaid, 'failedLinesTotal'), { count: 1, shown: 1, status: 'failed', amountFen: 10_001 })
  const unearned = reconcile(input([line(1, { payeeCard: ZHANG.cardNo, payeeName: '张伟' })])).flags[0]
  t.equal(unearned?.kind, 'PAID_WITHOUT_ATTENDANCE')
  t.match(total(unearned), { count: 1, shown: 1, status: 'success', amountFen: 10_001 })
})

/** Money order written apart from reconcile.ts: value date, file, line number, line id. */
function byMoneyOrder(a: PaidLine, b: PaidLine): number {
  const ka = [a.valueDate, a.fileId, String(a.lineNo).padStart(9, '0'), a.lineId].join('\u0000')
  const kb = [b.valueDate, b.fileId, String(b.lineNo).padStart(9, '0'), b.lineId].join('\u0000')
  return ka < kb ? -1 : ka > kb ? 1 : 0
}

const WORKERS = ['w0', 'w1']
const CARDS = ['6222020200110000010', '6222020200110000011', '6217999900000000020', '6217999900000000021']
const scenario: fc.Arbitrary<ReconcileInput> = fc
  .tuple(
    fc.array(fc.option(fc.integer({ min: 1, max: 5_000_000 }), { nil: undefined }), { minLength: 2, maxLength: 2 }),
    // Many lines on few cards, so that lists pass the limit often.
    fc.array(
      fc.record({
        card: fc.constantFrom(...CARDS),
        amountFen: fc.integer({ min: 1, max: LIMITS.payout_line_amount_fen_max }),
        status: fc.constantFrom('success' as const, 'success' as const, 'failed' as const),
        valueDate: fc.constantFrom('2024-03-01', '2024-03-15', '2024-03-20'),
        file: fc.constantFrom('F1', 'F2'),
        name: fc.constantFrom('张伟', '李娜', '刘老板'),
      }),
      { maxLength: 120 },
    ),
  )
  .map(([dues, ps]) => ({
    period: '2024-02',
    payDate: PAY_DATE,
    due: WORKERS.flatMap((w, i) => (dues[i] === undefined ? [] : [{ workerId: w, workerName: '张伟', cardNo: CARDS[i] ?? '', dueFen: fen(dues[i] ?? 0), daysPresent: 10 }])),
    cardOwners: new Map(WORKERS.map((w, i): [string, CardOwner] => [CARDS[i] ?? '', { workerId: w, workerName: '张伟' }])),
    payouts: ps.map((p, i) => line(i, { payeeCard: p.card, amountFen: fen(p.amountFen), status: p.status, valueDate: p.valueDate, fileId: p.file, payeeName: p.name })),
  }))

t.test('property: every list is bounded, its total counts every line it stands for, and the first lines are shown', async (t) => {
  fc.assert(
    fc.property(scenario, (inp) => {
      const r = reconcile(inp)
      for (const f of r.flags) {
        // The lines a flag stands for: its worker's cards, or its own card when no worker owns it.
        const cards = f.workerId === null ? [f.payeeCard] : CARDS.filter((c) => inp.cardOwners.get(c)?.workerId === f.workerId)
        for (const [list, key] of [
          ['lines', 'linesTotal'],
          ['failedLines', 'failedLinesTotal'],
        ] as const) {
          const shown = f.evidence[list] as Array<{ lineId: string }> | undefined
          const tot = f.evidence[key] as EvidenceLinesTotal | undefined
          equal(shown === undefined, tot === undefined, `${f.kind}: ${list} and ${key} go together`)
          if (shown === undefined || tot === undefined) continue
          const all = inp.payouts.filter((p) => cards.includes(p.payeeCard) && p.status === tot.status).sort(byMoneyOrder)
          ok(shown.length <= MAX, `${f.kind} ${list} bounded`)
          equal(tot.count, all.length, `${f.kind} ${key}.count`)
          equal(tot.amountFen, all.reduce((s, p) => s + p.amountFen, 0), `${f.kind} ${key}.amountFen`)
          equal(tot.shown, shown.length)
          equal(tot.status, list === 'lines' ? 'success' : 'failed')
          deepStrictEqual(
            shown.map((l) => l.lineId),
            all.slice(0, MAX).map((l) => l.lineId),
            `${f.kind} ${list}: the first in money order`,
          )
        }
        for (const value of Object.values(f.evidence)) if (Array.isArray(value)) ok(value.length <= MAX, `${f.kind}: every list in evidence is bounded`)
      }
    }),
    { numRuns: 300 },
  )
  t.pass('holds')
})
