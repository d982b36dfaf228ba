/**
 * The CMB 银企直联 代发 format against the real answers copied from shared/samples/bank into test/payouts/fixtures/bank (cmb-yqzl.*.xml, each with its .origin)
 * and synthetic files in their shape: the 前置机 XML in UTF-8 and GBK, the JSON API's BB6BPDQY answer and the push
 * notice; statuses by the module's table, returns linked to the line they undo, counts and sums held against the
 * lines, and every refusal with its code.
 */
import { readFileSync } from 'node:fs'
import iconv from 'iconv-lite'
import t from 'tap'
import { EVIDENCE_ERRORS_MAX, EVIDENCE_LINES_MAX, type EvidenceParse } from '../../../src/payouts/formats/evidence.ts'
import { cmbAgencyFormat, type CmbPaymentEvidence } from '../../../src/payouts/formats/cmb/index.ts'
import { detectFormat } from '../../../src/payouts/formats/index.ts'

const SAMPLES = new URL('../fixtures/bank/', import.meta.url)
const sample = (name: string): Buffer => readFileSync(new URL(name, SAMPLES))
const parse = (bytes: Buffer): EvidenceParse => cmbAgencyFormat.parse(bytes, {})
const codes = (r: EvidenceParse): string[] => r.errors.map((e) => e.code)
const lines = (r: EvidenceParse): CmbPaymentEvidence[] => (r.file?.lines ?? []) as CmbPaymentEvidence[]

type Fields = Record<string, string>
interface XmlFile {
  funnam?: string
  retcod?: string | null
  errmsg?: string
  batches?: Fields[]
  lines?: Fields[]
  lineTag?: string
  next?: Fields
  encoding?: 'UTF-8' | 'GBK'
  extra?: string
}
const element = (tag: string, f: Fields): string => `<${tag}>${Object.entries(f).map(([k, v]) => `<${k}>${v}</${k}>`).join(' ')}</${tag}>`
/** A 前置机 answer as CMB lays it out: the declaration, INFO, then the records. */
function xml(o: XmlFile): Buffer {
  const encoding = o.encoding ?? 'UTF-8'
  const retcod = o.retcod === undefined ? '<RETCOD>0</RETCOD>' : o.retcod === null ? '' : `<RETCOD>${o.retcod}</RETCOD>`
  const text =
    `<?xml version="1.0" encoding = "${encoding}"?> <CMBSDKPGK>\n<INFO><DATTYP>2</DATTYP> <ERRMSG>${o.errmsg ?? ''}</ERRMSG> <FUNNAM>${o.funnam ?? 'NTAGDINF'}</FUNNAM> <LGNNAM>PAY1</LGNNAM> ${retcod}</INFO>\n` +
    (o.batches ?? []).map((b) => element('NTAGCINQZ', b)).join('\n') +
    (o.lines ?? []).map((l) => element(o.lineTag ?? 'NTAGCDTLY1', l)).join('\n') +
    (o.next === undefined ? '' : element('NTAGDINFY1', o.next)) +
    (o.extra ?? '') +
    '\n</CMBSDKPGK>'
  return encoding === 'GBK' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8')
}
const BATCH: Fields = { ACCNBR: '755900008010306', BUSCOD: 'N03020', CCYNBR: '10', REQNBR: '0001153882', REQSTA: 'FIN', RTNFLG: 'S', TRSNUM: '000003', TOTAMT: '4668.50', SUCNUM: '000002', SUCAMT: '4500.50', YURREF: 'WL202612-T01' }
const LINES: Fields[] = [
  { TRXSEQ: '00000001', ACCNBR: '6222020200112233445', ACCNAM: '张伟', TRSAMT: '4500.00', STSCOD: 'S', TRSDAT: '20261210' },
  { TRXSEQ: '00000002', ACCNBR: '6222020200112233446', ACCNAM: '欧阳娜', TRSAMT: '168.00', STSCOD: 'E', ERRCOD: 'CMB1003', ERRDSP: '客户名失配' },
  { TRXSEQ: '00000003', ACCNBR: '6217 0000 1111 2222 333', ACCNAM: '李&amp;敏', TRSAMT: '0.50', STSCOD: 'S', TRSDAT: '20261211' },
]

