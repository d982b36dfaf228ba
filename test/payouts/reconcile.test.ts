import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { reconcile, type CardOwner, type DueLine, type Flag, type PaidLine, type ReconcileInput } from '../../src/payouts/reconcile.ts'

const PAY_DATE = '2024-03-15'

const ZHANG = { workerId: 'w-zhang', workerName: '张伟', cardNo: '6222020200110000001' }
const LI = { workerId: 'w-li', workerName: '李娜', cardNo: '6222020200110000002' }
const WANG = { workerId: 'w-wang', workerName: '王芳', cardNo: '6222020200110000003' }
/** A second 张伟 on the same site: names are not identities. */
const ZHANG2 = { workerId: 'w-zhang-2', workerName: '张伟', cardNo: '6222020200110000004' }
const BOSS_CARD = '6217999900000000001'

const due = (w: { workerId: string; workerName: string; cardNo: string }, yuan: number, daysPresent = 22): DueLine => ({
  ...w,
  dueFen: fen(yuan * 100),
  daysPresent,
})

let nextLine = 0
function paid(card: string, name: string, yuan: number, extra: Partial<PaidLine> = {}): PaidLine {
  nextLine++
  return {
    lineId: `L${String(nextLine).padStart(4, '0')}`,
    fileId: 'F1',
    lineNo: nextLine + 1,
    payeeCard: card,
    payeeName: name,
    amountFen: fen(Math.round(yuan * 100)),
    status: 'success',
    bankRef: `B${nextLine}`,
    valueDate: '2024-03-14',
    failureReason: null,
    ...extra,
  }
}

const owners = (...ws: Array<{ workerId: string; workerName: string; cardNo: string }>): Map<string, CardOwner> =>
  new Map(ws.map((w) => [w.cardNo, { workerId: w.workerId, workerName: w.workerName }]))

function run(d: DueLine[], p: PaidLine[], cardOwners: Map<string, CardOwner> = owners(ZHANG, LI, WANG, ZHANG2)) {
  const input: ReconcileInput = { period: '2024-02', payDate: PAY_DATE, due: d, payouts: p, cardOwners }
  return reconcile(input)
}

const kinds = (flags: Flag[]): Array<[string, string | null]> => flags.map((f) => [f.kind, f.workerId])

t.test('everyone paid in full, on time, to their own card: nothing to flag', async (t) => {
  const r = run([due(ZHANG, 5000), due(LI, 4200.5)], [paid(ZHANG.cardNo, '张伟', 5000), paid(LI.cardNo, '李娜', 4200.5)])
  t.same(r.flags, [])
  t.same(r.perWorker, [
    { workerId: 'w-li', dueFen: 420050, paidFen: 420050, status: 'paid' },
    { workerId: 'w-zhang', dueFen: 500000, paidFen: 500000, status: 'paid' },
  ])
  t.same(r.totals, { workers: 2, dueFen: 920050, paidFen: 920050, unknownPaidFen: 0, shortFen: 0 })
  t.equal(r.period, '2024-02')
  t.equal(r.payDate, PAY_DATE)
})

t.test('UNPAID: due and nothing arrived', async (t) => {
  const r = run([due(ZHANG, 5000, 20)], [])
  t.same(kinds(r.flags), [['UNPAID', 'w-zhang']])
  const [f] = r.flags
  t.equal(f?.payeeCard, ZHANG.cardNo)
  t.equal(f?.dueFen, 500000)
  t.equal(f?.paidFen, 0)
  t.match(f?.evidence, { dueFen: 500000, dueYuan: '5000.00', paidFen: 0, paidYuan: '0.00', daysPresent: 20, payDate: PAY_DATE })
  t.same(r.perWorker[0]?.status, 'unpaid')
  t.equal(r.totals.shortFen, 500000)
})

t.test('due 0: no pay, no flag', async (t) => {
  const r = run([due(ZHANG, 0, 0)], [])
  t.same(r.flags, [])
  t.same(r.perWorker, [{ workerId: 'w-zhang', dueFen: 0, paidFen: 0, status: 'paid' }])
})

