/**
 * The faults of one CMB file, in the order found, capped at EVIDENCE_ERRORS_MAX: the last slot says the list was cut,
 * so a clerk knows there is more than is shown (a file wrong on every line is wrong the same way on most of them).
 */
import { maskCard } from '../../../roster/identity.ts'
import { EVIDENCE_ERRORS_MAX, type EvidenceFault } from '../evidence.ts'

/**
 * Text quoted into a message with its long digit runs masked: a card or ID number shifted into another field (an
 * amount, a name) would otherwise be echoed whole by the message that quotes the field.
 */
export const maskDigits = (s: string): string => s.replace(/\d{12,}/g, (d) => maskCard(d))

export class Faults {
  readonly list: EvidenceFault[] = []
  add(lineNo: number, field: string, code: string, message: string): void {
    if (this.list.length < EVIDENCE_ERRORS_MAX - 1) this.list.push({ lineNo, field, code, message: maskDigits(message) })
    else if (this.list.length === EVIDENCE_ERRORS_MAX - 1) {
      this.list.push({ lineNo: 0, field: 'file', code: 'too_many_errors', message: `More than ${EVIDENCE_ERRORS_MAX - 1} faults; the first ones are listed. Fix those and read the file again.` })
    }
  }
  get count(): number {
    return this.list.length
  }
}
