/** The pure rules of an enrolment's spells (src/roster/spells.ts): which days and months a worker who left and came back was enrolled on. */
import t from 'tap'
import { breakCorrectionProblem, enrolledBetween, enrolledOn, exitsOf, firstExitOf, lastEntryOf, outsideOn, spellsOf, unionOfSpells, withBreak } from '../../src/roster/spells.ts'

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

t.test('a break corrected keeps the spells in order', async (t) => {
  const fix = (index: number, exitDate: string, returnDate: string) => breakCorrectionProblem(twice, index, { exitDate, returnDate })
  t.equal(fix(0, '2026-09-18', '2026-10-05'), null, 'both dates of the first break moved, still in order')
  t.equal(fix(1, '2026-10-08', '2026-10-09'), null, 'an exit on the day of the return that began its spell')
  t.same(fix(0, '2026-08-31', '2026-10-08'), { code: 'exit_before_entry', entryDate: '2026-09-01', exitDate: '2026-08-31' }, 'an exit before the entry')
  t.same(fix(1, '2026-10-07', '2026-12-01'), { code: 'exit_before_entry', entryDate: '2026-10-08', exitDate: '2026-10-07' }, 'an exit before the return that began its spell')
  t.same(fix(0, '2026-09-20', '2026-09-20'), { code: 'return_before_exit', exitDate: '2026-09-20', returnDate: '2026-09-20' }, 'a return on its exit day')
  t.same(fix(0, '2026-09-20', '2026-11-01'), { code: 'exit_before_entry', entryDate: '2026-11-01', exitDate: '2026-10-31' }, 'a return past the exit that ends its spell')
  t.equal(fix(1, '2026-10-31', '2027-06-01'), null, 'the last return: no exit after it while on site')
  t.equal(breakCorrectionProblem({ ...twice, exitDate: '2026-12-20' }, 1, { exitDate: '2026-10-31', returnDate: '2026-12-21' })?.code, 'exit_before_entry', 'nor past the exit in force')
  t.same(withBreak(twice, 0, { exitDate: '2026-09-18', returnDate: '2026-10-05' }), [{ exitDate: '2026-09-18', returnDate: '2026-10-05' }, twice.breaks[1]])
})

t.test("a project's stretches on site: the spells of its enrolments, overlapping ones made one", async (t) => {
  const spells = [...spellsOf(twice), { entryDate: '2026-10-01', exitDate: '2026-10-10' }, { entryDate: '2026-07-01', exitDate: '2026-07-31' }]
  t.same(unionOfSpells(spells), [
    { entryDate: '2026-07-01', exitDate: '2026-07-31' },
    { entryDate: '2026-09-01', exitDate: '2026-09-20' },
    { entryDate: '2026-10-01', exitDate: '2026-10-31' },
    { entryDate: '2026-12-01', exitDate: null },
  ], 'the gaps every worker spent away stay gaps')
  t.same(unionOfSpells([{ entryDate: '2026-01-01', exitDate: null }, { entryDate: '2026-03-01', exitDate: '2026-04-01' }]), [{ entryDate: '2026-01-01', exitDate: null }], 'one still on site covers the rest')
  t.same(unionOfSpells([]), [])
})
