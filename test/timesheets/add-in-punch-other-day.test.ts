/**
 * An `in` added to day D (补卡 of a start) whose time falls on D+1 in the project's zone — typed as the next day's
 * local time, or an instant (UTC, say) that is already the next day in Asia/Shanghai — is refused, naming the day
 * it falls on. A shift belongs to the day of its in (rules.ts, pairing), so such an in would open a shift on D+1: the
 * correction would be stored under D and count on another day, with nothing to say so. Only an `out` may fall on the
 * next morning (a night shift's end, credited to the in's day). (Found by review.)
 */
import t from 'tap'
import { AppError } from '../../src/kernel/errors.ts'
import { reviewSite } from './helpers/site.ts'

const D = '2026-10-12'
const NEXT = '2026-10-13'

t.test('an in added to a day lands on that day or is refused naming the day it falls on (Found by review.)', async (t) => {
  const s = await reviewSite(t, { nowIso: '2026-10-20T02:00:00Z', entryDate: '2026-10-01' })
  const add = (at: string, direction: 'in' | 'out') => s.timesheets.addCorrection(s.project.id, s.worker.id, D, { kind: 'add_punch', at, direction, reason: '闸机漏记', author: '王芳' })
  const refusal = async (p: Promise<unknown>): Promise<AppError | undefined> => p.then(() => undefined, (err: unknown) => { if (err instanceof AppError) return err; throw err })

  for (const at of [`${NEXT} 00:30`, '2026-10-12T17:00:00Z']) {
    const refused = await refusal(add(at, 'in'))
    t.equal(refused?.code, 'correction_invalid', `${at}: refused`)
    t.match(refused?.details, { kind: 'add_punch', fallsOn: NEXT, workDate: D }, `${at}: naming the day the instant falls on and the day corrected`)
    t.match((refused?.details as { message?: string } | undefined)?.message, new RegExp(`falls on ${NEXT}.*Asia/Shanghai`), `${at}: in words too`)
  }
  const month = await s.timesheets.workerMonth(s.project.id, s.worker.id, '2026-10')
  t.notOk(month.line.month.days.some((d) => d.workDate === NEXT || d.workDate === D), 'nothing stored on either day')

  // A night shift: in late on D, out the next morning. Both land on D.
  await add(`${D} 23:30`, 'in')
  await add(`${NEXT} 06:00`, 'out')
  const after = await s.timesheets.workerMonth(s.project.id, s.worker.id, '2026-10')
  t.match(after.line.month.days.find((d) => d.workDate === D), { status: 'present' }, 'the in at 23:30 and the next morning’s out make D a present day')
  t.notOk(after.line.month.days.some((d) => d.workDate === NEXT && d.status !== 'absent'), 'nothing counted on the next day')
})