t.test('GetAgentDetail (NTQATDQYZ) real sample: one failed line, reason split into code and words', async (t) => {
  const r = parse(sample('cmb-yqzl.GetAgentDetail-NTQATDQYZ.response.xml'))
  t.same(r.errors, [])
  t.equal(r.file?.format, 'cmb-agency')
  t.equal(r.file?.variant, 'GetAgentDetail')
  t.same(lines(r), [
    {
      lineNo: 1,
      status: 'rejected',
      payeeCard: '9555507559999028',
      payeeName: '测试',
      amountFen: 450_000,
      currency: 'CNY',
      endToEndId: null,
      paymentInfoId: null,
      // The answer names neither the batch nor the line, nor a date: card and amount alone would be one reference for a
      // fixed wage paid every month, so none is given (the file's own is used).
      bankRef: null,
      uetr: null,
      bookingDate: null,
      valueDate: null,
      reasonCode: 'CMB1003',
      reasonText: '客户名失配',
      payerAccountNo: null,
      returnOf: null,
      trxseq: null,
    },
  ])
})

t.test('NTAGDRFD (NTAGDRFDZ1) real sample: a return naming the batch and line it undoes', async (t) => {
  const r = parse(sample('cmb-yqzl.NTAGDRFD-NTAGDRFDZ1.response.xml'))
  t.same(r.errors, [])
  t.equal(r.file?.variant, 'NTAGDRFD')
  t.match(lines(r), [
    {
      status: 'returned',
      payeeCard: '6225885910000108',
      payeeName: 'Judy Zeng',
      amountFen: 3,
      paymentInfoId: 'TEST201501290925',
      bankRef: '0030899420/00000001/RTN',
      bookingDate: '2020-06-01',
      valueDate: '2020-06-01',
      reasonCode: '002',
      reasonText: '账号、户名不符',
      returnOf: { endToEndId: null, bankRef: '0030899420/00000001' },
      trxseq: '00000001',
    },
  ])
})

t.test('NTAGCINN (NTAGCINQZ) real sample: a batch summary, no payee lines, counted as ignored', async (t) => {
  const r = parse(sample('cmb-yqzl.NTAGCINN-NTAGCINQZ.response.xml'))
  t.same(r.errors, [])
  t.equal(r.file?.accountNo, '769900038310611')
  t.same(r.file?.lines, [])
  t.same(r.file?.ignored, { count: 1, reasons: { batch_summary_without_lines: 1 } })
})

t.test('NTAGDINF (NTAGCDTLY1) real sample: a line without a status is refused, not guessed', async (t) => {
  const r = parse(sample('cmb-yqzl.NTAGDINF-NTAGCDTLY1.response.xml'))
  t.equal(r.file, undefined)
  t.match(r.errors, [{ lineNo: 1, field: 'NTAGCDTLY1/STSCOD', code: 'status_missing' }])
})

t.test('NTAGCAPY real sample: a request is no result', async (t) => {
  const r = parse(sample('cmb-yqzl.NTAGCAPY.request.xml'))
  t.equal(r.file, undefined)
  t.match(r.errors, [{ code: 'request_not_result', message: /request to the bank.*NTAGCAPY/ }])
  t.same(codes(parse(xml({ funnam: 'NTAGCAPY' }))), ['request_not_result'], "the bank's acknowledgement of a submission is no result either")
})

t.test('detect: the CMB root or the JSON API records, nothing else', async (t) => {
  for (const name of ['cmb-yqzl.GetAgentDetail-NTQATDQYZ.response.xml', 'cmb-yqzl.NTAGDRFD-NTAGDRFDZ1.response.xml', 'cmb-yqzl.NTAGCAPY.request.xml']) {
    t.ok(cmbAgencyFormat.detect(sample(name).toString('utf8')), name)
  }
  t.ok(cmbAgencyFormat.detect('{"response":{"head":{},"body":{"bb6bpdqyz1":[]}}}'))
  t.ok(cmbAgencyFormat.detect('{"msgtyp":"NCDRSLT","msgdat":{"agcInfo":{}}}'))
  t.notOk(cmbAgencyFormat.detect(sample('iso20022.pain.002.001.03.accepted-and-rejected-payments.xml').toString('utf8')))
  t.notOk(cmbAgencyFormat.detect(sample('iso20022.camt054.v2.xml').toString('utf8')))
  t.notOk(cmbAgencyFormat.detect('seq,card,name,amount\n1,6222,张伟,1.00\n'))
  t.notOk(cmbAgencyFormat.detect('{"a":1}'))
})

