import { readFileSync } from 'node:fs'
import iconv from 'iconv-lite'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { fen } from '../../src/kernel/money.ts'
import {
  PAYOUT_FILE_ERROR_CODES,
  formatPayoutFile,
  parsePayoutFile,
  type LineError,
  type ParseResult,
  type PayoutFile,
  type PayoutFileLineInput,
} from '../../src/payouts/file-format.ts'

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))

const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'
const LINE = '1|6222020200112345678|张伟|3500.00|success|R1|2024-02-15|'

function utf8(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\n') + '\n', 'utf8')
}

/** Throws rather than asserts so a wrong outcome fails the test with the errors in the message. */
function ok(result: ParseResult): PayoutFile {
  if (!result.ok) throw new Error(`expected the file to parse: ${JSON.stringify(result.errors)}`)
  return result.file
}

function errorsOf(result: ParseResult): LineError[] {
  if (result.ok) throw new Error(`expected the file to be rejected, got ${result.file.lines.length} lines`)
  return result.errors
}

/** [line, code, field] triples: the shape a clerk reads. */
const brief = (errors: LineError[]): Array<[number, string, string | undefined]> => errors.map((e) => [e.line, e.code, e.field])

t.test('fixtures from the field', async (t) => {
  t.test('GBK, Chinese header in its own order, compact dates, spaced cards, trailing delimiter, CRLF, 合计', async (t) => {
    const file = ok(parsePayoutFile(fixture('result-gbk-chinese-header.txt')))
    t.equal(file.encoding, 'gbk')
    t.equal(file.delimiter, '|')
    t.same(
      file.lines.map((l) => [l.lineNo, l.seq, l.payeeCard, l.payeeName, l.amountFen, l.status, l.bankRef, l.valueDate, l.failureReason]),
      [
        [2, 1, '6222020200112345678', '张伟', 350000, 'success', 'ICBC20240215000001', '2024-02-15', null],
        [3, 2, '6217001234567890123', '欧阳娜娜', 421050, 'success', 'ICBC20240215000002', '2024-02-15', null],
        [4, 3, '6228480012345678901', '阿依古丽·买买提', 280000, 'failed', 'ICBC20240215000003', '2024-02-15', '户名不符'],
        // line 5 is blank: numbers stay physical
        [6, 4, '6222020200119876543', '肖战', 15025, 'success', 'ICBC20240216000004', '2024-02-16', null],
      ],
    )
    t.same(file.totals, { lineCount: 4, successCount: 3, successFen: 786075, failedCount: 1, failedFen: 280000 })
  })

  t.test('UTF-8 with BOM, comma-delimited, English header in another order, status in any case', async (t) => {
    const file = ok(parsePayoutFile(fixture('result-utf8-bom-comma.csv')))
    t.equal(file.encoding, 'utf-8')
    t.equal(file.delimiter, ',')
    t.same(
      file.lines.map((l) => [l.seq, l.payeeName, l.status, l.failureReason]),
      [
        [1, '李娜', 'success', null],
        [2, '王芳', 'failed', '账户已冻结'],
      ],
    )
  })

  t.test('a one-line GBK retry file that is also valid UTF-8 is still read as GBK', async (t) => {
    const bytes = fixture('retry-gbk-english-header.txt')
    t.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'the ambiguity is real')
    const file = ok(parsePayoutFile(bytes))
    t.equal(file.encoding, 'gbk')
    t.equal(file.lines[0]?.payeeName, '肖战')
  })

  t.test('a broken file lists every error, in line order, with no line accepted', async (t) => {
    const errors = errorsOf(parsePayoutFile(fixture('result-broken.txt')))
    t.same(brief(errors), [
      [2, 'bad_amount', 'amount'],
      [3, 'duplicate_seq', 'seq'],
      [3, 'bad_card', 'payee_card'],
      [3, 'bad_amount', 'amount'],
      [3, 'bad_status', 'status'],
      [3, 'duplicate_bank_ref', 'bank_ref'],
      [3, 'bad_date', 'value_date'],
      [4, 'bad_card', 'payee_card'],
      [4, 'bad_name', 'payee_name'],
      [4, 'bad_amount', 'amount'],
      [4, 'bad_date', 'value_date'],
      [5, 'wrong_field_count', undefined],
      [6, 'bad_seq', 'seq'],
      [6, 'bad_date', 'value_date'],
      [7, 'misplaced_totals', undefined],
      [8, 'bad_bank_ref', 'bank_ref'],
      // statuses and amounts were unreadable on some lines, so only the line count can be held to account
      [9, 'totals_mismatch', 'line_count'],
    ])
    for (const e of errors) t.ok(PAYOUT_FILE_ERROR_CODES.includes(e.code), e.code)
    const messages = errors.map((e) => e.message).join('\n')
    t.match(messages, /"2024-02-30"/, 'messages quote the offending value')
    t.match(messages, /\*\*\*\*2001/, 'cards are masked to the last four')
    t.notMatch(messages, /62220202001/, 'no full card in any message')
  })
})

