/**
 * A statement's balances and summary sums are bounded by the ledger's range, not by one line's ¥100,000,000 (found by
 * review): a camt.053 whose entries sum to ¥120,000,000, or whose balances are ¥150,000,000, and a CSV whose 余额 is
 * above ¥100,000,000, are read, not refused.
 */
import t from 'tap'
import { parseCamt } from '../../src/account/statements/camt.ts'
import { parseCsvStatement } from '../../src/account/statements/csv.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT_NO = '33050161234500000001'

t.test('sums and balances above one line’s ceiling are read', async (t) => {
  const summed = camt({
    kind: '053',
    account: ACCOUNT_NO,
    summary: { count: 2, sum: '120000000.00' },
    entries: [
      { ref: 'A', amount: '60000000.00', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '1202020109900012345' },
      { ref: 'B', amount: '60000000.00', cd: 'DBIT', booking: '2026-03-03', counterpartyAccount: '6217000000000000001' },
    ],
  })
  t.same(parseCamt(summed).errors, [], 'a summary sum of ¥120,000,000')
  const rich = camt({ kind: '053', account: ACCOUNT_NO, opening: '150000000.00', closing: '150000100.00', entries: [{ ref: 'A', amount: '100.00', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '1202020109900012345' }] })
  const p = parseCamt(rich)
  t.same(p.errors, [], 'balances of ¥150,000,000')
  t.match(p.statement?.balances, [{ kind: 'opening', amountFen: 15_000_000_000 }, { kind: 'closing', amountFen: 15_000_010_000 }])
  const csv = parseCsvStatement('账号,33050161234500000001\n交易日期,借方金额,贷方金额,余额,对方账号,对方户名,流水号\n2026-03-02,,100.00,150000100.00,1202020109900012345,城投,R1\n')
  t.same(csv.errors, [], 'a 余额 of ¥150,000,100')
  const line = camt({ kind: '053', account: ACCOUNT_NO, entries: [{ ref: 'A', amount: '100000000.01', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '1202020109900012345' }] })
  t.match(parseCamt(line).errors, [{ message: /largest line a statement may carry/ }], 'one line above ¥100,000,000 is still refused')
})

t.test('a booking time with an offset is dated in the project’s zone; a local one by its date part (found by review)', async (t) => {
  const withTime = (dtTm: string): string =>
    camt({ kind: '053', account: ACCOUNT_NO, entries: [{ ref: 'A', amount: '100.00', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '1202020109900012345' }] }).replace('<BookgDt><Dt>2026-03-02</Dt></BookgDt>', `<BookgDt><DtTm>${dtTm}</DtTm></BookgDt>`)
  t.equal(parseCamt(withTime('2026-03-31T17:00:00Z')).statement?.lines[0]?.bookingDate, '2026-04-01', 'UTC 17:00 is the next day in Shanghai')
  t.equal(parseCamt(withTime('2026-03-31T23:30:00+08:00')).statement?.lines[0]?.bookingDate, '2026-03-31')
  t.equal(parseCamt(withTime('2026-03-31T17:00:00Z'), 'UTC').statement?.lines[0]?.bookingDate, '2026-03-31', "in a project kept in UTC, the UTC date")
  t.equal(parseCamt(withTime('2026-03-31T23:30:00')).statement?.lines[0]?.bookingDate, '2026-03-31', 'a local time: its date part')
})
