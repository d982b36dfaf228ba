/** Placeholder: the delimited format's parser is being written. */
import type { BankFormat } from '../evidence.ts'

export const delimitedFormat: BankFormat = {
  name: 'delimited',
  detect: () => false,
  parse: () => ({ errors: [{ lineNo: 0, field: 'file', code: 'format_not_ready', message: 'The delimited format is not read yet.' }] }),
}