t.test('header', async (t) => {
  const cases: Array<[string, string, Array<[number, string, string | undefined]>]> = [
    ['missing column', 'seq|payee_card|payee_name|amount|status|value_date', [[1, 'missing_column', 'bank_ref']]],
    ['unknown column', `${HEADER}|memo`, [[1, 'unknown_column', 'memo']]],
    ['收款人 and 户名 are the same column', 'seq|payee_card|收款人|户名|amount|status|bank_ref|value_date', [[1, 'duplicate_column', 'payee_name']]],
    ['a prototype name is just unknown', 'seq|payee_card|constructor|amount|status|bank_ref|value_date', [[1, 'unknown_column', 'constructor'], [1, 'missing_column', 'payee_name']]],
    ['two delimiters', 'seq|payee_card,payee_name|amount|status|bank_ref|value_date', [[1, 'bad_delimiter', undefined]]],
    ['no delimiter', 'seq payee_card payee_name', [[1, 'bad_delimiter', undefined]]],
  ]
  for (const [name, header, expected] of cases) {
    t.test(name, async (t) => {
      const errors = errorsOf(parsePayoutFile(utf8(header, '1|6222020200112345678|张伟|3500.00|success|R1|2024-02-15')))
      t.same(brief(errors).filter(([line]) => line === 1), expected)
    })
  }

  t.test('English names in any case, Chinese names, any order', async (t) => {
    const file = ok(parsePayoutFile(utf8('入账日期|银行流水号|状态|金额|户名|收款账号|SEQ', '20240215|R1|成功|1.00|张伟|6222020200112345678|7')))
    t.same(file.lines[0], {
      lineNo: 2,
      seq: 7,
      payeeCard: '6222020200112345678',
      payeeName: '张伟',
      amountFen: fen(100),
      status: 'success',
      bankRef: 'R1',
      valueDate: '2024-02-15',
      failureReason: null,
      payerAccountNo: null,
      endToEndId: null,
    })
  })

  t.test('empty file and blank file have no header', async (t) => {
    t.same(brief(errorsOf(parsePayoutFile(Buffer.alloc(0)))), [[0, 'no_header', undefined]])
    t.same(brief(errorsOf(parsePayoutFile(Buffer.from('\r\n  \n\t\n')))), [[0, 'no_header', undefined]])
  })

  t.test('header only has no lines', async (t) => {
    t.same(brief(errorsOf(parsePayoutFile(utf8(HEADER)))), [[0, 'no_lines', undefined]])
    t.same(brief(errorsOf(parsePayoutFile(utf8(HEADER, 'TOTAL|0|0|0.00|0|0.00')))), [[0, 'no_lines', undefined]])
  })
})

