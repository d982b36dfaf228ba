/**
 * (Found by review.) One payment of 100.00 came back (退票), and the bank told us twice under two references: the CMB
 * 退票 query (NTAGDRFD, naming the 代发 line by REQNBR/BTHDTL), then the day's camt.054 with the credit's RtrInf (naming
 * it by our EndToEndId). Reconciliation undid the payment once, but the RETURNED flag's evidence added the two reports
 * up: 200.00 came back for a payment of 100.00, on the flag and on the worker's case. What came back is now the one
 * return, at its first report's amount; both reports are still listed beside it.
 */
import iconv from 'iconv-lite'
import t from 'tap'
import { entry, txDtls } from '../helpers/camt054.ts'
import { camt054, MONTH, setUp } from './helpers/instructed-site.ts'

type Fields = Record<string, string>
const element = (tag: string, f: Fields): string => `<${tag}>${Object.entries(f).map(([k, v]) => `<${k}>${v}</${k}>`).join(' ')}</${tag}>`
/** A 前置机 answer as CMB lays it out: INFO naming the function, then the records. */
const cmbAnswer = (funnam: string, records: string): string =>
  `<?xml version="1.0" encoding = "UTF-8"?> <CMBSDKPGK>\n<INFO><DATTYP>2</DATTYP> <ERRMSG></ERRMSG> <FUNNAM>${funnam}</FUNNAM> <LGNNAM>PAY1</LGNNAM> <RETCOD>0</RETCOD></INFO>\n${records}\n</CMBSDKPGK>`

interface FlagJson { kind: string; workerId: string | null; dueFen: number | null; paidFen: number | null; evidence: Record<string, unknown> }

t.test('a return reported by the CMB 退票 query and by the camt.054 under two references: 100.00 came back, once', async (t) => {
  const { api, site, workers, instruction, e2eOf, post, account } = await setUp(t, 8801, () => 100_00)
  // Our 代发 file of the batch, as the bank received it: YURREF (our MsgId) and each payee's TRXSEQ.
  const written = await api.fetch(`/api/projects/${site.projectId}/instructions/${instruction.id}/agency-file?profile=cmb`)
  const [batchLine = '', ...payees] = iconv.decode(Buffer.from(await written.arrayBuffer()), 'gbk').split('\r\n').filter((l) => l !== '')
  const yurref = batchLine.split(',')[0] ?? ''
  const place = (i: number): string => payees.map((l) => l.split(',')).find((f) => f[1] === workers[i]!.cardNo)?.[0] ?? ''
  t.equal(yurref, instruction.msgId)

  // The CMB 代发 result: both workers paid 100.00 (REQNBR/TRXSEQ references, our EndToEndIds taken by place).
  const batch = { ACCNBR: account, BUSCOD: 'N03020', CCYNBR: '10', REQNBR: '0008801001', REQSTA: 'FIN', RTNFLG: 'S', TRSNUM: '000002', TOTAMT: '200.00', SUCNUM: '000002', SUCAMT: '200.00', YURREF: yurref }
  const paid = await post(
    cmbAnswer('NTAGDINF', element('NTAGCINQZ', batch) + [0, 1].map((i) => element('NTAGCDTLY1', { TRXSEQ: place(i), ACCNBR: workers[i]!.cardNo, ACCNAM: workers[i]!.workerName, TRSAMT: '100.00', STSCOD: 'S', TRSDAT: '20261110' })).join('\n')),
  )
  t.match(paid, { outcome: 'payout_file_stored', reconciliation: { run: { paidFen: 200_00 } } })

  // The 退票 query: 张伟's payment came back, named by the batch and its line.
  const zhang = workers[0]!
  const cmbReturn = await post(
    cmbAnswer('NTAGDRFD', element('NTAGDRFDZ1', { REQNBR: '0008801001', BTHDTL: place(0), EACNBR: zhang.cardNo, EACNAM: zhang.workerName, TRSAMT: '100.00', TRSDAT: '20261112', STSCOD: 'E', RTNCOD: '002', RTNTXT: '账号、户名不符', YURREF: yurref })),
  )
  t.match(cmbReturn, { outcome: 'payout_file_stored', file: { format: 'cmb-agency', returnedCount: 1, returnedFen: 100_00 } })
  // The day's camt.054: the same return, a credit naming the payment by our EndToEndId, under the bank's own reference.
  const camtReturn = await post(
    camt054('C54-8801-R', account, entry('BK-8801-RTN', 'CRDT', '100.00', '2026-11-12', txDtls({ endToEndId: e2eOf(0), card: zhang.cardNo, name: zhang.workerName, yuan: '100.00' }, '<RtrInf><Rsn><Cd>AC01</Cd></Rsn></RtrInf>'))),
  )
  t.match(camtReturn, { outcome: 'payout_file_stored', file: { format: 'camt.054', returnedCount: 1, returnedFen: 100_00 } })
  t.equal(camtReturn.reconciliation.run.paidFen, 100_00, 'the payment is undone once: 李娜 stays paid, 张伟 is not')

  const flags = (await api.get<{ flags: FlagJson[] }>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags
  t.same(flags.map((f) => [f.kind, f.workerId]), [['UNPAID', zhang.workerId], ['RETURNED', zhang.workerId]])
  const returned = flags.find((f) => f.kind === 'RETURNED')!
  t.match(returned, { dueFen: 100_00, paidFen: 0 })
  t.match(
    returned.evidence,
    { undoneFen: 100_00, returnedFen: 100_00, returnedYuan: '100.00', paymentCount: 1, returnCount: 2, payments: [{ returnedFen: 100_00, returnCount: 2, returnLine: { bankRef: `0008801001/${place(0)}/RTN` } }] },
    'what came back is the one return, 100.00, not its two reports added up',
  )
  t.equal((returned.evidence.payments as unknown[]).length, 1, 'listed once, with both reports')

  // The worker's case holds the same evidence.
  const cases = await api.get<Array<{ kind: string; workerId: string | null; evidence: Record<string, unknown> }>>(`/api/projects/${site.projectId}/cases?month=${MONTH}`)
  t.match(cases.find((c) => c.kind === 'RETURNED' && c.workerId === zhang.workerId)?.evidence, { returnedFen: 100_00, returnedYuan: '100.00' }, "the case says 100.00 came back")
})
