/**
 * Text from data in spreadsheet files (src/kernel/spreadsheet-text.ts): a cell that a spreadsheet would run as a
 * formula gets an apostrophe, with or without the spaces, tabs or carriage returns an importer strips first.
 */
import t from 'tap'
import { csvField, defuseFormula } from '../../src/kernel/spreadsheet-text.ts'

t.test('formula-looking text is defused, ordinary text is not', async (t) => {
  for (const s of ['=1+1', '+86 138', '-2', '@SUM(A1)', '\t=1', '\r=1', ' =HYPERLINK("x")', '\u3000=1', '  @x']) t.equal(defuseFormula(s), `'${s}`, JSON.stringify(s))
  for (const s of ['张伟', '钢筋班 2', 'a=b', '', '12.5', ' 张伟']) t.equal(defuseFormula(s), s, JSON.stringify(s))
})

t.test('CSV fields are quoted only when they must be', async (t) => {
  t.equal(csvField('plain'), 'plain')
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField('say "hi"'), '"say ""hi"""')
  t.equal(csvField('two\nlines'), '"two\nlines"')
})
