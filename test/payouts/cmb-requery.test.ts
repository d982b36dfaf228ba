/**
 * A CMB GetAgentDetail answer (NTQATDQYZ) names no batch number or place per line, so its lines' references are made
 * from what the bank says of each payment (found by review): before, they were made from the file's digest, and the
 * same batch queried again counted a payment twice, hiding a shortfall. Now the repeat is refused as already posted,
 * and an answer holding only what is new is stored.
 */
import t from 'tap'
import { failure } from '../helpers/server.ts'
import { setUp } from './helpers/instructed-site.ts'

const answer = (lines: Array<{ card: string; name: string; yuan: string; sts: string }>): string =>
  `<?xml version="1.0" encoding = "UTF-8"?> <CMBSDKPGK>\n<INFO> <FUNNAM>GetAgentDetail</FUNNAM> <DATTYP>2</DATTYP> <RETCOD>0</RETCOD> <ERRMSG></ERRMSG></INFO>\n` +
  lines.map((l) => `<NTQATDQYZ><ACCNBR>${l.card}</ACCNBR><CLTNAM>${l.name}</CLTNAM><TRSAMT>${l.yuan}</TRSAMT><STSCOD>${l.sts}</STSCOD><TRSDAT>20261110</TRSDAT></NTQATDQYZ>`).join('\n') +
  '\n</CMBSDKPGK>'

t.test('the same CMB batch queried twice counts each payment once', async (t) => {
  // Both workers are due 200.00; the bank paid 张伟 100.00 and 李娜's line is still being processed.
  const s = await setUp(t, 7301, () => 200_00)
  const [w0, w1] = s.workers as [(typeof s.workers)[number], (typeof s.workers)[number]]
  const zhang = { card: w0.cardNo, name: w0.workerName, yuan: '100.00', sts: 'S' }
  const first = await s.post(answer([zhang, { card: w1.cardNo, name: w1.workerName, yuan: '200.00', sts: 'I' }]))
  t.equal(first.outcome, 'payout_file_stored')
  t.ok((await s.flags()).some((f) => f.workerId === w0.workerId && f.kind === 'SHORTFALL'), '张伟 is short 100.00')

  // Later the whole batch again, 李娜's line now paid: 张伟's payment is the one already posted.
  const again = answer([zhang, { card: w1.cardNo, name: w1.workerName, yuan: '200.00', sts: 'S' }])
  t.match(await failure(s.post(again)), { status: 422, details: { errors: [{ line: 1, code: 'bank_ref_already_posted' }] } }, 'the repeat of 张伟’s payment is refused, not counted again')

  const news = await s.post(answer([{ card: w1.cardNo, name: w1.workerName, yuan: '200.00', sts: 'S' }]))
  t.equal(news.reconciliation.run.paidFen, 300_00, 'paid in all: 100.00 + 200.00')
  const flags = await s.flags()
  t.ok(flags.some((f) => f.workerId === w0.workerId && f.kind === 'SHORTFALL'), '张伟 is still short 100.00')
  t.notOk(flags.some((f) => f.workerId === w1.workerId), '李娜 is paid in full')
})

t.test('two lines of one answer paying one card the same amount the same day are two payments', async (t) => {
  // Two workers sharing a card (一卡多人), each paid 100.00: SHARED_CARD's business, not a repeated line.
  const s = await setUp(t, 7302, () => 100_00)
  const [w0] = s.workers as [(typeof s.workers)[number]]
  const line = { card: w0.cardNo, name: w0.workerName, yuan: '100.00', sts: 'S' }
  const stored = await s.post(answer([line, line]))
  t.match(stored, { outcome: 'payout_file_stored', file: { successCount: 2 } })
  const refs = (await s.linesOf(stored.file.id)).map((l) => l.bankRef)
  t.equal(new Set(refs).size, 2, 'two references')
  t.ok(refs[1]?.endsWith('#2'), 'the second told apart by its order')
})