t.test('SHORTFALL: the short amount in fen and yuan, with the lines that did arrive', async (t) => {
  const a = paid(ZHANG.cardNo, '张伟', 2000)
  const b = paid(ZHANG.cardNo, '张伟', 1000.01, { valueDate: '2024-03-10' })
  const r = run([due(ZHANG, 5000)], [a, b])
  t.same(kinds(r.flags), [['SHORTFALL', 'w-zhang']])
  const f = r.flags[0]
  t.equal(f?.paidFen, 300001)
  t.match(f?.evidence, { shortFen: 199999, shortYuan: '1999.99' })
  t.same(
    (f?.evidence.lines as Array<{ lineId: string }>).map((l) => l.lineId),
    [b.lineId, a.lineId],
    'lines in value-date order',
  )
  t.equal(r.perWorker[0]?.status, 'short')
  t.equal(r.totals.shortFen, 199999)
})

t.test('several lines that add up to the due are paid in full', async (t) => {
  const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 2500), paid(ZHANG.cardNo, '张伟', 2499.99), paid(ZHANG.cardNo, '张伟', 0.01)])
  t.same(r.flags, [])
})

t.test('OVERPAID', async (t) => {
  const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000), paid(ZHANG.cardNo, '张伟', 5000)])
  t.same(kinds(r.flags), [['OVERPAID', 'w-zhang']])
  t.match(r.flags[0]?.evidence, { overFen: 500000, overYuan: '5000.00' })
  t.equal(r.perWorker[0]?.status, 'over')
  t.equal(r.totals.shortFen, 0)
})

t.test('UNKNOWN_PAYEE: the labour boss collects (包工头代领), one flag per card with its total', async (t) => {
  const r = run(
    [due(ZHANG, 5000), due(LI, 4000)],
    [paid(BOSS_CARD, '刘老板', 5000), paid(BOSS_CARD, '刘老板', 4000), paid(LI.cardNo, '李娜', 4000)],
  )
  t.same(kinds(r.flags), [
    ['UNPAID', 'w-zhang'],
    ['UNKNOWN_PAYEE', null],
  ])
  const f = r.flags[1]
  t.equal(f?.payeeCard, BOSS_CARD)
  t.equal(f?.paidFen, 900000)
  t.match(f?.evidence, { paidFen: 900000, paidYuan: '9000.00', payeeNames: ['刘老板'] })
  t.equal((f?.evidence.lines as unknown[]).length, 2)
  t.same(r.totals, { workers: 2, dueFen: 900000, paidFen: 400000, unknownPaidFen: 900000, shortFen: 500000 })
})

t.test('FAILED', async (t) => {
  t.test('a failure never made good', async (t) => {
    const failed = paid(ZHANG.cardNo, '张伟', 5000, { status: 'failed', failureReason: '账户已冻结' })
    const r = run([due(ZHANG, 5000)], [failed])
    t.same(kinds(r.flags), [
      ['UNPAID', 'w-zhang'],
      ['FAILED', 'w-zhang'],
    ])
    t.match(r.flags[1]?.evidence, { bankRef: failed.bankRef, failureReason: '账户已冻结', line: { lineId: failed.lineId } })
    t.equal(r.totals.paidFen, 0, 'failed lines move no money')
  })

  t.test('a retry that made it good: history, not a problem', async (t) => {
    const r = run(
      [due(ZHANG, 5000)],
      [paid(ZHANG.cardNo, '张伟', 5000, { status: 'failed', valueDate: '2024-03-10' }), paid(ZHANG.cardNo, '张伟', 5000, { valueDate: '2024-03-12' })],
    )
    t.same(r.flags, [])
  })

  t.test('a retry to the worker’s new card after the old one was closed', async (t) => {
    const newCard = '6228480000000000009'
    const cardOwners = owners(ZHANG)
    cardOwners.set(newCard, { workerId: ZHANG.workerId, workerName: ZHANG.workerName })
    const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000, { status: 'failed', failureReason: '卡已销户' }), paid(newCard, '张伟', 5000)], cardOwners)
    t.same(r.flags, [])
  })

  t.test('a retry that made only part good: the shortfall and each failure', async (t) => {
    const r = run(
      [due(ZHANG, 5000)],
      [
        paid(ZHANG.cardNo, '张伟', 5000, { status: 'failed' }),
        paid(ZHANG.cardNo, '张伟', 5000, { status: 'failed' }),
        paid(ZHANG.cardNo, '张伟', 3000),
      ],
    )
    t.same(kinds(r.flags), [
      ['SHORTFALL', 'w-zhang'],
      ['FAILED', 'w-zhang'],
      ['FAILED', 'w-zhang'],
    ])
  })

  t.test('a failure to a card no enrolled worker owns', async (t) => {
    const r = run([], [paid(BOSS_CARD, '刘老板', 9000, { status: 'failed', failureReason: '户名不符' })])
    t.same(kinds(r.flags), [['FAILED', null]])
    t.equal(r.flags[0]?.payeeCard, BOSS_CARD)
    t.match(r.flags[0]?.evidence, { enrolledCard: false })
  })

  t.test('a failure to an enrolled worker who was owed nothing moved no money', async (t) => {
    const r = run([due(ZHANG, 0, 0)], [paid(ZHANG.cardNo, '张伟', 100, { status: 'failed' })])
    t.same(r.flags, [])
  })
})

