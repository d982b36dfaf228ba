/** The faults of one camt file, in the order found, up to EVIDENCE_ERRORS_MAX: the last place says how many more there were. */
import { maskCard } from '../../../roster/identity.ts'
import { EVIDENCE_ERRORS_MAX, type EvidenceFault } from '../evidence.ts'

/**
 * A run of 15 to 19 digits standing alone (an ID number may end in X) is a card or ID number (银行卡号, 身份证号) as
 * far as a message goes: quoted from the file (a status, a name the validator could not read), it shows its last four.
 */
const PERSONAL_NUMBER = /(?<![0-9A-Za-z])\d{14,18}[0-9Xx](?![0-9A-Za-z])/g
const masked = (message: string): string => message.replace(PERSONAL_NUMBER, (n) => maskCard(n))

/** What camt refuses a file for; stable: callers and tests match on it. */
export type CamtFaultCode =
  | 'invalid_encoding'
  | 'unsupported_encoding'
  | 'not_well_formed'
  | 'not_camt'
  | 'namespace_mismatch'
  | 'mixed_messages'
  | 'no_report'
  | 'account_missing'
  | 'amount_missing'
  | 'currency_missing'
  | 'amount_invalid'
  | 'direction_invalid'
  | 'status_missing'
  | 'status_unknown'
  | 'reversal_indicator_invalid'
  | 'booking_date_invalid'
  | 'value_date_invalid'
  | 'batch_currency_mismatch'
  | 'batch_direction_mismatch'
  | 'batch_amounts_incomplete'
  | 'batch_sum_mismatch'
  | 'batch_count_mismatch'
  | 'summary_count_invalid'
  | 'summary_count_mismatch'
  | 'summary_sum_invalid'
  | 'summary_sum_mismatch'
  | 'bank_ref_repeated'
  | 'too_many_lines'
  | 'too_many_faults'
  | 'unreadable'

export class Faults {
  readonly list: EvidenceFault[] = []
  private dropped = 0

  constructor(private readonly max: number = EVIDENCE_ERRORS_MAX) {}

  add(lineNo: number, field: string, code: CamtFaultCode, message: string): void {
    if (this.list.length < this.max - 1) this.list.push({ lineNo, field, code, message: masked(message) })
    else this.dropped++
  }

  get count(): number {
    return this.list.length + this.dropped
  }

  /** The list to hand back: in file order (file-wide faults first), and the overflow said in the last place. */
  done(): EvidenceFault[] {
    const out = this.list.map((f, i) => ({ f, i })).sort((a, b) => a.f.lineNo - b.f.lineNo || a.i - b.i).map(({ f }) => f)
    if (this.dropped > 0) {
      out.push({ lineNo: 0, field: 'file', code: 'too_many_faults', message: `${this.dropped} more faults are not listed; correct the ones above and read the file again.` })
    }
    return out
  }
}