t.test('the registry detects CMB answers, in UTF-8 and GBK, XML and JSON', async (t) => {
  for (const name of ['cmb-yqzl.GetAgentDetail-NTQATDQYZ.response.xml', 'cmb-yqzl.NTAGCINN-NTAGCINQZ.response.xml', 'cmb-yqzl.NTAGDINF-NTAGCDTLY1.response.xml', 'cmb-yqzl.NTAGDRFD-NTAGDRFDZ1.response.xml']) {
    t.equal(detectFormat(sample(name))?.name, 'cmb-agency', name)
  }
  t.equal(detectFormat(xml({ encoding: 'GBK', batches: [BATCH], lines: LINES }))?.name, 'cmb-agency')
  t.equal(detectFormat(Buffer.from('{"msgtyp":"NCDRSLT","msgdat":{"agcInfo":{},"detailInfo":[]}}'))?.name, 'cmb-agency')
})

t.test('a batch with its lines: statuses, references, the batch reference and account, counts and sums agree', async (t) => {
  for (const encoding of ['UTF-8', 'GBK'] as const) {
    const r = parse(xml({ encoding, batches: [BATCH], lines: LINES }))
    t.same(r.errors, [], encoding)
    t.equal(r.file?.accountNo, '755900008010306')
    t.same(
      lines(r).map((l) => [l.status, l.payeeCard, l.payeeName, l.amountFen, l.bankRef, l.paymentInfoId, l.payerAccountNo, l.bookingDate, l.reasonCode, l.reasonText, l.trxseq]),
      [
        ['booked', '6222020200112233445', '张伟', 450_000, '0001153882/00000001', 'WL202612-T01', '755900008010306', '2026-12-10', null, null, '00000001'],
        ['rejected', '6222020200112233446', '欧阳娜', 16_800, '0001153882/00000002', 'WL202612-T01', '755900008010306', null, 'CMB1003', '客户名失配', '00000002'],
        ['booked', '6217000011112222333', '李&敏', 50, '0001153882/00000003', 'WL202612-T01', '755900008010306', '2026-12-11', null, null, '00000003'],
      ],
      encoding,
    )
  }
})

t.test('unknown elements and fields are ignored; known ones decide', async (t) => {
  const r = parse(xml({ batches: [{ ...BATCH, RSV62Z: 'x', NEWFLD: 'y' }], lines: LINES.map((l) => ({ ...l, CPRREF: 'abc', FSTFLG: 'Y' })), extra: '<NTNEWRECZ><A>1</A><B><C>2</C></B></NTNEWRECZ>' }))
  t.same(r.errors, [])
  t.equal(r.file?.lines.length, 3)
})

t.test('encodings: the declaration is honoured, bytes that contradict it refuse the file', async (t) => {
  const gbkAsUtf8 = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><CMBSDKPGK><INFO><FUNNAM>NTAGDINF</FUNNAM><RETCOD>0</RETCOD></INFO><NTAGCDTLY1><ACCNAM>'), iconv.encode('张伟', 'gbk'), Buffer.from('</ACCNAM></NTAGCDTLY1></CMBSDKPGK>')])
  t.same(codes(parse(gbkAsUtf8)), ['encoding_mismatch'], 'GBK bytes labelled UTF-8')
  const utf8AsGbk = Buffer.from(xml({ batches: [BATCH], lines: LINES }).toString('utf8').replace('encoding = "UTF-8"', 'encoding = "GBK"'))
  t.same(codes(parse(utf8AsGbk)), ['encoding_mismatch'], 'UTF-8 bytes labelled GBK')
  const broken = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="GBK"?>\n<CMBSDKPGK>\n<INFO><ACCNAM>'), Buffer.from([0xd5, 0x20, 0xff, 0xff]), Buffer.from('</ACCNAM></INFO></CMBSDKPGK>')])
  t.match(parse(broken).errors, [{ code: 'encoding_invalid', lineNo: 3 }], 'invalid GBK, with the line it is on')
  t.same(codes(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), xml({ batches: [BATCH], lines: LINES })]))), [], 'a BOM on UTF-8 is allowed')
  t.same(codes(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), xml({ encoding: 'GBK', batches: [BATCH], lines: LINES })]))), ['encoding_mismatch'], 'a UTF-8 BOM on a GBK file')
  t.same(codes(parse(Buffer.from(xml({ lines: LINES }).toString('utf8').replace('UTF-8', 'ISO-8859-1')))), ['encoding_unsupported'])
  const gb18030 = Buffer.from(iconv.encode(xml({ lines: LINES }).toString('utf8').replace('UTF-8', 'GB18030'), 'gb18030'))
  t.same(codes(parse(gb18030)), [])
})