t.test('LATE', async (t) => {
  t.test('paid in full only after the pay date', async (t) => {
    const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000, { valueDate: '2024-03-20' })])
    t.same(kinds(r.flags), [['LATE', 'w-zhang']])
    t.match(r.flags[0]?.evidence, { payDate: PAY_DATE, paidInFullOn: '2024-03-20', paidByPayDateFen: 0, paidByPayDateYuan: '0.00' })
  })
  t.test('part on time, the rest late: late on the day the due was reached', async (t) => {
    const r = run(
      [due(ZHANG, 5000)],
      [
        paid(ZHANG.cardNo, '张伟', 3000, { valueDate: '2024-03-15' }),
        paid(ZHANG.cardNo, '张伟', 1000, { valueDate: '2024-03-18' }),
        paid(ZHANG.cardNo, '张伟', 1000, { valueDate: '2024-03-25' }),
      ],
    )
    t.same(kinds(r.flags), [['LATE', 'w-zhang']])
    t.match(r.flags[0]?.evidence, { paidInFullOn: '2024-03-25', paidByPayDateFen: 300000 })
  })
  t.test('on the pay date itself is on time', async (t) => {
    t.same(run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000, { valueDate: PAY_DATE })]).flags, [])
  })
  t.test('in full on time, then an extra late payment: overpaid, not late', async (t) => {
    const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000), paid(ZHANG.cardNo, '张伟', 100, { valueDate: '2024-04-01' })])
    t.same(kinds(r.flags), [['OVERPAID', 'w-zhang']])
  })
  t.test('late and over', async (t) => {
    const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 6000, { valueDate: '2024-04-01' })])
    t.same(kinds(r.flags), [
      ['LATE', 'w-zhang'],
      ['OVERPAID', 'w-zhang'],
    ])
  })
  t.test('never in full: short, not late', async (t) => {
    const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 3000, { valueDate: '2024-04-01' })])
    t.same(kinds(r.flags), [['SHORTFALL', 'w-zhang']])
  })
})

t.test('PAYEE_NAME_MISMATCH', async (t) => {
  t.test('a card paid under another name', async (t) => {
    const line = paid(ZHANG.cardNo, '张卫', 5000)
    const r = run([due(ZHANG, 5000)], [line])
    t.same(kinds(r.flags), [['PAYEE_NAME_MISMATCH', 'w-zhang']])
    t.match(r.flags[0]?.evidence, { expectedName: '张伟', payeeName: '张卫', line: { lineId: line.lineId, bankRef: line.bankRef } })
    t.equal(r.flags[0]?.paidFen, 500000)
  })
  t.test('surrounding spaces are not a different name', async (t) => {
    t.same(run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, ' 张伟\u3000', 5000)]).flags, [])
  })
})

t.test('PAID_WITHOUT_ATTENDANCE', async (t) => {
  t.test('an enrolled worker on no payroll line', async (t) => {
    const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000), paid(WANG.cardNo, '王芳', 3000)])
    t.same(kinds(r.flags), [['PAID_WITHOUT_ATTENDANCE', 'w-wang']])
    t.equal(r.flags[0]?.dueFen, null)
    t.match(r.flags[0]?.evidence, { onPayrollSheet: false, daysPresent: null, paidFen: 300000 })
    t.same(r.perWorker.find((w) => w.workerId === 'w-wang'), { workerId: 'w-wang', dueFen: 0, paidFen: 300000, status: 'over' })
    t.equal(r.totals.workers, 2)
    t.equal(r.totals.paidFen, 800000)
  })
  t.test('a payroll line with nothing due', async (t) => {
    const r = run([due(WANG, 0, 0)], [paid(WANG.cardNo, '王芳', 3000)])
    t.same(kinds(r.flags), [['PAID_WITHOUT_ATTENDANCE', 'w-wang']])
    t.equal(r.flags[0]?.dueFen, 0)
    t.match(r.flags[0]?.evidence, { onPayrollSheet: true, daysPresent: 0 })
  })
})

