/**
 * The faults of one CMB file, in the order found, capped at EVIDENCE_ERRORS_MAX: the last slot says the list was cut,
 * so a clerk knows there is more than is shown (a file wrong on every line is wrong the same way on most of them).
 */
import { EVIDENCE_ERRORS_MAX, type EvidenceFault } from '../evidence.ts'

export class Faults {
  readonly list: EvidenceFault[] = []
  add(lineNo: number, field: string, code: string, message: string): void {
    if (this.list.length < EVIDENCE_ERRORS_MAX - 1) this.list.push({ lineNo, field, code, message })
    else if (this.list.length === EVIDENCE_ERRORS_MAX - 1) {
      this.list.push({ lineNo: 0, field: 'file', code: 'too_many_errors', message: `More than ${EVIDENCE_ERRORS_MAX - 1} faults; the first ones are listed. Fix those and read the file again.` })
    }
  }
  get count(): number {
    return this.list.length
  }
}
