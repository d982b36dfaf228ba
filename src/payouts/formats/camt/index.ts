/** Placeholder: the camt format's parser is being written. */
import type { BankFormat } from '../evidence.ts'

export const camtFormat: BankFormat = {
  name: 'camt',
  detect: () => false,
  parse: () => ({ errors: [{ lineNo: 0, field: 'file', code: 'format_not_ready', message: 'The camt format is not read yet.' }] }),
}
