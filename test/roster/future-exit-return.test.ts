/**
 * An exit (退场) or a return (再次进场) dated after today in the project's time zone was accepted, and so were the
 * corrections that moved one there and the roster import's return rows: reports and the upstream platform then said a
 * worker had left who was still on site, or was back who was not. Each is now refused, 400 date_in_future naming the
 * field and today's date in the project's zone (the service's injected clock). An entry date ahead stays accepted: a
 * worker is registered before entering the site (README, Roster), and the days before it count for nothing.
 * (Found by review.)
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { logIn, registerAccessSite } from '../access/helpers/site.ts'
import { registerPagesSite } from '../pages/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Enrolment {
  id: string
  exitDate: string | null
  breaks: Array<{ exitDate: string; returnDate: string }>
}

// 17:00 UTC on the 20th is 01:00 on the 21st in Asia/Shanghai: "today" is the project's date, not the server's.
const NOW = Date.parse('2026-11-20T17:00:00Z')
const TODAY = '2026-11-21'

t.test('exits, returns and their corrections dated after today are refused, naming the field and today', async (t) => {
  const clock = new ManualClock(NOW)
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'FUT', regionCode: '330106', bankCode: '103331000011', seed: 77 })
  const P = `/api/projects/${site.projectId}`
  const E = `${P}/enrolments/${site.enrolmentId}`
  const ahead = (field: string, date: string) => ({ status: 400, code: 'date_in_future', details: { field, [field]: date, today: TODAY } })

  t.match(await failure(admin.post(`${E}/exit`, { exitDate: '2026-11-22' })), ahead('exitDate', '2026-11-22'), 'an exit tomorrow')
  t.match(await failure(admin.post(`${E}/exit`, { exitDate: '2026-12-31', reason: '合同到期' })), ahead('exitDate', '2026-12-31'), 'with a reason too')
  t.equal((await admin.get<Enrolment[]>(`${P}/enrolments`))[0]?.exitDate, null, 'nothing stored: still on site')
  t.match(await admin.post<Enrolment>(`${E}/exit`, { exitDate: TODAY }), { exitDate: TODAY }, "today in the project's zone (still the 20th in UTC) is no future")

  t.match(await failure(admin.post(`${E}/exit-date`, { previousExitDate: TODAY, exitDate: '2026-11-25', reason: '改期' })), ahead('exitDate', '2026-11-25'), 'an exit corrected to a later day')
  t.match(await admin.post<Enrolment>(`${E}/exit-date`, { previousExitDate: TODAY, exitDate: '2026-11-10', reason: '记错了' }), { exitDate: '2026-11-10' }, 'corrected to a past day')

  t.match(await failure(admin.post(`${E}/return`, { returnDate: '2026-11-22' })), ahead('returnDate', '2026-11-22'), 'a return tomorrow')
  t.match(await admin.post<Enrolment>(`${E}/return`, { returnDate: TODAY }), { exitDate: null, breaks: [{ exitDate: '2026-11-10', returnDate: TODAY }] }, 'a return today')
  t.match(await failure(admin.post(`${E}/return-date`, { previousReturnDate: TODAY, returnDate: '2026-11-23', reason: '改期' })), ahead('returnDate', '2026-11-23'), 'a return corrected to a later day')
  t.match(await admin.post<Enrolment>(`${E}/return-date`, { previousReturnDate: TODAY, returnDate: '2026-11-20', reason: '记错了' }), { breaks: [{ exitDate: '2026-11-10', returnDate: '2026-11-20' }] }, 'corrected to a past day')

  t.same((await admin.get<Array<{ exitDate: string }>>(`${E}/exits`)).map((x) => x.exitDate), [TODAY, '2026-11-10'], 'only the exits accepted are kept')
  t.same((await admin.get<Array<{ returnDate: string }>>(`${E}/returns`)).map((x) => x.returnDate), [TODAY], 'and the return')
  t.equal((await admin.get<unknown[]>(`${E}/break-corrections`)).length, 1, 'and the one correction accepted')

  // The clock moves on: the day that was ahead has come.
  clock.set(Date.parse('2026-11-22T16:00:00Z'))
  t.match(await admin.post<Enrolment>(`${E}/exit`, { exitDate: '2026-11-23' }), { exitDate: '2026-11-23' }, 'once the day has come in the project’s zone, the exit is recorded')

  // Enrolment: an entry ahead is a worker registered before they arrive; an exit ahead is refused there too.
  const rng = new Rng(78)
  const worker = (n: number) => admin.post<{ id: string }>('/api/workers', { name: `工人${n}`, idNumber: idNumber(rng, 780 + n), bankName: '农行', cardNo: cardNumber(780 + n) })
  const enrol = (workerId: string, dates: { entryDate: string; exitDate?: string }) => admin.post<Enrolment & { entryDate: string }>(`${P}/enrolments`, { workerId, teamId: site.teamId, dailyRate: '350.00', safetyTrained: true, ...dates })
  const early = await worker(1)
  t.match(await enrol(early.id, { entryDate: '2026-12-01' }), { entryDate: '2026-12-01', exitDate: null }, 'an entry date ahead is accepted: registered before entering the site')
  const late = await worker(2)
  t.match(await failure(enrol(late.id, { entryDate: '2026-11-01', exitDate: '2026-11-30' })), { status: 400, code: 'date_in_future', details: { field: 'exitDate', exitDate: '2026-11-30', today: '2026-11-23' } }, 'an exit ahead given at enrolment')
  t.match(await enrol(late.id, { entryDate: '2026-11-01', exitDate: '2026-11-20' }), { exitDate: '2026-11-20' }, 'one past is recorded')
})

t.test("the roster import refuses a return row dated after today, as POST …/return does", async (t) => {
  const { api: admin } = await startTestServer(t, { clock: new ManualClock(NOW) })
  const site = await registerPagesSite(admin, { tag: 'FIR', seed: 79 })
  const P = `/api/projects/${site.projectId}`
  const lm = admin.as(await logIn(admin, site.logins.labourManager))
  const rng = new Rng(79)
  const ids = [idNumber(rng, 791), idNumber(rng, 792)]
  const row = (i: number, entryDate: string): string => [`工人${i}`, ids[i], '钢筋班', cardNumber(791 + i), '中国农业银行', entryDate, '350', '是'].join(',')
  const csv = (rows: string[]): Buffer => Buffer.from(['姓名,身份证号,班组,银行卡号,开户行,进场日期,日工资,安全教育', ...rows].join('\r\n'))
  const post = async <T>(path: string, body: Buffer): Promise<{ status: number; body: T }> => {
    const res = await lm.fetch(`${P}/roster-imports${path}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body })
    return { status: res.status, body: (await res.json()) as T }
  }

  const first = await post<{ rows: Array<{ line: number; enrolmentId: string }> }>('', csv([row(0, '2026/9/1')]))
  t.equal(first.status, 201)
  const enrolmentId = first.body.rows[0]!.enrolmentId
  await admin.post(`${P}/enrolments/${enrolmentId}/exit`, { exitDate: '2026-10-31' })

  // 工人0 back tomorrow: not yet. 工人1, new, enters in December: registered ahead, as the API enrols them.
  const file = csv([row(0, '2026/11/22'), row(1, '2026/12/1')])
  type Preview = { rows: Array<{ action: string; problems: Array<{ code: string; field: string; today?: string; message: string }> }> }
  const p = await post<Preview>('/preview', file)
  t.same(p.body.rows.map((r) => r.action), ['return', 'register_and_enrol'])
  t.match(p.body.rows[0]!.problems, [{ code: 'return_in_future', field: 'entryDate', today: TODAY, message: new RegExp(`今天是 ${TODAY}`) }], 'the return row names today')
  t.same(p.body.rows[1]!.problems, [], 'a first entry ahead is no problem')
  const refused = await post<{ error: { code: string; details: { rows: Array<{ line: number; problems: Array<{ code: string }> }> } } }>('', file)
  t.equal(refused.status, 422)
  t.match(refused.body.error, { code: 'roster_import_has_problems', details: { rows: [{ line: 2, problems: [{ code: 'return_in_future' }] }] } })
  const enrolments = await admin.getAll<Enrolment>(`${P}/enrolments`)
  t.match(enrolments.find((e) => e.id === enrolmentId), { exitDate: '2026-10-31', breaks: [] }, 'nothing stored: still exited')
  t.equal(enrolments.length, 1, 'nor the new worker')

  const today = await post<{ rows: Array<{ outcome: string }> }>('', csv([row(0, '2026/11/21'), row(1, '2026/12/1')]))
  t.equal(today.status, 201)
  t.same(today.body.rows.map((r) => r.outcome), ['return', 'register_and_enrol'], "a return dated today in the project's zone is recorded")
})