t.test('envelope: RETCOD not 0 refuses with the bank message; FUNNAM must be a 代发 result', async (t) => {
  const r = parse(xml({ retcod: '-9', errmsg: '账号6222020200112233445无权限' }))
  t.match(r.errors, [{ code: 'bank_error', field: 'INFO/RETCOD', message: /RETCOD -9.*无权限/ }])
  t.notMatch(r.errors[0]?.message ?? '', /6222020200112233445/, 'a card quoted by the bank is masked')
  t.same(codes(parse(xml({ funnam: 'GetTransInfo' }))), ['function_unknown'])
  t.same(codes(parse(xml({ funnam: 'NTAGDINF', retcod: null }))), ['request_not_result'])
  t.same(codes(parse(Buffer.from('<?xml version="1.0"?><Document><CstmrPmtStsRpt/></Document>'))), ['not_cmb'])
  t.same(codes(parse(Buffer.from('<?xml version="1.0"?><CMBSDKPGK><NTAGCDTLY1/></CMBSDKPGK>'))), ['envelope_invalid'])
  t.same(codes(parse(Buffer.alloc(0))), ['file_empty'])
  t.same(codes(parse(Buffer.from('hello'))), ['not_cmb'])
  const whole = xml({ batches: [BATCH], lines: LINES })
  t.same(codes(parse(whole.subarray(0, whole.length - 40))), ['xml_invalid'], 'a truncated file')
})

t.test('status codes: the record’s column only; unknown codes named, never guessed', async (t) => {
  const with1 = (f: Fields, tag = 'NTAGCDTLY1') => parse(xml({ lines: [{ ...LINES[0], ...f }], lineTag: tag }))
  t.same(lines(with1({ STSCOD: 'A' })).map((l) => l.status), ['pending'])
  t.same(lines(with1({ STSCOD: 'I' })).map((l) => l.status), ['pending'])
  t.same(lines(with1({ STSCOD: 'C' })).map((l) => [l.status, l.reasonText]), [['rejected', '取消']], 'cancelled: not paid, and said so')
  t.match(with1({ STSCOD: 'X' }).errors, [{ code: 'status_unknown', message: /"X"/ }])
  t.same(codes(with1({ STSCOD: 'F' })), ['status_unknown'], 'F is GetAgentDetail’s, not NTAGDINF’s')
  t.same(lines(with1({ STSCOD: 'F' }, 'NTQATDQYZ')).map((l) => l.status), ['rejected'])
  t.same(codes(with1({ STSCOD: 'E' }, 'NTQATDQYZ')), ['status_unknown'])
  t.same(codes(parse(xml({ batches: [{ ...BATCH, RTNFLG: 'Q' }] }))), ['status_unknown'])
  t.same(codes(parse(xml({ batches: [{ ...BATCH, REQSTA: 'ZZZ' }] }))), ['status_unknown'])
  t.same(codes(parse(xml({ batches: [{ ...BATCH, RTNFLG: '' }] }))), ['status_missing'], 'finished without a result')
})

t.test('the batch’s result over its lines', async (t) => {
  const cancelled = parse(xml({ batches: [{ ...BATCH, RTNFLG: 'C', ERRDSP: '经办撤销', SUCNUM: '0', SUCAMT: '0.00' }], lines: LINES.map((l) => ({ ...l, STSCOD: 'A' })) }))
  t.same(cancelled.errors, [])
  t.same(lines(cancelled).map((l) => [l.status, l.reasonText]), [
    ['rejected', '批次撤销：经办撤销'],
    ['rejected', '批次撤销：经办撤销'],
    ['rejected', '批次撤销：经办撤销'],
  ])
  const contradiction = parse(xml({ batches: [{ ...BATCH, RTNFLG: 'F' }], lines: LINES }))
  t.same(codes(contradiction), ['status_contradiction', 'status_contradiction'], 'paid lines in a failed batch')
  const stillPending = parse(xml({ batches: [BATCH], lines: [LINES[0]!, { ...LINES[1]!, STSCOD: 'A' }, LINES[2]!] }))
  t.same(codes(stillPending), ['status_contradiction'], 'a finished batch has no line waiting')
  const running = parse(xml({ batches: [{ ...BATCH, REQSTA: 'BNK', RTNFLG: '', SUCNUM: '1', SUCAMT: '4500.00' }], lines: [LINES[0]!, { ...LINES[1]!, STSCOD: 'A' }, { ...LINES[2]!, STSCOD: 'A' }] }))
  t.same(codes(running), [], 'a batch still at the bank')
  t.same(lines(running).map((l) => l.status), ['booked', 'pending', 'pending'])
})

