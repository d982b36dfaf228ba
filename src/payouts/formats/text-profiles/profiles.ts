/**
 * The text result profiles this ledger reads. Adding a bank whose export is text without per-line dates or references
 * is adding an entry here (see profile.ts for what each field means) and a test with a file in its shape.
 */
import type { TextResultProfile } from './profile.ts'

/** Status words most domestic banks' 代发 exports use; a profile may add its bank's own. */
const COMMON_STATUS_WORDS = {
  成功: 'booked',
  交易成功: 'booked',
  入账成功: 'booked',
  已入账: 'booked',
  失败: 'rejected',
  交易失败: 'rejected',
  入账失败: 'rejected',
  处理中: 'pending',
  已受理: 'pending',
  待处理: 'pending',
  退票: 'returned',
  已退票: 'returned',
} as const

/**
 * A city commercial bank's (城市商业银行) agency-payment result as its corporate online banking exports it: a GBK .txt
 * aligned with spaces, a title, then 付款账号, 代发日期 and 批次号 in header lines, a rule, the column header, one line
 * per payment, a rule and a summary line with counts and amounts. Lines carry no date and no reference.
 *
 * ```
 *                         代发工资结果清单
 * 付款账号：6230 5800 0001 2345 678        付款户名：某建筑劳务有限公司
 * 代发日期：2026年11月30日                  批次号：DF202611300012
 * ------------------------------------------------------------------
 * 序号  收款账号              户名        金额        状态    备注
 * 1     6230580000012345671   张伟        3500.00     成功
 * 2     6230580000012345689   欧阳娜娜    4210.50     失败    账户已冻结
 * ------------------------------------------------------------------
 * 总笔数：2  总金额：7710.50  成功笔数：1  成功金额：3500.00  失败笔数：1  失败金额：4210.50
 * ```
 */
export const CITY_BANK_TXT_PROFILE: TextResultProfile = {
  id: 'city-bank-txt',
  description: 'City commercial bank 代发结果 .txt: GBK, aligned with spaces, date and batch in the header, summary at the end',
  encodings: ['gbk', 'utf-8'],
  delimiter: 'whitespace',
  columns: {
    seq: ['序号'],
    payeeCard: ['收款账号', '收款人账号', '账号', '卡号'],
    payeeName: ['户名', '收款户名', '收款人', '姓名'],
    amount: ['金额', '交易金额', '代发金额'],
    status: ['状态', '处理状态', '交易状态'],
    reasonText: ['备注', '失败原因', '说明'],
    reasonCode: ['错误码', '返回码'],
    originalRef: ['原流水号'],
  },
  notColumns: ['入账日期', 'value_date', '交易日期'],
  statusWords: COMMON_STATUS_WORDS,
  headerLabels: {
    date: ['代发日期', '处理日期', '交易日期', '日期'],
    account: ['付款账号', '付款人账号', '账号'],
    batch: ['批次号', '批次'],
  },
  dateFrom: 'header',
  summaryLabels: {
    lineCount: ['总笔数', '合计笔数'],
    totalAmount: ['总金额', '合计金额'],
    bookedCount: ['成功笔数'],
    bookedAmount: ['成功金额'],
    rejectedCount: ['失败笔数'],
    rejectedAmount: ['失败金额'],
  },
  summaryRequired: true,
  referenceTemplate: '{date}[-{batch}]-{seq}',
  currency: 'CNY',
}

/**
 * A result CSV whose only date is in its file name (代发结果_20261130.csv, or 代发结果_20261130_2.csv for a day's second
 * batch), as several banks' 网银 download it: UTF-8 with a BOM or GBK, one header row, card numbers often wrapped as
 * `="…"` so that Excel keeps their digits, and an optional last row `合计笔数,3,合计金额,10510.50`.
 *
 * ```
 * 序号,收款账号,收款户名,金额,处理结果,失败原因
 * 1,="6217001234567890123",张伟,3500.00,成功,
 * 2,="6217001234567890131",李娜,4210.50,失败,户名不符
 * 合计笔数,2,合计金额,7710.50
 * ```
 */
export const FILE_NAME_DATE_CSV_PROFILE: TextResultProfile = {
  id: 'filename-date-csv',
  description: '代发结果 CSV without a date column: the date (and a batch number) in the file name, UTF-8 or GBK',
  encodings: ['utf-8', 'gbk'],
  delimiter: ',',
  columns: {
    seq: ['序号'],
    payeeCard: ['收款账号', '收款人账号', '账号', '卡号'],
    payeeName: ['收款户名', '收款人', '户名', '姓名'],
    amount: ['金额', '交易金额', '代发金额'],
    status: ['处理结果', '状态', '交易状态'],
    reasonText: ['失败原因', '备注'],
    reasonCode: ['错误码'],
    payerAccount: ['付款账号'],
    bankRef: ['银行流水号', '流水号'],
    originalRef: ['原流水号'],
  },
  notColumns: ['入账日期', 'value_date', '交易日期'],
  statusWords: COMMON_STATUS_WORDS,
  headerLabels: {},
  fileNamePattern: '(?<date>(?:19|20)\\d{6})(?:[_-](?<batch>[0-9A-Za-z]{1,16}))?\\.(?:csv|CSV|txt|TXT)$',
  fileNameShape: "ending in the date as YYYYMMDD, then .csv or .txt: 代发结果_20261130.csv, or 代发结果_20261130_2.csv (a batch after _ or -) for a day's second batch",
  dateFrom: 'fileName',
  summaryLabels: {
    lineCount: ['合计笔数', '总笔数'],
    totalAmount: ['合计金额', '总金额'],
    bookedCount: ['成功笔数'],
    bookedAmount: ['成功金额'],
    rejectedCount: ['失败笔数'],
    rejectedAmount: ['失败金额'],
  },
  summaryRequired: false,
  referenceTemplate: '{date}[-{batch}]-{seq}',
  currency: 'CNY',
}

export const TEXT_RESULT_PROFILES: readonly TextResultProfile[] = [CITY_BANK_TXT_PROFILE, FILE_NAME_DATE_CSV_PROFILE]
