/**
 * What a text result profile says about one bank's 代发结果 export, as data: a bank whose file differs is one more
 * profile in profiles.ts, not a branch in the parser. These are the banks whose lines carry neither a date nor a
 * reference of their own: the date is the file's (a header line, or the file name), and a reference is made for each
 * line from the file's date, its batch and the line's 序号, so that the same file read twice gives the same references.
 */
import type { EvidenceStatus } from '../evidence.ts'

/** Columns a result line may have. `seq`, `payeeCard`, `payeeName`, `amount` and `status` are required. */
export type ProfileColumn =
  | 'seq'
  | 'payeeCard'
  | 'payeeName'
  | 'amount'
  | 'status'
  /** 失败原因 / 备注: kept as the reason's text on lines that are not booked. */
  | 'reasonText'
  /** 错误码 / 返回码, when the bank gives one. */
  | 'reasonCode'
  /** 付款账号 per line. */
  | 'payerAccount'
  /** 流水号, when a bank does give one: then it is the line's reference and none is made. */
  | 'bankRef'
  /** 原流水号 / 原交易流水: on a 退票 line, the reference of the payment it returns. */
  | 'originalRef'
  /** 端到端标识号, when the bank echoes our instruction's id. */
  | 'endToEndId'

export const REQUIRED_COLUMNS = ['seq', 'payeeCard', 'payeeName', 'amount', 'status'] as const satisfies readonly ProfileColumn[]

/** Facts a file states once, in its header lines (`label：value`) or its file name. */
export type FileFact = 'date' | 'account' | 'batch'

/** The figures a summary line (合计) may state; each one stated is checked against the lines. */
export type SummaryFigure = 'lineCount' | 'totalAmount' | 'bookedCount' | 'bookedAmount' | 'rejectedCount' | 'rejectedAmount'

export interface TextResultProfile {
  /** The format's name is `text:<id>`. */
  id: string
  description: string
  /** Tried in this order; the first that decodes strictly and shows the header row is the file's. */
  encodings: readonly ('utf-8' | 'gbk')[]
  /**
   * How a line splits into cells. `whitespace`: runs of spaces or TABs, as aligned .txt exports are (the last column
   * takes the rest of the line, so a 备注 may hold spaces); `,` is CSV with RFC 4180 quotes and Excel's `="…"`.
   */
  delimiter: 'whitespace' | ',' | '\t' | '|' | 'fixed'
  /**
   * For `fixed`: each column's width in display columns, in the header's order (a hanzi counts two, as its two bytes in
   * GBK, which is how banks' fixed-width specifications count); the last column takes the rest of the line. Fixed
   * widths read what spaces cannot: an empty column in the middle of a line. The header row is still found by its names.
   */
  fixedWidths?: readonly number[]
  /** Each column by the header names it may have (matched exactly, after trimming); the first header cell found wins. */
  columns: Readonly<Partial<Record<ProfileColumn, readonly string[]>>>
  /**
   * Header names that mean the file is not this profile's even if the columns above are there: a per-line 入账日期 is
   * the delimited layout's, which has everything these profiles have to make up.
   */
  notColumns: readonly string[]
  /** Status words (trimmed; Latin letters compared case-insensitively) and what they are evidence of. */
  statusWords: Readonly<Record<string, EvidenceStatus>>
  /** Labels of the facts stated in header lines before the column header, written `label：value` or `label: value`. */
  headerLabels: Readonly<Partial<Record<FileFact, readonly string[]>>>
  /**
   * A regular expression on the file name (its last path segment) with named groups `date` (required) and `batch`
   * (optional), for banks that put the date only there: `代发结果_20261130.csv`. Undefined when the date is in the header.
   */
  fileNamePattern?: string
  /**
   * The names fileNamePattern reads, as a person writes them, for the message refusing a file whose name gives no
   * date: `…_YYYYMMDD.csv (代发结果_20261130.csv)`. The pattern itself is shown when absent.
   */
  fileNameShape?: string
  /** Where the file's date comes from. */
  dateFrom: 'header' | 'fileName'
  /** Labels of the summary line's figures (`总笔数：3`, or `总笔数,3` in CSV). */
  summaryLabels: Readonly<Partial<Record<SummaryFigure, readonly string[]>>>
  /**
   * Whether a file without its summary line is refused. For a layout that always ends with one, its absence is how a
   * file cut short in transfer shows: the lines read could be any prefix of the batch.
   */
  summaryRequired: boolean
  /**
   * How a line's reference is made when the file has no 流水号 column: `{date}` (YYYYMMDD), `{seq}`, `{batch}`,
   * `{account}`; a part in square brackets is left out when a placeholder in it has no value (`{date}[-{batch}]-{seq}`).
   */
  referenceTemplate: string
  /** ISO 4217: these files are domestic 代发, in yuan. */
  currency: string
}
