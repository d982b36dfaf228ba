/** The pure rules of an enrolment's spells (src/roster/spells.ts): which days and months a worker who left and came back was enrolled on. */
import t from 'tap'
import { enrolledBetween, enrolledOn, exitsOf, firstExitOf, lastEntryOf, outsideOn, spellsOf } from '../../src/roster/spells.ts'

const twice = {
  entryDate: '2026-09-01',
  exitDate: null,
  breaks: [
    { exitDate: '2026-09-20', returnDate: '2026-10-08' },
    { exitDate: '2026-10-31', returnDate: '2026-12-01' },
  ],
}

t.test('days: the spells in, the breaks out, the exit and return days in', async (t) => {
  const on = (d: string): boolean => enrolledOn(twice, d)
  t.same(['2026-08-31', '2026-09-01', '2026-09-20', '2026-09-21', '2026-10-07', '2026-10-08', '2026-11-15', '2026-12-01', '2027-03-01'].map(on), [false, true, true, false, false, true, false, true, true])
  t.equal(outsideOn(twice, '2026-08-31'), 'before_entry')
  t.equal(outsideOn(twice, '2026-09-25'), 'after_exit', 'a day away is after an exit')
  t.equal(outsideOn(twice, '2026-10-08'), null)
  t.equal(outsideOn({ entryDate: '2026-09-01', exitDate: '2026-09-20' }, '2026-09-21'), 'after_exit', 'no breaks: as before')
})

t.test('months: enrolled in a month when any spell touches it', async (t) => {
  t.ok(enrolledBetween(twice, '2026-10-01', '2026-10-31'), 'October: both spells')
  t.notOk(enrolledBetween(twice, '2026-11-01', '2026-11-30'), 'November: wholly away')
  t.ok(enrolledBetween(twice, '2026-12-01', '2026-12-31'), 'December: back')
  t.notOk(enrolledBetween(twice, '2026-08-01', '2026-08-31'), 'before the entry')
})

t.test('spells, exits and the dates each rule reads', async (t) => {
  t.same(spellsOf(twice), [
    { entryDate: '2026-09-01', exitDate: '2026-09-20' },
    { entryDate: '2026-10-08', exitDate: '2026-10-31' },
    { entryDate: '2026-12-01', exitDate: null },
  ])
  t.same(exitsOf({ ...twice, exitDate: '2027-01-10' }), ['2026-09-20', '2026-10-31', '2027-01-10'])
  t.equal(lastEntryOf(twice), '2026-12-01', 'an exit ends the last spell: on or after this')
  t.equal(firstExitOf(twice), '2026-09-20', 'the entry date stays on or before this')
  t.equal(firstExitOf({ entryDate: '2026-09-01', exitDate: null }), null)
})