t.test('fields', async (t) => {
  const fieldCases: Array<[string, string, string | null]> = [
    // [what, line, error code or null when accepted]
    ['amount one fen', '1|6222020200112345678|张伟|0.01|success|R1|2024-02-15|', null],
    ['amount zero-padded by a fixed-width layout', '1|6222020200112345678|张伟|000003500.00|success|R1|2024-02-15|', null],
    ['amount one decimal', '1|6222020200112345678|张伟|3500.0|success|R1|2024-02-15|', 'bad_amount'],
    ['amount three decimals', '1|6222020200112345678|张伟|3500.005|success|R1|2024-02-15|', 'bad_amount'],
    ['amount zero', '1|6222020200112345678|张伟|0.00|success|R1|2024-02-15|', 'bad_amount'],
    ['amount negative', '1|6222020200112345678|张伟|-1.00|success|R1|2024-02-15|', 'bad_amount'],
    ['amount with thousands separator', '1|6222020200112345678|张伟|3,500.00|success|R1|2024-02-15|', 'bad_amount'],
    ['amount at the per-line maximum', '1|6222020200112345678|张伟|1000000.00|success|R1|2024-02-15|', null],
    ['amount at the maximum, zero-padded', '1|6222020200112345678|张伟|0001000000.00|success|R1|2024-02-15|', null],
    ['amount one fen beyond it', '1|6222020200112345678|张伟|1000000.01|success|R1|2024-02-15|', 'amount_too_large'],
    ['amount of the reported month-locking line', '1|6222020200112345678|张伟|9999999999.99|success|R1|2024-02-15|', 'amount_too_large'],
    ['amount beyond what a fen figure holds', '1|6222020200112345678|张伟|99999999999999999999.99|success|R1|2024-02-15|', 'amount_too_large'],
    ['amount a megabyte of digits', `1|6222020200112345678|张伟|${'9'.repeat(1_000_000)}.00|success|R1|2024-02-15|`, 'amount_too_large'],
    ['card 12 digits', '1|622202020011|张伟|1.00|success|R1|2024-02-15|', null],
    ['card 11 digits', '1|62220202001|张伟|1.00|success|R1|2024-02-15|', 'bad_card'],
    ['card 20 digits', '1|62220202001123456789|张伟|1.00|success|R1|2024-02-15|', 'bad_card'],
    ['card with a dash', '1|6222-0202-0011-2345|张伟|1.00|success|R1|2024-02-15|', 'bad_card'],
    ['card empty', '1||张伟|1.00|success|R1|2024-02-15|', 'bad_card'],
    ['seq zero', '0|6222020200112345678|张伟|1.00|success|R1|2024-02-15|', 'bad_seq'],
    ['seq zero-padded', '0007|6222020200112345678|张伟|1.00|success|R1|2024-02-15|', null],
    ['seq negative', '-1|6222020200112345678|张伟|1.00|success|R1|2024-02-15|', 'bad_seq'],
    ['seq fraction', '1.5|6222020200112345678|张伟|1.00|success|R1|2024-02-15|', 'bad_seq'],
    ['name blank', '1|6222020200112345678|   |1.00|success|R1|2024-02-15|', 'bad_name'],
    ['name at the limit', `1|6222020200112345678|${'张'.repeat(LIMITS.person_name_length_max)}|1.00|success|R1|2024-02-15|`, null],
    ['name over the limit', `1|6222020200112345678|${'张'.repeat(LIMITS.person_name_length_max + 1)}|1.00|success|R1|2024-02-15|`, 'bad_name'],
    ['name limit counts characters, not UTF-16 units', `1|6222020200112345678|${'𠮷'.repeat(LIMITS.person_name_length_max)}|1.00|success|R1|2024-02-15|`, null],
    ['status SUCCESS', '1|6222020200112345678|张伟|1.00|SUCCESS|R1|2024-02-15|', null],
    ['status 成功', '1|6222020200112345678|张伟|1.00|成功|R1|2024-02-15|', null],
    ['status 失败', '1|6222020200112345678|张伟|1.00|失败|R1|2024-02-15|', null],
    ['status pending', '1|6222020200112345678|张伟|1.00|pending|R1|2024-02-15|', 'bad_status'],
    ['bank ref blank', '1|6222020200112345678|张伟|1.00|success| |2024-02-15|', 'bad_bank_ref'],
    ['date leap day', '1|6222020200112345678|张伟|1.00|success|R1|20240229|', null],
    ['date 29 Feb in a common year', '1|6222020200112345678|张伟|1.00|success|R1|20230229|', 'bad_date'],
    ['date month 13', '1|6222020200112345678|张伟|1.00|success|R1|2024-13-01|', 'bad_date'],
    ['date unpadded', '1|6222020200112345678|张伟|1.00|success|R1|2024-2-1|', 'bad_date'],
    ['date with time', '1|6222020200112345678|张伟|1.00|success|R1|2024-02-15 10:00|', 'bad_date'],
    ['one field short', '1|6222020200112345678|张伟|1.00|success|R1|2024-02-15', 'wrong_field_count'],
    ['a delimiter inside a name', '1|6222020200112345678|张|伟|1.00|success|R1|2024-02-15|x', 'wrong_field_count'],
    ['one trailing delimiter after the last field', '1|6222020200112345678|张伟|1.00|failed|R1|2024-02-15|余额不足|', null],
    ['a NUL inside a name', '1|6222020200112345678|张\u0000伟|1.00|success|R1|2024-02-15|', 'control_character'],
    ['a NUL inside a bank ref', '1|6222020200112345678|张伟|1.00|success|R\u00001|2024-02-15|', 'control_character'],
    ['an escape inside a failure reason', '1|6222020200112345678|张伟|1.00|failed|R1|2024-02-15|余额\u001b不足', 'control_character'],
  ]
  for (const [what, line, code] of fieldCases) {
    const result = parsePayoutFile(utf8(HEADER, line))
    if (code === null) t.ok(result.ok, `${what}: accepted ${result.ok ? '' : JSON.stringify(result.errors)}`)
    else t.same(result.ok ? [] : result.errors.map((e) => e.code), [code], `${what}: ${code}`)
  }

  t.test('values are normalised', async (t) => {
    const file = ok(parsePayoutFile(utf8(HEADER, ' 12 | 6222 0202　0011 2345 678 |  张伟\u3000| 3500.50 | Failed | R1 | 20240215 |  \t ')))
    t.same(file.lines[0], {
      lineNo: 2,
      seq: 12,
      payeeCard: '6222020200112345678',
      payeeName: '张伟',
      amountFen: fen(350050),
      status: 'failed',
      bankRef: 'R1',
      valueDate: '2024-02-15',
      failureReason: null,
      payerAccountNo: null,
      endToEndId: null,
    })
  })

  t.test('payer account and EndToEndId (issue 10): optional columns, Chinese headers in GBK, English in UTF-8', async (t) => {
    const gbk = ok(
      parsePayoutFile(
        iconv.encode(
          ['序号|收款账号|收款人|金额|状态|银行流水号|入账日期|付款账号|端到端标识号', '1|6222020200112345678|张伟|1.00|成功|R1|2024-02-15|1904 5101 0400 12345|ABC-202402-01', '2|6222020200112345679|李娜|1.00|成功|R2|2024-02-15||'].join('\r\n'),
          'gbk',
        ),
      ),
    )
    t.equal(gbk.encoding, 'gbk')
    t.same(gbk.lines.map((l) => [l.payerAccountNo, l.endToEndId]), [['19045101040012345', 'ABC-202402-01'], [null, null]])
    const utf = ok(parsePayoutFile(utf8('seq,payee_card,payee_name,amount,status,bank_ref,value_date,PAYER_ACCOUNT,end_to_end_id', '1,6222020200112345678,张伟,1.00,success,R1,2024-02-15,19045101040012345,')))
    t.same([utf.lines[0]?.payerAccountNo, utf.lines[0]?.endToEndId], ['19045101040012345', null])
    const alias = ok(parsePayoutFile(utf8('seq|payee_card|payee_name|amount|status|bank_ref|value_date|付款人账号|端到端标识', '1|6222020200112345678|张伟|1.00|success|R1|2024-02-15|19045101040012345|E1')))
    t.same([alias.lines[0]?.payerAccountNo, alias.lines[0]?.endToEndId], ['19045101040012345', 'E1'])
    const errors = errorsOf(parsePayoutFile(utf8('seq|payee_card|payee_name|amount|status|bank_ref|value_date|payer_account|end_to_end_id', '1|6222020200112345678|张伟|1.00|success|R1|2024-02-15|1904x|E 1')))
    t.same(brief(errors), [
      [2, 'bad_payer_account', 'payer_account'],
      [2, 'bad_end_to_end_id', 'end_to_end_id'],
    ])
    // Written back: the columns appear only when a line fills them.
    const written = formatPayoutFile([{ ...gbk.lines[0]! }], { encoding: 'gbk', chineseHeader: true })
    t.match(iconv.decode(written, 'gbk'), /^序号\|收款账号\|收款人\|金额\|状态\|银行流水号\|入账日期\|失败原因\|付款账号\|端到端标识号\r\n/)
    t.same(ok(parsePayoutFile(written)).lines, gbk.lines.slice(0, 1))
  })

  t.test('no failure_reason column: reasons are null', async (t) => {
    const file = ok(parsePayoutFile(utf8('seq|payee_card|payee_name|amount|status|bank_ref|value_date', '1|6222020200112345678|张伟|1.00|failed|R1|2024-02-15')))
    t.equal(file.lines[0]?.failureReason, null)
  })

  t.test('duplicates point back at the first use', async (t) => {
    const errors = errorsOf(parsePayoutFile(utf8(HEADER, LINE, '', '1|6222020200112345678|张伟|3500.00|success|R1|2024-02-15|')))
    t.same(brief(errors), [
      [4, 'duplicate_seq', 'seq'],
      [4, 'duplicate_bank_ref', 'bank_ref'],
    ])
    t.match(errors[0]?.message, /line 2/)
  })

  t.test('a bad card is masked even when it is not a card', async (t) => {
    const errors = errorsOf(parsePayoutFile(utf8(HEADER, '1|622202020011234567890123|张伟|1.00|success|R1|2024-02-15|')))
    t.match(errors[0]?.message, /\*\*\*\*0123/)
    t.notMatch(errors[0]?.message, /6222020200/)
  })

  t.test('a runaway value is cut short in the message', async (t) => {
    const errors = errorsOf(parsePayoutFile(utf8(HEADER, `1|6222020200112345678|张伟|${'9'.repeat(5000)}|success|R1|2024-02-15|`)))
    t.ok((errors[0]?.message.length ?? 0) < 200)
  })
})