t.test('two workers with the same name: money follows the card, not the name', async (t) => {
  const r = run([due(ZHANG, 5000), due(ZHANG2, 5000)], [paid(ZHANG2.cardNo, '张伟', 10000)])
  t.same(kinds(r.flags), [
    ['UNPAID', 'w-zhang'],
    ['OVERPAID', 'w-zhang-2'],
  ])
})

t.test('the payroll line’s card counts even if the roster has not got it yet', async (t) => {
  const r = run([due(ZHANG, 5000)], [paid(ZHANG.cardNo, '张伟', 5000)], new Map())
  t.same(r.flags, [])
  t.equal(r.totals.unknownPaidFen, 0)
})

t.test('cards written with spaces are the same card', async (t) => {
  const r = run([due(ZHANG, 5000)], [paid('6222 0202 0011 0000 001', '张伟', 5000)])
  t.same(r.flags, [])
})

t.test('a worker listed twice on the sheet is owed the sum', async (t) => {
  const r = run([due(ZHANG, 3000, 10), due(ZHANG, 2000, 8)], [paid(ZHANG.cardNo, '张伟', 3000)])
  t.same(kinds(r.flags), [['SHORTFALL', 'w-zhang']])
  t.equal(r.flags[0]?.dueFen, 500000)
  t.equal(r.totals.workers, 1)
})

t.test('flags come in kind order, then worker, then card', async (t) => {
  const r = run(
    [due(WANG, 100), due(LI, 100), due(ZHANG, 100), due(ZHANG2, 100)],
    [
      paid(BOSS_CARD, '刘老板', 1),
      paid('6217999900000000000', '陈工头', 1),
      paid(ZHANG.cardNo, '张伟', 50),
      paid(WANG.cardNo, '王芳', 100, { valueDate: '2024-04-01' }),
      paid(ZHANG2.cardNo, '章伟', 100),
      paid(LI.cardNo, '李娜', 100, { status: 'failed' }),
    ],
  )
  t.same(
    r.flags.map((f) => [f.kind, f.workerId, f.payeeCard]),
    [
      ['UNPAID', 'w-li', LI.cardNo],
      ['SHORTFALL', 'w-zhang', ZHANG.cardNo],
      ['UNKNOWN_PAYEE', null, '6217999900000000000'],
      ['UNKNOWN_PAYEE', null, BOSS_CARD],
      ['FAILED', 'w-li', LI.cardNo],
      ['LATE', 'w-wang', WANG.cardNo],
      ['PAYEE_NAME_MISMATCH', 'w-zhang-2', ZHANG2.cardNo],
    ],
  )
})

t.test('evidence is plain JSON and carries no full card number', async (t) => {
  const r = run(
    [due(ZHANG, 5000), due(LI, 4000)],
    [paid(BOSS_CARD, '刘老板', 5000), paid(LI.cardNo, '李四', 1000, { status: 'failed', failureReason: '户名不符' }), paid(LI.cardNo, '李四', 1000)],
  )
  t.ok(r.flags.length >= 4)
  for (const f of r.flags) {
    t.same(JSON.parse(JSON.stringify(f.evidence)), f.evidence, `${f.kind} evidence survives JSON`)
    t.notMatch(JSON.stringify(f.evidence), /\d{12,}/, `${f.kind} evidence has cards masked`)
  }
})

t.test('malformed input is the caller’s bug', async (t) => {
  t.throws(() => reconcile({ period: '2024-2', payDate: PAY_DATE, due: [], payouts: [], cardOwners: new Map() }), RangeError)
  t.throws(() => reconcile({ period: '2024-02', payDate: '2024-02-30', due: [], payouts: [], cardOwners: new Map() }), RangeError)
  const line = paid(ZHANG.cardNo, '张伟', 1)
  t.throws(() => run([], [line, { ...line }]), RangeError)
})
