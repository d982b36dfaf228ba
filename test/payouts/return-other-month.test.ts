/**
 * A return (退票) naming the payment it undoes by the bank's reference belongs to that payment's pay month (found by
 * review): posted under the month it arrived in, it was stored there and the month it undoes stayed paid and settled.
 * Now it is refused (wrong_period) naming the month to post it for; posted for that month, it reopens the shortfall.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'
const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

t.test('a return by bank reference is posted for the month it undoes', async (t) => {
  let now = Date.UTC(2026, 10, 9, 4)
  const server = await startTestServer(t, { clock: { nowMs: () => now } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'RET-MONTH', workers: 1, teams: 1, seed: 5 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const w = { ...plan.workers[0]!, id: site.workerIds.get(plan.workers[0]!.key)! }
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: Date.UTC(2026, 10, 3),
    lines: [{ workerId: w.id, enrolmentId: enrolments.get(w.id)!, workerName: w.name, idNumber: w.idNumber, bankName: '中国农业银行', cardNo: w.cardNo, netFen: 300_000, dayHalves: 40, answer: 'confirm' as const }],
  })
  await api.request('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from([HEADER, `1|${w.cardNo}|${w.name}|3000.00|success|SC1|2026-11-09|`].join('\n')), 'text/plain')

  now = Date.UTC(2026, 11, 5, 4)
  const csv = ['序号,收款账号,收款户名,金额,处理结果,失败原因,原流水号', `1,${w.cardNo},${w.name},3000.00,退票,原账户已销户,SC1`, '合计笔数,1,合计金额,3000.00'].join('\r\n') + '\r\n'
  const post = (period: string) =>
    api.fetch(`${P}/payout-files?period=${period}&format=text:filename-date-csv&filename=${encodeURIComponent('代发结果_20261205.csv')}`, { method: 'POST', body: Buffer.from(csv, 'utf-8'), headers: { 'content-type': 'text/plain' } })
  const wrong = await post('2026-11')
  t.equal(wrong.status, 422, 'posted for November: refused')
  t.match(await wrong.json(), { error: { details: { errors: [{ code: 'wrong_period', message: /paid for 2026-10, not 2026-11\. Post the file for 2026-10/ }] } } })
  const right = await post(MONTH)
  t.equal(right.status, 201, 'posted for October: stored')
  const october = await services.payouts.reconcile(site.projectId, MONTH, 'manual')
  t.ok(october.flags.some((f) => f.kind === 'RETURNED' && f.workerId === w.id), 'October shows the return')
  t.ok(october.flags.some((f) => (f.kind === 'UNPAID' || f.kind === 'SHORTFALL') && f.workerId === w.id), 'and the worker owed again')
})
