/**
 * The run's pure step (src/risk/risk-runs.ts outsideSignals): a department's report sent again in a later import counts
 * once, as the newest import gave it; different kinds, sources or months each count.
 */
import t from 'tap'
import { outsideSignals } from '../../src/risk/risk-runs.ts'

const row = (id: number, over: Partial<Parameters<typeof outsideSignals>[0][number]> = {}) => ({
  id,
  creditCode: '91330106MA2B3C4D5E',
  signal: 'social_insurance_arrears' as const,
  source: '人社',
  period: '2026-11',
  amountFen: 100_00,
  severity: 2,
  ...over,
})

t.test('the same report in two imports counts once: the newest stored', async (t) => {
  const s = outsideSignals([row(7, { amountFen: 300_00, severity: 3 }), row(3)])
  t.same(s, [{ kind: 'outside', signal: 'social_insurance_arrears', severity: 3, amountFen: 300_00, source: '人社', period: '2026-11' }])
})

t.test('another kind, source or month is another signal; order is the order stored', async (t) => {
  const s = outsideSignals([row(4, { source: '税务', signal: 'tax_arrears' }), row(1), row(2, { period: '2026-10' }), row(3, { source: '社保中心' })])
  t.same(
    s.map((x) => (x.kind === 'outside' ? [x.signal, x.source, x.period] : [])),
    [
      ['social_insurance_arrears', '人社', '2026-11'],
      ['social_insurance_arrears', '人社', '2026-10'],
      ['social_insurance_arrears', '社保中心', '2026-11'],
      ['tax_arrears', '税务', '2026-11'],
    ],
  )
  t.same(outsideSignals([row(1, { amountFen: null })]), [{ kind: 'outside', signal: 'social_insurance_arrears', severity: 2, amountFen: null, source: '人社', period: '2026-11' }], 'no amount stays none')
})
