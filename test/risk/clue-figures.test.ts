/** The clue figures per month of receipt (src/risk/clue-figures.ts): closed in time, late on any clock, open in time. */
import t from 'tap'
import { clueClocks, type ClueStep } from '../../src/risk/clues.ts'
import { clueFigures } from '../../src/risk/clue-figures.ts'

const TZ = 'Asia/Shanghai'
const DAY = 86_400_000
/** 30 November 2026, 23:30 in Hangzhou: still November there, December in UTC+0 is not. */
const NOV_30 = Date.parse('2026-11-30T15:30:00Z')
const a = 'op'

const clue = (steps: ClueStep[], nowMs: number) => ({ receivedAtMs: steps[0]!.atMs, state: steps.at(-1)!.type === 'resolved' ? ('resolved' as const) : ('received' as const), clocks: clueClocks(steps, nowMs, TZ) })

t.test('per month of receipt, in the zone', async (t) => {
  const now = NOV_30 + 30 * DAY
  const r = (at: number): ClueStep => ({ type: 'received', channel: 'hotline_12333', atMs: at, actor: a })
  const inTime: ClueStep[] = [r(NOV_30), { type: 'checked', cause: 'other', atMs: NOV_30 + DAY, actor: a, note: 'x' }, { type: 'routed', to: 'hrss_bureau', atMs: NOV_30 + 2 * DAY, actor: a }, { type: 'resolved', atMs: NOV_30 + 3 * DAY, actor: a, outcome: 'withdrawn' }]
  const routedLate: ClueStep[] = [r(NOV_30 - DAY), { type: 'checked', cause: 'other', atMs: NOV_30, actor: a, note: 'x' }, { type: 'routed', to: 'hrss_bureau', atMs: NOV_30 + 10 * DAY, actor: a }, { type: 'resolved', atMs: NOV_30 + 11 * DAY, actor: a, outcome: 'withdrawn' }]
  const openLate: ClueStep[] = [r(NOV_30 - 2 * DAY)]
  const openInTime: ClueStep[] = [r(now - DAY)]
  const figures = clueFigures([clue(inTime, now), clue(routedLate, now), clue(openLate, now), clue(openInTime, now)], TZ)
  t.same(figures, [
    { month: '2026-12', received: 1, closedInTime: 0, late: 0, openInTime: 1 },
    { month: '2026-11', received: 3, closedInTime: 1, late: 2, openInTime: 0 },
  ])
})