t.test('line numbers are physical, CRLF or LF', async (t) => {
  const crlf = Buffer.from(['', HEADER, '', '', LINE, '2|6222020200112345678|张伟|1.00|bogus|R2|2024-02-15|'].join('\r\n'))
  t.same(brief(errorsOf(parsePayoutFile(crlf))), [[6, 'bad_status', 'status']])
  const file = ok(parsePayoutFile(Buffer.from(['', HEADER, '', '', LINE].join('\r\n'))))
  t.equal(file.lines[0]?.lineNo, 5)
  t.equal(file.lines[0]?.bankRef, 'R1', 'no stray carriage return in the last field')
})

t.test('totals trailer', async (t) => {
  const lines = [
    HEADER,
    '1|6222020200112345678|张伟|3500.00|success|R1|2024-02-15|',
    '2|6222020200112345679|李娜|1200.50|success|R2|2024-02-15|',
    '3|6222020200112345670|王芳|800.00|failed|R3|2024-02-15|卡已销户',
  ]
  t.test('matching, in English or Chinese, with or without trailing delimiter', async (t) => {
    for (const trailer of ['TOTAL|3|2|4700.50|1|800.00', 'total|3|2|4700.50|1|800.00|', '合计|3|2|4700.50|1|800.00']) {
      const file = ok(parsePayoutFile(utf8(...lines, trailer, '')))
      t.same(file.totals, { lineCount: 3, successCount: 2, successFen: 470050, failedCount: 1, failedFen: 80000 }, trailer)
    }
  })
  t.test('every mismatching figure is its own error on the trailer line', async (t) => {
    const errors = errorsOf(parsePayoutFile(utf8(...lines, 'TOTAL|4|2|4700.51|2|800.00')))
    t.same(brief(errors), [
      [5, 'totals_mismatch', 'line_count'],
      [5, 'totals_mismatch', 'success_amount'],
      [5, 'totals_mismatch', 'failed_count'],
    ])
    t.match(errors[1]?.message, /4700\.51.*4700\.50/)
  })
  t.test('zero-padded figures match; a runaway figure is quoted short', async (t) => {
    t.equal(ok(parsePayoutFile(utf8(...lines, 'TOTAL|3|2|0004700.50|1|000800.00'))).totals.successFen, 470050)
    const runaway = `${'9'.repeat(1_000_000)}.00`
    const errors = errorsOf(parsePayoutFile(utf8(...lines, `TOTAL|3|2|${runaway}|1|800.00`)))
    t.same(brief(errors), [[5, 'totals_mismatch', 'success_amount']])
    t.ok((errors[0]?.message.length ?? Infinity) < 200, 'the message does not carry the megabyte')
  })
  t.test('unreadable figures and wrong shape', async (t) => {
    t.same(brief(errorsOf(parsePayoutFile(utf8(...lines, 'TOTAL|three|2|4700.5|1|800.00')))), [
      [5, 'bad_totals', 'line_count'],
      [5, 'bad_totals', 'success_amount'],
    ])
    t.same(brief(errorsOf(parsePayoutFile(utf8(...lines, 'TOTAL|3|2|4700.50')))), [[5, 'wrong_field_count', undefined]])
  })
  t.test('a totals line anywhere but last', async (t) => {
    t.same(brief(errorsOf(parsePayoutFile(utf8(HEADER, 'TOTAL|1|1|3500.00|0|0.00', LINE)))), [[2, 'misplaced_totals', undefined]])
  })
})

