/**
 * A card two workers of the roster give is attributed the same way whatever order the roster's rows come in (found by
 * review): before, the last row won, and a change of row order moved the month's cases from one worker to the other.
 */
import t from 'tap'
import fc from 'fast-check'
import { cardOwnersOf } from '../../src/payouts/service.ts'

const holder = (workerId: string, cardNo: string) => ({ workerId, workerName: `工人${workerId}`, cardNo, teamId: 't', entryDate: '2026-01-01', exitDate: null })

t.test('a shared card has one owner whatever the row order', async (t) => {
  const rows = [holder('w-b', '6217000000000000001'), holder('w-a', '6217000000000000001'), holder('w-c', '6217000000000000002')]
  t.equal(cardOwnersOf(rows).get('6217000000000000001')?.workerId, 'w-a', 'the smallest worker id, as the payroll fallback decides')
  fc.assert(
    fc.property(fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }), (order) => {
      const owners = cardOwnersOf(order)
      return owners.get('6217000000000000001')?.workerId === 'w-a' && owners.get('6217000000000000002')?.workerId === 'w-c'
    }),
  )
  t.pass('any order gives the same owners')
})
