import t from 'tap'
import { holderOn, type CardHolding } from '../../src/oversight/card-holder.ts'

const a: CardHolding = { workerId: 'a', from: '2026-01-01', to: '2026-11-12' }
const b: CardHolding = { workerId: 'b', from: '2026-11-13', to: '2026-11-25' }
const c: CardHolding = { workerId: 'c', from: '2026-11-26', to: null }

t.test('the holder on the value date', async (t) => {
  t.equal(holderOn([a, b, c], '2026-11-09'), 'a')
  t.equal(holderOn([a, b, c], '2026-11-20'), 'b')
  t.equal(holderOn([a, b, c], '2026-12-01'), 'c')
})

t.test('not one holder that day: the one holding it now, else the one who gave it up last', async (t) => {
  t.equal(holderOn([a, { ...b, from: '2026-11-12' }], '2026-11-12'), 'b', 'changed hands that day: the later holder gave it up last')
  t.equal(holderOn([a, { ...c, from: '2026-11-12' }], '2026-11-12'), 'c', 'changed hands that day: the one holding it now')
  t.equal(holderOn([a, b], '2026-12-01'), 'b', 'paid after both changed it: the last to give it up')
  t.equal(holderOn([{ ...c, workerId: 'e' }, { ...c, workerId: 'd' }], '2026-12-01'), 'd', 'two hold it at once: the smallest id')
  t.equal(holderOn([b, c], '2026-01-05'), 'c', 'paid before anyone held it: the one holding it now')
  t.equal(holderOn([], '2026-01-05'), undefined)
})