t.test('counts and sums against the lines: every disagreement listed', async (t) => {
  const r = parse(xml({ batches: [{ ...BATCH, TRSNUM: '4', TOTAMT: '4668.51', SUCNUM: '1', SUCAMT: '4500.00' }], lines: LINES }))
  t.equal(r.file, undefined)
  t.same(
    r.errors.map((e) => [e.field, e.code]),
    [
      ['NTAGCINQZ/TRSNUM', 'count_mismatch'],
      ['NTAGCINQZ/TOTAMT', 'total_mismatch'],
      ['NTAGCINQZ/SUCNUM', 'count_mismatch'],
      ['NTAGCINQZ/SUCAMT', 'total_mismatch'],
    ],
  )
  t.match(r.errors[1]?.message, /4668\.51.*4668\.50/)
  const page = parse(xml({ batches: [{ ...BATCH, TRSNUM: '1500' }], lines: LINES, next: { REQNBR: '0001153882', BTHNBR: '0000000001', TRXSEQ: '00000004' } }))
  t.same(page.errors, [], 'one page of a longer batch: its totals are the batch’s, not the page’s')
  t.same(lines(parse(xml({ lines: LINES, next: { REQNBR: '0001153882', BTHNBR: '1', TRXSEQ: '4' } }))).map((l) => l.bankRef), ['0001153882/00000001', '0001153882/00000002', '0001153882/00000003'], 'the batch named by the next-page key')
  t.same(codes(parse(xml({ batches: [{ ...BATCH, SUCNUM: '5' }] }))), ['count_mismatch'], 'more paid than sent')
  t.same(codes(parse(xml({ batches: [BATCH, { ...BATCH, REQNBR: '0001153883' }], lines: LINES }))), ['batch_ambiguous'])
})

t.test('fields: amounts exact, cards masked, dates, line numbers, duplicates, 代扣', async (t) => {
  const one = (f: Fields) => parse(xml({ lines: [{ ...LINES[0], ...f }] }))
  t.same(lines(one({ TRSAMT: '168.000' })).map((l) => l.amountFen), [16_800], 'zeros past the fen')
  t.same(lines(one({ TRSAMT: '0.29' })).map((l) => l.amountFen), [29])
  t.same(lines(one({ TRSAMT: '100' })).map((l) => l.amountFen), [10_000], 'no decimals, as the request writes it')
  t.match(one({ TRSAMT: '168.005' }).errors, [{ code: 'amount_invalid', field: 'NTAGCDTLY1/TRSAMT', message: /more than two decimals/ }])
  t.same(codes(one({ TRSAMT: '1e2' })), ['amount_invalid'])
  t.same(codes(one({ TRSAMT: '-5.00' })), ['amount_invalid'])
  t.same(codes(one({ TRSAMT: '0.00' })), ['amount_zero'])
  t.same(codes(one({ TRSAMT: '' })), ['amount_missing'])
  const card = one({ ACCNBR: '6222O20200112233445' })
  t.same(codes(card), ['card_invalid'])
  t.notMatch(card.errors[0]?.message ?? '', /6222O2020011/, 'the card is masked in the message')
  t.same(codes(one({ ACCNBR: '' })), ['card_missing'])
  t.same(codes(one({ TRSDAT: '20261332' })), ['date_invalid'])
  t.same(lines(one({ TRXSEQ: '7' })).map((l) => l.trxseq), ['00000007'], 'the place in the batch as 8 digits')
  t.same(codes(one({ TRXSEQ: '' })), ['seq_missing'])
  t.same(codes(one({ TRXSEQ: 'A1' })), ['seq_invalid'])
  t.same(codes(one({ LGRAMT: '4500.00' })), ['not_agency_payment'])
  t.same(codes(parse(xml({ lines: [LINES[0]!, { ...LINES[1]!, TRXSEQ: '1' }] }))), ['line_duplicate'])
  t.same(codes(parse(xml({ lines: [LINES[0]!], extra: '<NTAGCDTLY1><TRXSEQ>2</TRXSEQ><TRXSEQ>3</TRXSEQ></NTAGCDTLY1>' }))), ['field_repeated'])
  t.same(codes(parse(xml({ batches: [{ ...BATCH, CCYNBR: '32' }] }))), ['currency_unsupported'])
  const many = parse(xml({ lines: [{ ...LINES[0], TRSAMT: 'x' }, { ...LINES[1], STSCOD: '?' }, { ...LINES[2], ACCNBR: '12' }] }))
  t.same(many.errors.map((e) => [e.lineNo, e.code]), [
    [1, 'amount_invalid'],
    [2, 'status_unknown'],
    [3, 'card_invalid'],
  ], 'every fault, with its line')
})

