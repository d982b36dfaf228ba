/** Placeholder: the pain.002 format's parser is being written. */
import type { BankFormat } from '../evidence.ts'

export const pain002Format: BankFormat = {
  name: 'pain.002',
  detect: () => false,
  parse: () => ({ errors: [{ lineNo: 0, field: 'file', code: 'format_not_ready', message: 'The pain.002 format is not read yet.' }] }),
}
