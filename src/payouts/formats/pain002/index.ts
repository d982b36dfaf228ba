/**
 * The pain.002 format (ISO 20022 customer payment status report, 客户付款状态报告): what the bank says became of each
 * payment of our pain.001 instruction. The parser and its rules are in parse.ts, the status codes in status.ts.
 */
import type { BankFormat } from '../evidence.ts'
import { isPain002, parsePain002 } from './parse.ts'

export type { Pain002File, Pain002Level, Pain002LineDetail, Pain002Parse, Pain002PaymentInfo } from './parse.ts'
export { isPain002, parsePain002 } from './parse.ts'
export { PAIN002_BATCH_TRANSACTIONS } from './spans.ts'

export const pain002Format: BankFormat = {
  name: 'pain.002',
  detect: isPain002,
  parse: (bytes) => parsePain002(bytes),
}
