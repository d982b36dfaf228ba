/** The county's month against the 无欠薪 targets (src/oversight/targets.ts), a pure rule tested directly. */
import t from 'tap'
import { ARREARS_SHARE_TARGET_BP, monthTargets, type TargetIncident, type TargetInputs } from '../../src/oversight/targets.ts'

const TZ = 'Asia/Shanghai'
const base = (over: Partial<TargetInputs> = {}): TargetInputs => ({
  month: '2026-11',
  incidence: { month: '2026-11', underConstruction: 100, withArrears: 3, rate: 0.03 },
  incidents: [],
  clues: undefined,
  timeZone: TZ,
  ...over,
})
const incident = (id: string, atIso: string, headcount: number, amountFen: number): TargetIncident => ({ id, projectId: 'p', headcount, amountFen, becameMajorAtMs: Date.parse(atIso) })

t.test('the arrears share: at most 3%, exactly 3% met', async (t) => {
  t.equal(ARREARS_SHARE_TARGET_BP, 300)
  const at = monthTargets(base())
  t.same(at.arrearsShare, { verdict: true, underConstruction: 100, withArrears: 3, shareBp: 300, targetBp: 300 }, '3 of 100: exactly the target, met')
  t.equal(monthTargets(base({ incidence: { month: '2026-11', underConstruction: 100, withArrears: 4, rate: 0.04 } })).arrearsShare.verdict, false, '4 of 100: not met')
  // 0.03 × 7 is not a whole number: the share is compared in whole numbers, so 3/100 and 6/200 agree with 21/700.
  for (const [n, d] of [[6, 200], [21, 700], [3, 100]] as const) t.equal(monthTargets(base({ incidence: { month: '2026-11', underConstruction: d, withArrears: n, rate: n / d } })).arrearsShare.verdict, true, `${n} of ${d}: exactly 3%`)
  t.equal(monthTargets(base({ incidence: { month: '2026-11', underConstruction: 699, withArrears: 21, rate: 21 / 699 } })).arrearsShare.verdict, false, '21 of 699: just over 3%')
  t.equal(monthTargets(base({ incidence: { month: '2026-11', underConstruction: 34, withArrears: 1, rate: 1 / 34 } })).arrearsShare.shareBp, 294, 'the share shown is rounded down')
  t.match(monthTargets(base({ incidence: { month: '2026-11', underConstruction: 0, withArrears: 0, rate: 0 } })).arrearsShare, { verdict: null, shareBp: null }, 'no project under construction: nothing to judge')
  t.match(monthTargets(base({ incidence: undefined })).arrearsShare, { verdict: null, underConstruction: null }, 'a month the overview does not hold')
  t.equal(monthTargets(base({ incidence: undefined })).allMet, true, 'a target not judged is not missed')
})

t.test('group incidents and cases of ¥5M: none in the month, by when each became major in the zone', async (t) => {
  const incidents = [
    // 30 November 23:30 in Hangzhou (15:30 UTC): November's.
    incident('a', '2026-11-30T15:30:00Z', 10, 100_000),
    // 1 December 00:30 in Hangzhou (30 November 16:30 UTC): December's.
    incident('b', '2026-11-30T16:30:00Z', 40, 600_000_000),
    incident('c', '2026-11-10T02:00:00Z', 9, 500_000_000),
    incident('d', '2026-11-11T02:00:00Z', 2, 499_999_999),
  ]
  const nov = monthTargets(base({ incidents }))
  t.same(nov.groupIncidents.incidents.map((x) => x.id), ['a'], '10 workers is a group incident; 9 is not')
  t.equal(nov.groupIncidents.verdict, false)
  t.same(nov.largeCases.incidents.map((x) => x.id), ['c'], '¥5,000,000.00 exactly counts; a fen less does not')
  t.equal(nov.largeCases.verdict, false)
  t.equal(nov.allMet, false)
  const dec = monthTargets(base({ month: '2026-12', incidence: undefined, incidents }))
  t.same([dec.groupIncidents.incidents.map((x) => x.id), dec.largeCases.incidents.map((x) => x.id)], [['b'], ['b']], 'one incident can miss both targets')
  const oct = monthTargets(base({ month: '2026-10', incidence: undefined, incidents }))
  t.same([oct.groupIncidents.verdict, oct.largeCases.verdict], [true, true], 'none in October: both met')
})

t.test('clues closed within their limits: none late', async (t) => {
  t.same(monthTargets(base()).cluesInTime, { verdict: true, received: 0, closedInTime: 0, late: 0, openInTime: 0 }, 'no clue received: nothing late')
  t.same(monthTargets(base({ clues: { month: '2026-11', received: 4, closedInTime: 2, late: 1, openInTime: 1 } })).cluesInTime, { verdict: false, received: 4, closedInTime: 2, late: 1, openInTime: 1 })
  const ok = monthTargets(base({ clues: { month: '2026-11', received: 3, closedInTime: 2, late: 0, openInTime: 1 } }))
  t.equal(ok.cluesInTime.verdict, true, 'open in time is not late')
  t.equal(ok.allMet, true, 'every target met')
})