t.test('limits', async (t) => {
  t.test('too many bytes: one file-level error, nothing else read', async (t) => {
    const bytes = Buffer.alloc(LIMITS.payout_file_bytes_max + 1, 0x41)
    t.same(brief(errorsOf(parsePayoutFile(bytes))), [[0, 'too_large', undefined]])
    t.same(brief(errorsOf(parsePayoutFile(Buffer.alloc(LIMITS.payout_file_bytes_max, 0x41)))).map(([, code]) => code), ['bad_delimiter'], 'at the limit is read')
  })
  t.test('too many lines', async (t) => {
    const line = (i: number): string => `${i}|6222020200112345678|张伟|1.00|success|R${i}|2024-02-15|`
    const over = Array.from({ length: LIMITS.payout_file_lines_max + 1 }, (_, i) => line(i + 1))
    t.same(brief(errorsOf(parsePayoutFile(utf8(HEADER, ...over)))), [[0, 'too_many_lines', undefined]])
    const file = ok(parsePayoutFile(utf8(HEADER, ...over.slice(1))))
    t.equal(file.lines.length, LIMITS.payout_file_lines_max)
  })
  t.test('a file at every limit at once parses, its totals exact', async (t) => {
    // The file total that once could overflow is now bounded by the per-line maximum × the line limit.
    const max = LIMITS.payout_line_amount_fen_max
    const line = (i: number): string => `${i}|6222020200112345678|张伟|1000000.00|${i % 2 === 0 ? 'failed' : 'success'}|R${i}|2024-02-15|`
    const lines = Array.from({ length: LIMITS.payout_file_lines_max }, (_, i) => line(i + 1))
    const half = LIMITS.payout_file_lines_max / 2
    const file = ok(parsePayoutFile(utf8(HEADER, ...lines, `TOTAL|${lines.length}|${half}|${(half * max) / 100}.00|${half}|${(half * max) / 100}.00`)))
    t.same(file.totals, { lineCount: LIMITS.payout_file_lines_max, successCount: half, successFen: half * max, failedCount: half, failedFen: half * max })
  })
  t.test('an over-limit line is named, with the maximum, among the file\'s other errors', async (t) => {
    const errors = errorsOf(parsePayoutFile(utf8(HEADER, LINE, '2|6222020200112345679|李娜|9999999999.99|success|R2|2024-02-15|', '3|6222020200112345670|王芳|1.00|maybe|R3|2024-02-15|')))
    t.same(brief(errors), [
      [3, 'amount_too_large', 'amount'],
      [4, 'bad_status', 'status'],
    ])
    t.match(errors[0]?.message, /1000000\.00/)
  })
})

