/**
 * (Found by review.) A suspect clock reading dated in another month stays on the month-of-receipt's attendance flags
 * after the labour manager has dealt with it (accepted it, or voided it), with the advice to accept or void it.
 *
 * README, rule 2: suspect readings "are also flagged in the month they were received (GET …/attendance-flags/{month})",
 * and the flag's `action` says to accept the punch (accept_punch) or void it. attendanceFlags
 * (src/timesheets/service.ts) builds that second kind of clock_suspect flag from every punch received in the month with
 * `clockSuspect !== null` and a work date in another month; it never looks at corrections. The day-level flag for the
 * same reading disappears once accepted (the day's punch is no longer `excluded: clock_suspect`), but this one can never
 * be cleared: a labour manager who did exactly what the flag asked keeps seeing it, and cannot tell the readings still
 * waiting from those already settled — after a replayed month (a device registered without installedAt), that is
 * every punch of the month.
 *
 * Expected: a reading accepted (or voided) by a correction that stands is no longer listed as needing attention in the
 * month it was received (or is listed as resolved, with the correction).
 */
import t from 'tap'
import { reviewSite } from '../timesheets/helpers/site.ts'

t.test('an accepted suspect reading is no longer flagged in the month it was received', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-11-03T02:00:00Z', entryDate: '2026-10-01' })
  // A second gate registered on 3 November with its installation time: it then replays 20 October.
  await s.roster.createDevice(s.project.id, { serial: 'D2', model: 'canonical', installedAt: '2026-11-03T00:00:00Z' })
  let seq = 0
  const replay = (deviceTime: string, direction: 'in' | 'out') =>
    s.inbox.submit({
      topic: 'wl/v1/S1/D2/punch',
      payload: Buffer.from(JSON.stringify({ deviceSerial: 'D2', recordId: String(++seq), person: { kind: 'device_user', value: 'W1' }, deviceTime, direction, verifyMethod: 'face', channel: 'gate' })),
      clientId: 'D2',
    })
  await replay('2026-10-20T07:00:00+08:00', 'in')
  await replay('2026-10-20T17:00:00+08:00', 'out')
  await s.inbox.idle()

  const before = (await s.timesheets.attendanceFlags(s.project.id, '2026-11')).filter((f) => f.kind === 'clock_suspect')
  t.equal(before.length, 2, 'both replayed readings are flagged in November, the month they arrived (the premise)')

  // The labour manager checks the site diary and accepts both readings, as the flag's action asks.
  const accepted = []
  for (const f of before) {
    accepted.push(await s.timesheets.addCorrection(s.project.id, s.worker.id, '2026-10-20', { kind: 'accept_punch', punchId: f.punchId as number, reason: '施工日志核实', author: '王芳' }))
  }
  const oct = await s.timesheets.workerMonth(s.project.id, s.worker.id, '2026-10')
  t.match(oct.line.month.days.find((d) => d.workDate === '2026-10-20'), { status: 'present', creditHalves: 2 }, 'October 20 now counts')

  const after = (await s.timesheets.attendanceFlags(s.project.id, '2026-11')).filter((f) => f.kind === 'clock_suspect')
  t.same(after, [], 'readings already accepted are not still flagged as suspect, asking to be accepted')

  // An acceptance withdrawn puts its reading back among those waiting.
  await s.timesheets.addCorrection(s.project.id, s.worker.id, '2026-10-20', { kind: 'revoke', revokesId: accepted[0]!.id, reason: '核实有误', author: '王芳' })
  const again = (await s.timesheets.attendanceFlags(s.project.id, '2026-11')).filter((f) => f.kind === 'clock_suspect')
  t.same(again.map((f) => f.punchId), [accepted[0]!.punchId], 'the reading whose acceptance was withdrawn is flagged again')
})

t.test('a reading a reset clock put before the entry can be voided, and its flag goes', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-11-03T02:00:00Z', entryDate: '2026-10-01' })
  await s.roster.createDevice(s.project.id, { serial: 'D3', model: 'canonical', installedAt: '2026-11-03T00:00:00Z' })
  await s.inbox.submit({
    topic: 'wl/v1/S1/D3/punch',
    payload: Buffer.from(JSON.stringify({ deviceSerial: 'D3', recordId: '1', person: { kind: 'device_user', value: 'W1' }, deviceTime: '2000-01-01T08:00:00+08:00', direction: 'in', verifyMethod: 'face', channel: 'gate' })),
    clientId: 'D3',
  })
  await s.inbox.idle()
  const [flag] = (await s.timesheets.attendanceFlags(s.project.id, '2026-11')).filter((f) => f.kind === 'clock_suspect')
  t.equal(flag?.workDate, '2000-01-01', 'flagged in the month it arrived')
  await s.timesheets.addCorrection(s.project.id, s.worker.id, '2000-01-01', { kind: 'void_punch', punchId: flag!.punchId as number, reason: '设备时钟复位', author: '王芳' })
  t.same((await s.timesheets.attendanceFlags(s.project.id, '2026-11')).filter((f) => f.kind === 'clock_suspect'), [], 'voided: no longer waiting')
  await t.rejects(s.timesheets.addCorrection(s.project.id, s.worker.id, '2000-01-01', { kind: 'set_status', status: 'present', reason: 'x', author: '王芳' }), { code: 'date_outside_enrolment' }, 'other corrections there are still refused')
})