t.test('returns: linked to the line they undo; a code whose meaning is unknown refuses', async (t) => {
  const paid = parse(xml({ batches: [BATCH], lines: LINES }))
  const ret = (f: Fields) => parse(xml({ funnam: 'NTAGDRFD', lineTag: 'NTAGDRFDZ1', lines: [{ REQNBR: '0001153882', BTHDTL: '00000003', EACNBR: '62170000111122223333', EACNAM: '李敏', TRSAMT: '0.50', TRSDAT: '20261220', STSCOD: 'E', RTNCOD: '002', RTNTXT: '账号、户名不符', YURREF: 'WL202612-T01', ...f }] }))
  const back = lines(ret({}))
  t.equal(back.length, 1)
  t.equal(back[0]?.returnOf?.bankRef, lines(paid)[2]?.bankRef, 'the return names the paid line by its bank reference')
  t.not(back[0]?.bankRef, lines(paid)[2]?.bankRef, 'and has its own')
  t.same(lines(ret({ STSCOD: '' })).map((l) => l.status), ['returned'], 'a return without a status is a return')
  t.same(lines(ret({ TRSAMT: '-0.50' })).map((l) => l.amountFen), [50], 'a signed amount, unsigned')
  t.match(ret({ STSCOD: 'S' }).errors, [{ code: 'status_unknown', message: /"S"/ }])
  t.same(lines(ret({ REQNBR: '' })).map((l) => l.returnOf), [{ endToEndId: null, bankRef: null }], 'what the bank does not say stays null')
  const none = parse(xml({ funnam: 'NTAGDRFD' }))
  t.same([none.errors, none.file?.lines, none.file?.ignored], [[], [], { count: 0, reasons: {} }], 'no returns in the period: an answer with nothing in it')
  const twice = parse(xml({ funnam: 'NTAGDRFD', lineTag: 'NTAGDRFDZ1', lines: [{ REQNBR: '1', BTHDTL: '1', EACNBR: '62170000111122223333', TRSAMT: '1' }, { REQNBR: '1', BTHDTL: '00000001', EACNBR: '62170000111122223333', TRSAMT: '1' }] }))
  t.same(codes(twice), ['line_duplicate'])
})

t.test('limits: lines and listed faults', async (t) => {
  const bad = Array.from({ length: EVIDENCE_ERRORS_MAX + 200 }, (_, i) => ({ ...LINES[0], TRXSEQ: String(i + 1), TRSAMT: 'x' }))
  const r = parse(xml({ lines: bad }))
  t.equal(r.errors.length, EVIDENCE_ERRORS_MAX)
  t.equal(r.errors.at(-1)?.code, 'too_many_errors')
  const line = element('NTAGCDTLY1', { TRXSEQ: '1', ACCNBR: '6222020200112233445', TRSAMT: '1.00', STSCOD: 'S' })
  const huge = Buffer.from(`<?xml version="1.0"?><CMBSDKPGK><INFO><FUNNAM>NTAGDINF</FUNNAM><RETCOD>0</RETCOD></INFO>${line.repeat(EVIDENCE_LINES_MAX + 1)}</CMBSDKPGK>`)
  t.same(codes(parse(huge)), ['too_many_lines'])
})

/** The JSON API's BB6BPDQY answer. */
const bb6 = (batch: Record<string, unknown>[], details: Record<string, unknown>[], head: Record<string, unknown> = { funcode: 'BB6BPDQY', resultcode: 'SUC0000', resultmsg: '' }): Buffer =>
  Buffer.from(JSON.stringify({ response: { head, body: { bb6bpdqyz1: batch, bb6bpdqyz2: details } } }))
