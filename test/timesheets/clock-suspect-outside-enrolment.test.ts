/**
 * A reading whose clock is suspect, dated outside the worker's enrolment (the gate lost a week: 12 October read as
 * 5 October, before the entry on the 10th), is listed on its day, excluded, and asks for no review: no correction may
 * be dated outside the enrolment, so a review there could never be closed and would hold the month's confirmation for
 * good. The worker's real day, read by the same gate's in and out, is credited.
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

t.test('a suspect reading dated before the entry is shown, asks for no review, and the month can be confirmed', async (t) => {
  const clock = new ManualClock(Date.parse('2026-10-09T00:00:00Z'))
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, clock)
  t.teardown(() => services.close())
  const { roster, timesheets, inbox } = services
  const rng = new Rng(1)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(rng) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })
  const project = await roster.createProject({ siteCode: 'S1', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1', name: '专户' } })
  await roster.setPolicy(project.id, { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay: 'count_day', clockAheadMinutes: 10 })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-10' })
  await roster.createDevice(project.id, { serial: 'CN-1', model: 'canonical', installedAt: '2026-10-08T00:00:00Z' })
  let seq = 0
  const punch = async (deviceTime: string, direction: 'in' | 'out' | 'unknown'): Promise<void> => {
    const payload = Buffer.from(JSON.stringify({ deviceSerial: 'CN-1', recordId: String(++seq), person: { kind: 'device_user', value: 'W1' }, deviceTime, direction, verifyMethod: 'face', channel: 'gate' }))
    await inbox.submit({ topic: 'wl/v1/S1/CN-1/punch', payload, clientId: 'CN-1' })
  }
  clock.set(Date.parse('2026-10-12T01:00:00Z'))
  await punch('2026-10-12T08:00:00+08:00', 'in')
  // The gate's clock lost a week (RTC battery): this reading of Oct 12 09:00 says Oct 5.
  await punch('2026-10-05T09:00:00+08:00', 'out')
  clock.set(Date.parse('2026-10-12T10:00:00Z'))
  await punch('2026-10-12T17:00:00+08:00', 'out')

  clock.set(Date.parse('2026-11-05T02:00:00Z'))
  const m = await timesheets.workerMonth(project.id, worker.id, '2026-10')
  const oct5 = m.line.month.days.find((d) => d.workDate === '2026-10-05')
  t.same(oct5?.reviewReasons, [], 'no review on a day outside the enrolment')
  t.match(oct5?.punches, [{ use: 'excluded', reason: 'clock_suspect' }], 'the reading is listed, excluded as suspect')
  t.match(m.line.month.days.find((d) => d.workDate === '2026-10-12'), { status: 'present', creditHalves: 2 })
  await t.resolves(timesheets.confirmByManager(project.id, team.id, '2026-10', '王芳', null), 'October can be confirmed')
})