t.test('encoding', async (t) => {
  t.test('bytes that are neither UTF-8 nor GBK', async (t) => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0x31, 0x7c, 0xff, 0xff, 0x0a])])
    const errors = errorsOf(parsePayoutFile(bytes))
    t.same(brief(errors), [[0, 'bad_encoding', undefined]])
    t.match(errors[0]?.message, /line 2/)
  })
  t.test('a UTF-8 file whose Chinese would also decode as GBK stays UTF-8', async (t) => {
    const file = ok(parsePayoutFile(utf8(HEADER, LINE)))
    t.equal(file.encoding, 'utf-8')
    t.equal(file.lines[0]?.payeeName, '张伟')
  })
  t.test('GBK with the minority-name middle dot', async (t) => {
    const file = ok(parsePayoutFile(iconv.encode(`${HEADER}\n1|6222020200112345678|买买提·艾力|1.00|success|R1|2024-02-15|\n`, 'gbk')))
    t.equal(file.encoding, 'gbk')
    t.equal(file.lines[0]?.payeeName, '买买提·艾力')
  })
})

t.test('formatPayoutFile', async (t) => {
  const line: PayoutFileLineInput = {
    seq: 1,
    payeeCard: '6222020200112345678',
    payeeName: '欧阳娜娜',
    amountFen: fen(421050),
    status: 'failed',
    bankRef: 'R1',
    valueDate: '2024-02-15',
    failureReason: '户名不符',
  }
  t.test('writes what a domestic bank writes', async (t) => {
    const text = iconv.decode(formatPayoutFile([line], { encoding: 'gbk', chineseHeader: true, withTotals: true }), 'gbk')
    t.equal(text, '序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因\r\n1|6222020200112345678|欧阳娜娜|4210.50|失败|R1|2024-02-15|户名不符\r\n合计|1|0|0.00|1|4210.50\r\n')
  })
  t.test('refuses what it cannot write faithfully', async (t) => {
    t.throws(() => formatPayoutFile([{ ...line, payeeName: '张|伟' }], { encoding: 'utf-8' }), RangeError)
    t.throws(() => formatPayoutFile([{ ...line, failureReason: 'a,b' }], { encoding: 'utf-8', delimiter: ',' }), RangeError)
    t.throws(() => formatPayoutFile([{ ...line, failureReason: 'a\nb' }], { encoding: 'utf-8' }), RangeError)
    t.throws(() => formatPayoutFile([{ ...line, payeeName: '张😀' }], { encoding: 'gbk' }), RangeError)
    t.doesNotThrow(() => formatPayoutFile([{ ...line, payeeName: '张😀' }], { encoding: 'utf-8' }))
  })
})
