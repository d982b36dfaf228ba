/**
 * The bureau's early-warning pages over plain HTTP (issue 15): the clue board with each clue's clocks in words and
 * colour (overdue in red, two days or less in yellow) and its filters; a clue's page with its steps, actor and time,
 * and the ledger's evidence; the incidents with their 2-hour report clock; the credit records with their term. An
 * auditor of another region sees none of it (an empty board, a 404 clue); a labour manager gets a 403 page.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { getPage, signIn } from './helpers/http.ts'

/** Friday 27 November 2026, 15:00 in Hangzhou. */
const NOW_MS = Date.parse('2026-11-27T07:00:00Z')

t.test("the bureau's clue board, incidents and credit records", async (t) => {
  const clock = new ManualClock(NOW_MS)
  const { api, services, httpUrl: base } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'PC-1', regionCode: '330106', bankCode: '103331000011', seed: 1601 })
  await createLogin(api, 'auditor.3301', 'auditor', { regionCode: '3301' })
  await createLogin(api, 'auditor.34', 'auditor', { regionCode: '34' })
  await createLogin(api, 'lm.pc', 'labour_manager', { organisationId: site.generalContractorId })
  const clue = (body: Record<string, unknown>) => api.post<{ clue: { id: string; incidentId: string | null } }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, ...body })
  const late = await clue({ workerId: site.workerId, month: '2026-10', summary: '十月工资没发', headcount: 3, amountFen: 1_200_000, externalRef: 'T-9' })
  await api.post(`/api/clues/${late.clue.id}/steps`, { type: 'checked', cause: 'real_name_failure', note: '闸机未录入' })
  clock.set(Date.parse('2026-12-03T02:00:00Z'))
  const group = await clue({ summary: '班组12人没发工资 <script>', headcount: 12, amountFen: 36_000_000 })
  clock.set(Date.parse('2026-12-05T02:00:00Z'))
  await services.clues.tick()
  const bureau = await signIn(base, 'auditor.3301')

  await t.test('the board: clocks in words and colour, overdue first to see, filters', async (t) => {
    const page = await getPage(base, '/pages/oversight/clues', bureau)
    t.equal(page.status, 200)
    t.match(page.text, '<h1>欠薪线索</h1>')
    t.match(page.text, /class="light light-red"><span aria-hidden="true" class="swatch"><\/span>转办（7 天）：已逾期 1 天<\/span><span class="note">期限 2026-12-04/, 'received on 27 November, routed by 4 December: one day late')
    t.match(page.text, /class="light light-green"><span aria-hidden="true" class="swatch"><\/span>转办（7 天）：剩 5 天<\/span><span class="note">期限 2026-12-10/, 'the group clue has five days left')
    t.match(page.text, /<th scope="row">2026-12<\/th><td>1<\/td><td>0<\/td><td>0<\/td><td>1<\/td>/, "December's figures: one clue, open in time")
    t.match(page.text, /<th scope="row">2026-11<\/th><td>1<\/td><td>0<\/td><td><span class="light light-red"><span aria-hidden="true" class="swatch"><\/span>1<\/span><\/td><td>0<\/td>/, "November's: one clue, late")
    t.match(page.text, '班组12人没发工资 &lt;script&gt;', 'what people wrote is escaped')
    t.notOk(page.text.includes('<script>'), 'no markup from a clue')
    const overdue = await getPage(base, '/pages/oversight/clues?overdue=yes', bureau)
    t.match(overdue.text, '十月工资没发')
    t.notOk(overdue.text.includes('班组12人'), 'only the overdue clue')
    const checked = await getPage(base, '/pages/oversight/clues?state=checked', bureau)
    t.match(checked.text, '十月工资没发')
    t.match(checked.text, 'aria-current="page">已核查')
  })

  await t.test("a clue's page: its steps with actor and time, its clocks, the evidence", async (t) => {
    const page = await getPage(base, `/pages/oversight/clues/${late.clue.id}`, bureau)
    t.equal(page.status, 200)
    t.match(page.text, /<th scope="row">2026-11-27 15:00<\/th><td>接收<\/td><td>[^<]+<\/td><td>12333 热线，2026-10 工资<\/td>/)
    t.match(page.text, /<td>核查<\/td><td>[^<]+<\/td><td>实名制管理不到位：闸机未录入<\/td>/)
    t.match(page.text, /<th scope="row">2026-12-05 10:00<\/th><td>超时督办<\/td><td>系统时钟<\/td><td>转办（7 天）期限 2026-12-04 已过<\/td>/)
    t.match(page.text, '2026-10 考勤')
    t.match(page.text, '本月没有已审核的工资表记录该工人')
    const incident = await getPage(base, `/pages/oversight/clues/${group.clue.id}`, bureau)
    t.match(incident.text, `href="/pages/oversight/incidents#incident-${group.clue.incidentId}"`)
    t.match(incident.text, '线索未指明工人和工资月份')
  })

  await t.test('incidents: the 2-hour report clock; credit records: the term', async (t) => {
    const page = await getPage(base, '/pages/oversight/incidents', bureau)
    t.match(page.text, `id="incident-${group.clue.incidentId}"`)
    t.match(page.text, /light-red"><span aria-hidden="true" class="swatch"><\/span>未报告，已超时 2760 分钟<\/span><span class="note">期限 2026-12-03 12:00/, 'became major at 10:00 on 3 December, due by 12:00')
    t.match(page.text, '涉及 10 人以上')
    await api.post(`/api/incidents/${group.clue.incidentId}/reports`, { reportedTo: '市住建局' })
    t.match((await getPage(base, '/pages/oversight/incidents', bureau)).text, '超时报告：2026-12-05 10:00 报 市住建局')

    t.match((await getPage(base, '/pages/oversight/credit-records', bureau)).text, '没有信用记录')
    await api.post(`/api/clues/${late.clue.id}/steps`, { type: 'routed', to: 'construction_bureau' })
    await api.post(`/api/clues/${late.clue.id}/steps`, { type: 'bureau_received' })
    await api.post(`/api/clues/${late.clue.id}/steps`, { type: 'resolved', outcome: 'arrears_confirmed', note: '查实' })
    const credit = await getPage(base, '/pages/oversight/credit-records', bureau)
    t.match(credit.text, /<td>2026-10<\/td>\s*<td>¥12000\.00<\/td>\s*<td>2026-12-05<\/td>\s*<td>2029-12-05<\/td>/)
    t.match(credit.text, `href="/pages/oversight/clues/${late.clue.id}"`)
    t.match(credit.text, '有效')
  })

  await t.test('scope: another region sees nothing; another role is refused', async (t) => {
    const other = await signIn(base, 'auditor.34')
    const board = await getPage(base, '/pages/oversight/clues', other)
    t.equal(board.status, 200)
    t.match(board.text, '没有符合条件的线索')
    t.equal((await getPage(base, `/pages/oversight/clues/${late.clue.id}`, other)).status, 404)
    t.match((await getPage(base, '/pages/oversight/incidents', other)).text, '没有重大欠薪事件')
    t.match((await getPage(base, '/pages/oversight/credit-records', other)).text, '没有信用记录')
    const lm = await signIn(base, 'lm.pc')
    t.equal((await getPage(base, '/pages/oversight/clues', lm)).status, 403)
  })
})
