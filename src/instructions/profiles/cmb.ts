/**
 * China Merchants Bank (招商银行) agency payment (代发), the fields of its firm-bank direct connect (银企直联) request
 * NTAGCAPY, laid out as a text file: one batch line as NTAGCAGCX1 has it, then one line per payee as NTAGCDTLY1.
 *
 * Where the fields come from (the field lists kept beside the test samples, from the MIT-licensed CMBFirmBankSDK and
 * the Apache-2.0 go-cmb): the batch carries YURREF (业务参考号, ours, unique per batch), ACCNBR (the paying account),
 * CCYNBR 10 (人民币), TRSTYP BYBC (the 代发 business type of the sample request), NUSAGE (用途), TTLCNT / TTLAMT (总笔数
 * / 总金额) and EPTDAT (期望日期, YYYYMMDD); a payee line carries TRXSEQ (8 digits, 00000001…), ACCNBR (账号), ACCNAM
 * (户名), TRSAMT (金额) and BNKFLG (Y in the sample, whose payee account is CMB's; this layout writes the card's bank instead); CMB's per-payee answers (GetAgentDetail, BB6BPDQY)
 * also carry TRSDSP (注释), written here as the memo, and the card's bank (开户行) is written last for other banks'
 * cards. The API's paging fields (BEGTAG/ENDTAG, TTLNUM, CURAMT/CURCNT: one batch sent as several requests) have no
 * place in a file, which carries the whole batch at once.
 *
 * CMB has no per-line reference of ours: its answers name a line by batch (REQNBR) and TRXSEQ only, so this layout has
 * no reference column and a result is matched by TRXSEQ, which is the line's place in the file. The delimiter and the
 * line layout are ours (the samples are the XML interface, not a file template); amounts are written with two
 * decimals, as CMB's answers write them ("168.00"; the sample request writes "100").
 */
import type { AgencyFileProfile } from '../agency-file.ts'

export const CMB_AGENCY_PROFILE: AgencyFileProfile = {
  id: 'cmb-ntagcapy',
  description: '招商银行 代发 (银企直联 NTAGCAPY fields: NTAGCAGCX1 batch line, NTAGCDTLY1 payee lines)',
  delimiter: ',',
  newline: '\r\n',
  summary: {
    at: 'first_line',
    fields: [
      { kind: 'batch_ref' }, // YURREF 业务参考号
      { kind: 'debtor_account' }, // ACCNBR 付款账号 (the dedicated account)
      { kind: 'text', text: '10' }, // CCYNBR 币种: 10 = 人民币
      { kind: 'text', text: 'BYBC' }, // TRSTYP 交易类型, as in the sample 代发 request
      { kind: 'text', text: '代发工资' }, // NUSAGE 用途
      { kind: 'count' }, // TTLCNT 总笔数
      { kind: 'total' }, // TTLAMT 总金额
      { kind: 'execution_date', format: 'YYYYMMDD' }, // EPTDAT 期望日期
    ],
  },
  columnTitles: false,
  columns: [
    { column: 'seq', title: 'TRXSEQ' },
    { column: 'card_no', title: 'ACCNBR' },
    { column: 'worker_name', title: 'ACCNAM' },
    { column: 'amount', title: 'TRSAMT' },
    { column: 'memo', title: 'TRSDSP' },
    { column: 'card_bank_name', title: '开户行' },
  ],
  seqDigits: 8,
  // What the worker's statement shows; CMB's refund answer (NTAGDRFD) shows TXTCLT 工资.
  memoTemplate: '{year}年{monthOfYear}月工资',
  // Per-line status codes of CMB's answers: NTAGDINF (A/C/E/I/S), GetAgentDetail (S/F/C/I), the push notice (E/A/S).
  statusCodes: [
    { code: 'S', meaning: '成功', status: 'success' },
    { code: 'E', meaning: '失败', status: 'failed' },
    { code: 'F', meaning: '失败', status: 'failed' },
    // Cancelled means not paid: the worker-month is re-instructed as a new attempt, like a failure.
    { code: 'C', meaning: '撤消/取消', status: 'failed' },
    { code: 'A', meaning: '待处理/登记', status: 'pending' },
    { code: 'I', meaning: '待复核/数据录入', status: 'pending' },
  ],
}
