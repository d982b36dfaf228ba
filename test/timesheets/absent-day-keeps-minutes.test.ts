/**
 * (Found by review.)
 * A day a labour manager sets absent (set_status absent: the worker was not on site, the gate's pair was someone
 * else's card) is credited no day, but keeps the pair's worked minutes: 540 minutes on an absent day. The month's
 * workedMinutes, the attendance sheet's 工时 column, the upstream PayRollDetail WorkHours and, under hourly wage terms
 * (paid per worked minute), the pay itself still count the hours of a day the correction said nobody worked. A half
 * day set by correction likewise kept a full day's minutes: it now counts its pairs' minutes up to four hours, half of
 * the statutory eight-hour day (a shorter pair stays as it is: halving it again would underpay hourly terms).
 */
import t from 'tap'
import { parseLocalDateTime, workDateOf } from '../../src/kernel/time.ts'
import { DEFAULT_POLICY } from '../../src/timesheets/policy.ts'
import { buildWorkerDays, foldMonth, type Correction, type RawPunch } from '../../src/timesheets/rules.ts'

const TZ = 'Asia/Shanghai'
const at = (local: string): number => parseLocalDateTime(local, TZ) as number
const punch = (id: number, local: string, direction: 'in' | 'out'): RawPunch => ({ id, deviceId: 'gate-1', deviceTimeMs: at(local), direction, workDate: workDateOf(at(local), TZ), clockSuspect: null })
/** A labour manager's correction setting the 8th's status, filed the next morning. */
const setStatus = (status: 'present' | 'half_day' | 'absent', reason: string): Correction => ({
  id: 'c1',
  workDate: '2026-10-08',
  kind: 'set_status',
  punchId: null,
  atMs: null,
  direction: null,
  status,
  revokesId: null,
  reason,
  author: '王芳',
  createdAtMs: at('2026-10-09 09:00:00'),
})

t.test('a day set absent by a correction counts no worked minutes', async (t) => {
  const punches = [punch(1, '2026-10-08 08:00:00', 'in'), punch(2, '2026-10-08 17:00:00', 'out')]
  const absent = setStatus('absent', '代打卡，本人未到岗')
  const days = buildWorkerDays({ workerId: 'w1', enrolment: { entryDate: '2026-10-01', exitDate: null }, punches, corrections: [absent] }, DEFAULT_POLICY, TZ, '2026-10-01', '2026-10-31')
  const day = days.find((d) => d.workDate === '2026-10-08')!
  t.same([day.status, day.creditHalves, day.decidedBy], ['absent', 0, 'correction'], 'the correction decides the day')
  t.equal(day.workedMinutes, 0, 'an absent day has no worked minutes')
  t.equal(foldMonth('w1', days).workedMinutes, 0, "the month's hours do not include the absent day")
})

t.test('a half day set by a correction counts its pairs\' minutes up to four hours; present keeps them all', async (t) => {
  const punches = [punch(1, '2026-10-08 08:00:00', 'in'), punch(2, '2026-10-08 17:01:00', 'out')]
  const set = (status: 'half_day' | 'present'): Correction => setStatus(status, '下午请假')
  const dayWith = (c: Correction) => buildWorkerDays({ workerId: 'w1', enrolment: { entryDate: '2026-10-01', exitDate: null }, punches, corrections: [c] }, DEFAULT_POLICY, TZ, '2026-10-01', '2026-10-31').find((d) => d.workDate === '2026-10-08')!
  const half = dayWith(set('half_day'))
  t.same([half.status, half.creditHalves, half.workedMinutes], ['half_day', 1, 240], '541 minutes of pairs: four hours')
  const present = dayWith(set('present'))
  t.same([present.status, present.creditHalves, present.workedMinutes], ['present', 2, 541], 'present keeps the pairs\' minutes')
})

t.test('a half day set by a correction keeps a pair shorter than four hours as it is', async (t) => {
  const punches = [punch(1, '2026-10-08 07:00:00', 'in'), punch(2, '2026-10-08 10:30:00', 'out')]
  const half = setStatus('half_day', '上午出工')
  const day = buildWorkerDays({ workerId: 'w1', enrolment: { entryDate: '2026-10-01', exitDate: null }, punches, corrections: [half] }, DEFAULT_POLICY, TZ, '2026-10-01', '2026-10-31').find((d) => d.workDate === '2026-10-08')!
  t.same([day.status, day.creditHalves, day.workedMinutes], ['half_day', 1, 210], 'three and a half hours worked stay three and a half')
})
