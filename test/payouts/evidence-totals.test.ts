/**
 * Totals the bank states hold the amounts taken from our instruction (found by review): a camt batch entry whose
 * transactions state no amount, and a pain.002 level with a control sum whose transactions do not restate theirs,
 * are refused when our instruction's amounts do not add up to what the bank says left the account; and one line
 * carries at most ¥1,000,000.00 whatever the format (amount_too_large), as the delimited layout always refused.
 */
import t from 'tap'
import { failure } from '../helpers/server.ts'
import { camt054, setUp } from './helpers/instructed-site.ts'

const batchEntry = (s: Awaited<ReturnType<typeof setUp>>, amount: string, ref: string): string => {
  const tx = (i: number) => `<TxDtls><Refs><EndToEndId>${s.e2eOf(i)}</EndToEndId></Refs><RltdPties><CdtrAcct><Id><Othr><Id>${s.workers[i]!.cardNo}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls>`
  return `<Ntry><Amt Ccy="CNY">${amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-10</Dt></BookgDt><AcctSvcrRef>${ref}</AcctSvcrRef><NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>${tx(0)}${tx(1)}</NtryDtls></Ntry>`
}

const pain002 = (s: Awaited<ReturnType<typeof setUp>>, ctrlSum: string, msgId: string): string => {
  const tx = (i: number) => `<TxInfAndSts><OrgnlEndToEndId>${s.e2eOf(i)}</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>`
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt><GrpHdr><MsgId>${msgId}</MsgId><CreDtTm>2026-11-10T18:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>${s.instruction.msgId}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><OrgnlNbOfTxs>2</OrgnlNbOfTxs><OrgnlCtrlSum>${ctrlSum}</OrgnlCtrlSum></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>PI-${msgId}</OrgnlPmtInfId><OrgnlNbOfTxs>2</OrgnlNbOfTxs><OrgnlCtrlSum>${ctrlSum}</OrgnlCtrlSum>${tx(0)}${tx(1)}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`
}

t.test('a camt batch without amounts per transaction must add up to its entry', async (t) => {
  const s = await setUp(t, 7101)
  t.match(
    await failure(s.post(camt054('C54-SHORT', s.account, batchEntry(s, '1.00', 'BK-SHORT')))),
    { status: 422, code: 'payout_file_invalid', details: { errors: [{ line: 0, field: 'Ntry[1]/Amt', code: 'batch_sum_mismatch', message: /states 1\.00 yuan; its 2 payments.*add up to 300\.00/ }] } },
    'an entry of 1.00 booking two instructed payments of 100.00 and 200.00: refused',
  )
  const ok = await s.post(camt054('C54-FULL', s.account, batchEntry(s, '300.00', 'BK-FULL')))
  t.match(ok, { outcome: 'payout_file_stored', file: { successCount: 2, successFen: 300_00 } }, 'the entry of 300.00: stored')
})

t.test("a pain.002 level's control sum holds the amounts taken from the instruction", async (t) => {
  const s = await setUp(t, 7102)
  t.match(
    await failure(s.post(pain002(s, '1.00', 'P2-SHORT'))),
    { status: 422, code: 'payout_file_invalid', details: { errors: [{ line: 0, code: 'control_sum_mismatch', message: /states 1\.00 yuan/ }] } },
    'OrgnlCtrlSum 1.00 against 300.00 instructed: refused',
  )
  t.match(await s.post(pain002(s, '300.00', 'P2-FULL')), { outcome: 'payout_file_stored', file: { successCount: 2, successFen: 300_00 } }, 'OrgnlCtrlSum 300.00: stored')
})

t.test('one line carries at most ¥1,000,000.00 in every format', async (t) => {
  const s = await setUp(t, 7201)
  const card = s.workers[0]!.cardNo
  const camt = camt054(
    'C54-BIG',
    s.account,
    `<Ntry><Amt Ccy="CNY">5000000.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-10</Dt></BookgDt><AcctSvcrRef>BK-BIG</AcctSvcrRef><NtryDtls><TxDtls><Amt Ccy="CNY">5000000.00</Amt><RltdPties><Cdtr><Pty><Nm>张伟</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`,
  )
  const pain = `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>P-BIG</MsgId><CreDtTm>2026-11-10T18:00:00</CreDtTm></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>O-BIG</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>PI-BIG</OrgnlPmtInfId><TxInfAndSts><TxSts>ACSC</TxSts><AcctSvcrRef>PB-BIG</AcctSvcrRef><OrgnlTxRef><Amt><InstdAmt Ccy="CNY">5000000.00</InstdAmt></Amt><Cdtr><Nm>张伟</Nm></Cdtr><CdtrAcct><Id><Othr><Id>${card}</Id></Othr></Id></CdtrAcct></OrgnlTxRef></TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>`
  const cmb = `<?xml version="1.0" encoding = "UTF-8"?> <CMBSDKPGK><INFO><FUNNAM>GetAgentDetail</FUNNAM><DATTYP>2</DATTYP><RETCOD>0</RETCOD><ERRMSG></ERRMSG></INFO><NTQATDQYZ><ACCNBR>${card}</ACCNBR><CLTNAM>张伟</CLTNAM><TRSAMT>5000000.00</TRSAMT><STSCOD>S</STSCOD><TRSDAT>20261110</TRSDAT><REQNBR>BIG1</REQNBR><TRXSEQ>1</TRXSEQ></NTQATDQYZ></CMBSDKPGK>`
  for (const [format, body] of [
    ['camt.054', camt],
    ['pain.002', pain],
    ['CMB 代发', cmb],
  ] as const) {
    t.match(await failure(s.post(body)), { status: 422, code: 'payout_file_invalid', details: { errors: [{ code: 'amount_too_large', message: /5,?000,?000\.00 yuan is more than one payment line may carry/ }] } }, `${format}: amount_too_large`)
  }
})
