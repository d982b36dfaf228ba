/**
 * A clue major at receipt by headcount (12 workers, ¥100,000) whose check finds a larger amount that is not by itself
 * major (8 workers, ¥3,000,000): the incident's amount is restated (the peak of each figure stands). Before, figures
 * not major on their own were dropped and the incident kept showing ¥100,000 (found by review of this session's diff).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { creditCode } from '../helpers/upstream.ts'

const NOW = Date.parse('2026-12-11T01:00:00Z')

t.test('a check finding a larger (not by itself major) amount restates the incident', async (t) => {
  const clock = new ManualClock(NOW)
  const { api } = await startTestServer(t, { clock })
  const r = await api.post<{ clue: { id: string; incidentId: string | null } }>('/api/clues', {
    channel: 'hotline_12333', employerCreditCode: creditCode(78), summary: '班组12人工资未发', headcount: 12, amountFen: 10_000_000, externalRef: 'GROW-1',
  })
  t.ok(r.clue.incidentId, 'major at receipt: 12 workers')
  clock.advance(30 * 60_000)
  const checked = await api.post<{ found: { headcount: number; amountFen: number } | null }>(`/api/clues/${r.clue.id}/steps`, { type: 'checked', cause: 'illegal_contracting', note: '核实：8人，欠薪 300 万元', headcount: 8, amountFen: 300_000_000 })
  t.match(checked.found, { amountFen: 300_000_000 }, 'the check found ¥3,000,000')
  const incidents = await api.get<Array<{ amountFen: number; headcount: number }>>('/api/incidents')
  t.equal(incidents[0]!.amountFen, 300_000_000, 'the incident carries the larger amount the check found (peak)')
})
