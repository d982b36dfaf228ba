import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import {
  clampedDate,
  datesOfMonth,
  isWorkDate,
  monthBoundsMs,
  nextMonth,
  parseInstantText,
  parseLocalDateTime,
  workDateOf,
  localTimeOf,
} from '../../src/kernel/time.ts'

t.test('Asia/Shanghai wall time is UTC+8', async (t) => {
  t.equal(parseLocalDateTime('2026-10-01 07:30:00', 'Asia/Shanghai'), Date.UTC(2026, 8, 30, 23, 30))
  t.equal(workDateOf(Date.UTC(2026, 8, 30, 23, 30), 'Asia/Shanghai'), '2026-10-01')
  t.equal(workDateOf(Date.UTC(2026, 8, 30, 15, 59, 59), 'Asia/Shanghai'), '2026-09-30')
})

t.test('impossible wall times are refused', async (t) => {
  t.equal(parseLocalDateTime('2026-02-30 08:00:00', 'Asia/Shanghai'), undefined)
  t.equal(parseLocalDateTime('2026-10-01 24:00:00', 'Asia/Shanghai'), undefined)
  t.equal(parseLocalDateTime('yesterday', 'Asia/Shanghai'), undefined)
})

t.test('instants with their offset: the calendar is checked, not rolled over', async (t) => {
  t.equal(parseInstantText('2026-10-12T17:00:00+08:00'), Date.UTC(2026, 9, 12, 9))
  t.equal(parseInstantText('2026-10-12T09:00Z'), Date.UTC(2026, 9, 12, 9))
  t.equal(parseInstantText('2026-02-30T07:00:00+08:00'), undefined, 'Date.parse would make it 2 March')
  t.equal(parseInstantText('2026-04-31T07:00Z'), undefined)
  t.equal(parseInstantText('2026-10-12T24:00+08:00'), undefined)
  t.equal(parseInstantText('2026-10-12T07:60+08:00'), undefined)
  t.equal(parseInstantText('2026-10-12T07:00+15:00'), undefined)
  t.equal(parseInstantText('2026-10-12 07:00'), undefined, 'local time is not an instant')
})

t.test('a DST zone: Berlin wall times map to the right instants', async (t) => {
  t.equal(parseLocalDateTime('2026-07-01 12:00:00', 'Europe/Berlin'), Date.UTC(2026, 6, 1, 10))
  t.equal(parseLocalDateTime('2026-01-01 12:00:00', 'Europe/Berlin'), Date.UTC(2026, 0, 1, 11))
})

t.test('month helpers', async (t) => {
  t.equal(datesOfMonth('2028-02').length, 29)
  t.equal(nextMonth('2026-12'), '2027-01')
  t.equal(clampedDate('2026-02', 31), '2026-02-28')
  t.notOk(isWorkDate('2026-02-29'))
  const b = monthBoundsMs('2026-10', 'Asia/Shanghai')
  t.equal(b.startMs, Date.UTC(2026, 8, 30, 16))
  t.equal(b.endMs, Date.UTC(2026, 9, 31, 16))
})

t.test('instant → local wall time → instant round-trips (whole seconds)', async (t) => {
  for (const zone of ['Asia/Shanghai', 'Asia/Urumqi', 'Europe/Berlin', 'America/New_York']) {
    holds(t, zone,
      fc.property(fc.integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2040, 0, 1) / 1000 }), (s) => {
        const ms = s * 1000
        const back = parseLocalDateTime(`${workDateOf(ms, zone)} ${localTimeOf(ms, zone)}`, zone)!
        // An ambiguous fall-back hour maps to its earlier instant; otherwise exact.
        return back === ms || (back < ms && ms - back <= 3_600_000)
      }),
    )
  }
})

t.test('DST edges, west and east of UTC', async (t) => {
  // Berlin 2026-10-25: 02:00–02:59 happens twice; the earlier (CEST) instant is taken.
  t.equal(parseLocalDateTime('2026-10-25 02:30:00', 'Europe/Berlin'), Date.UTC(2026, 9, 25, 0, 30))
  // Berlin 2026-03-29: 02:00–02:59 never happens; it is read as after the jump.
  t.equal(parseLocalDateTime('2026-03-29 02:30:00', 'Europe/Berlin'), Date.UTC(2026, 2, 29, 1, 30))
  t.equal(parseLocalDateTime('2026-03-29 01:30:00', 'Europe/Berlin'), Date.UTC(2026, 2, 29, 0, 30), 'the hour before the jump is exact')
  // New York 2026-11-01: 01:30 happens twice.
  t.equal(parseLocalDateTime('2026-11-01 01:30:00', 'America/New_York'), Date.UTC(2026, 10, 1, 5, 30))
  // Sydney (east of UTC) 2026-04-05: 02:30 happens twice; 2026-10-04: 02:30 never happens.
  t.equal(parseLocalDateTime('2026-04-05 02:30:00', 'Australia/Sydney'), Date.UTC(2026, 3, 4, 15, 30))
  t.equal(parseLocalDateTime('2026-10-04 01:30:00', 'Australia/Sydney'), Date.UTC(2026, 9, 3, 15, 30), 'the hour before the jump is exact')
})
