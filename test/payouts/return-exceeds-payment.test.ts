/**
 * A return (退票) cannot bring back more than the payment it returns paid. (Found by review: a return of 9999.00
 * against a payment of 9660.00 was stored, and RETURNED's evidence showed 19659.00 returned to a worker due 9660.00.)
 * The file is refused whole, the line named with the payment and its amount, and kept in rejected inputs; the same
 * whichever format carries the return (a text profile's 退票 line naming the payment by the bank's reference, a
 * camt.054 credit with RtrInf naming it by EndToEndId). The same return reported again through another channel is
 * stored and undoes the payment once.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { camt054, entry, txDtls } from '../helpers/camt054.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { setUp } from './helpers/instructed-site.ts'

const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'
type LineError = { line: number; field: string; code: string; message: string }

t.test('a text profile return by bank reference: more than paid refuses the file; the same return reported twice undoes the payment once', async (t) => {
  const period = '2026-10'
  const server = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 11, 5, 4) } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'RET-OVER', workers: 1, teams: 1, seed: 6 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const w = { ...plan.workers[0]!, id: site.workerIds.get(plan.workers[0]!.key)! }
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period,
    payDate: '2026-11-10',
    atMs: Date.UTC(2026, 10, 3),
    lines: [{ workerId: w.id, enrolmentId: enrolments.get(w.id)!, workerName: w.name, idNumber: w.idNumber, bankName: '中国农业银行', cardNo: w.cardNo, netFen: 966_000, dayHalves: 40, answer: 'confirm' as const }],
  })
  t.equal((await api.fetch(`${P}/payout-files?period=${period}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: [HEADER, `1|${w.cardNo}|${w.name}|9660.00|success|SC1|2026-11-09|`].join('\n') })).status, 201)

  const returns = (...amounts: string[]): Buffer =>
    Buffer.from(
      ['序号,收款账号,收款户名,金额,处理结果,失败原因,原流水号', ...amounts.map((a, i) => `${i + 1},${w.cardNo},${w.name},${a},退票,原账户已销户,SC1`), `合计笔数,${amounts.length},合计金额,${amounts.reduce((s, a) => s + Number(a), 0).toFixed(2)}`].join('\r\n') + '\r\n',
    )
  const post = (day: string, body: Buffer) =>
    api.request('POST', `${P}/payout-files?period=${period}&format=text:filename-date-csv&filename=${encodeURIComponent(`代发结果_${day}.csv`)}`, body, 'text/plain')

  const over = await failure(post('20261205', returns('9999.00')))
  t.equal(over.status, 422)
  t.equal(over.code, 'payout_file_invalid')
  const errors = (over.details as { errors: LineError[] }).errors
  t.same(errors.map((e) => [e.line, e.field, e.code]), [[2, 'amount', 'return_exceeds_payment']])
  t.match(errors[0]!.message, /returns 9999\.00 of the payment SC1, which paid 9660\.00 \(line 2 of a file posted before, 2026-11-09\): a return cannot bring back more than was paid/)
  t.same((await api.get<unknown[]>(`${P}/payout-files`)).length, 1, 'nothing stored')
  const kept = await api.get<Array<{ detail: string }>>(`/api/rejected-inputs?projectId=${site.projectId}&reason=payout_file_invalid`)
  t.equal(kept.length, 1, 'kept in rejected inputs')
  t.match(kept[0]!.detail, /return_exceeds_payment/)

  const store = async (day: string, body: Buffer) =>
    (await api.fetch(`${P}/payout-files?period=${period}&format=text:filename-date-csv&filename=${encodeURIComponent(`代发结果_${day}.csv`)}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })).status
  t.equal(await store('20261207', returns('9645.00')), 201, 'a return less the bank charges is stored')
  const again = Buffer.from(returns('9645.00').toString('utf8').replace('原账户已销户', '账户已销户（退票查询）'))
  t.equal(await store('20261208', again), 201, 'the same return reported again (another channel, another file) is stored')
  const october = await services.payouts.reconcile(site.projectId, period, 'manual')
  const returned = october.flags.find((f) => f.kind === 'RETURNED')
  t.match(typeof returned?.evidence === 'string' ? JSON.parse(returned.evidence) : returned?.evidence, { undoneFen: 966_000, returnCount: 2 }, 'the payment is undone once, whichever reports of its return came in')
})

t.test('a camt.054 return (RtrInf) by EndToEndId: more than paid refuses the file', async (t) => {
  const { workers, e2eOf, post, account } = await setUp(t, 7301, () => 966_000)
  const pay = { endToEndId: e2eOf(0), card: workers[0]!.cardNo, name: workers[0]!.workerName, yuan: '9660.00' }
  t.equal((await post(camt054('C54-OV', account, entry('BK-OV-1', 'DBIT', '9660.00', '2026-11-09', txDtls(pay))))).outcome, 'payout_file_stored')
  const back = camt054('C54-OV-R', account, entry('BK-OV-2', 'CRDT', '9999.00', '2026-11-12', txDtls({ ...pay, yuan: '9999.00' }, '<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>')))
  const refused = await failure(post(back))
  t.equal(refused.code, 'payout_file_invalid')
  t.match((refused.details as { errors: LineError[] }).errors, [{ code: 'return_exceeds_payment', field: 'amount', message: new RegExp(`returns 9999\\.00 of the payment ${e2eOf(0)}, which paid 9660\\.00`) }])
})
