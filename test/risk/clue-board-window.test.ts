/**
 * What the clue board and the clue figures read, on a real database: an old clue still open is listed however many
 * newer ones were closed since (the board reads unresolved clues when asked for a state short of resolved or for
 * overdue ones), and the figures count every clue received in their 24 months, none before.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { CLUE_FIGURE_MONTHS } from '../../src/risk/clue-service.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const NOW_MS = Date.parse('2026-11-27T07:00:00Z')
const DAY_MS = 86_400_000

t.test('the board keeps an old open clue; the figures cover their months whole', async (t) => {
  const clock = new ManualClock(NOW_MS)
  const server = await startTestServer(t, { clock })
  const { api, services } = server
  const site = await registerAccessSite(api, { tag: 'CL-W', regionCode: '330106', bankCode: '103331000011', seed: 1511 })
  const receive = async (ref: string, atMs: number): Promise<string> =>
    (await api.post<{ clue: { id: string } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '工资未发', headcount: 1, amountFen: 100_00, externalRef: ref, receivedAt: new Date(atMs).toISOString() })).clue.id
  const old = await receive('OLD', NOW_MS - 40 * DAY_MS)
  const newer: string[] = []
  for (let i = 0; i < 3; i++) newer.push(await receive(`NEW-${i}`, NOW_MS - (3 - i) * DAY_MS))
  for (const id of newer) {
    await api.post(`/api/clues/${id}/steps`, { type: 'checked', cause: 'other', note: '核实' })
    await api.post(`/api/clues/${id}/steps`, { type: 'routed', to: 'hrss_bureau' })
    await api.post(`/api/clues/${id}/steps`, { type: 'resolved', outcome: 'withdrawn', note: '已支付，撤回' })
  }
  const repo = services.clues.repo
  t.same((await repo.clues('3301', { limit: 2 })).map((c) => c.id), [newer[2], newer[1]], 'newest first, as many as asked')
  t.same((await repo.clues('3301', { limit: 2, unresolvedOnly: true })).map((c) => c.id), [old], 'unresolved only: the old open clue, whatever came after')
  const overdue = await services.clues.list('3301', { overdue: true, limit: 10 })
  t.same(overdue.map((v) => v.clue.id), [old], 'the board lists it as overdue')
  t.same((await services.clues.list('3301', { state: 'received', limit: 10 })).map((v) => v.clue.id), [old])

  // Figures: a clue received just inside the window counts, one just before it does not.
  const firstMonthStart = Date.parse('2024-12-01T00:00:00+08:00')
  t.equal(CLUE_FIGURE_MONTHS, 24)
  await receive('EDGE-IN', firstMonthStart)
  await receive('EDGE-OUT', firstMonthStart - 1000)
  const figures = await services.clues.figures('3301')
  t.equal(figures.at(-1)?.month, '2024-12', 'the oldest month is 23 months before this one')
  t.equal(figures.find((f) => f.month === '2024-12')?.received, 1)
  t.notOk(figures.some((f) => f.month === '2024-11'), 'nothing before the window')
  t.equal(figures.find((f) => f.month === '2026-11')?.received, 3)
})