const lower = (f: Fields): Record<string, string> => Object.fromEntries(Object.entries(f).map(([k, v]) => [k.toLowerCase(), v]))

t.test('JSON API BB6BPDQY: the same records, lower case', async (t) => {
  const r = parse(bb6([lower(BATCH)], LINES.map((l) => ({ ...lower(l), accnam: l.ACCNAM?.replace('&amp;', '&'), bthnbr: 'B1' }))))
  t.same(r.errors, [])
  t.equal(r.file?.variant, 'BB6BPDQY')
  t.same(lines(r).map((l) => [l.status, l.amountFen, l.bankRef, l.paymentInfoId]), [
    ['booked', 450_000, '0001153882/00000001', 'WL202612-T01'],
    ['rejected', 16_800, '0001153882/00000002', 'WL202612-T01'],
    ['booked', 50, '0001153882/00000003', 'WL202612-T01'],
  ])
  t.same(lines(parse(bb6([], [{ ...lower(LINES[0]!), bthnbr: 'B1' }]))).map((l) => l.bankRef), ['B1/00000001'], 'the line’s batch number when the batch is not given')
  t.match(parse(bb6([], [], { resultcode: 'CSUC001', resultmsg: '无权限' })).errors, [{ code: 'bank_error', message: /CSUC001.*无权限/ }])
  t.same(codes(parse(Buffer.from(JSON.stringify({ response: { head: { resultcode: 'SUC0000' }, body: { other: [] } } })))), ['function_unknown'])
  t.same(codes(parse(bb6([{ ...lower(BATCH), sucamt: '4500.00' }], LINES.map(lower)))), ['total_mismatch'])
  const whole = bb6([lower(BATCH)], LINES.map(lower))
  t.same(codes(parse(whole.subarray(0, whole.length - 5))), ['json_invalid'], 'truncated')
  t.same(codes(parse(iconv.encode(whole.toString('utf8'), 'gbk'))), ['encoding_mismatch'], 'JSON in GBK')
})

t.test('the push notice: numbers read from their text, the batch result over its lines', async (t) => {
  const notice = (agc: string, details: string) => Buffer.from(`{"msgtyp":"NCDRSLT","msgdat":{"agcInfo":${agc},"detailInfo":[${details}]}}`)
  const agc = '{"accnbr":"755900008010306","reqnbr":"0001153882","rtnflg":"S","sucamt":4500.29,"sucnum":1,"totamt":4668.29,"trsnum":2,"yurref":"WL202612-T01"}'
  const details = '{"trxseq":"00000001","accnbr":"6222020200112233445","accnam":"张伟","trsamt":4500.29,"stscod":"S"},{"trxseq":"00000002","accnbr":"6222020200112233446","accnam":"王芳","trsamt":168,"stscod":"E"}'
  const r = parse(notice(agc, details))
  t.same(r.errors, [])
  t.equal(r.file?.variant, 'notice:NCDRSLT')
  t.same(lines(r).map((l) => [l.status, l.amountFen, l.bankRef]), [
    ['booked', 450_029, '0001153882/00000001'],
    ['rejected', 16_800, '0001153882/00000002'],
  ], '4500.29 is 450029 fen, not 450028.99…')
  const wrapped = Buffer.from(JSON.stringify({ notkey: 'k', nottyp: 'NCDRSLT', notdat: notice(agc, details).toString('utf8') }))
  t.same(lines(parse(wrapped)).length, 2, 'inside the notice envelope (notdat)')
  t.same(codes(parse(notice(agc, details.replace('4500.29', '4.50029e3')))), ['amount_invalid'], 'an exponent is no amount')
  t.same(codes(parse(notice(agc, details.replace('"stscod":"E"', '"stscod":"I"')))), ['status_unknown'], 'I is not one the notice gives')
  const expired = parse(notice('{"reqnbr":"0001153882","rtnflg":"D"}', details.replace(/"stscod":"[SE]"/g, '"stscod":"A"')))
  t.same(lines(expired).map((l) => [l.status, l.reasonText]), [
    ['rejected', '批次过期'],
    ['rejected', '批次过期'],
  ])
  t.same(codes(parse(Buffer.from('{"msgtyp":"x","msgdat":{"other":1}}'))), ['not_cmb'])
})
