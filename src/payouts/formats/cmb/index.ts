/** Placeholder: the cmb-agency format's parser is being written. */
import type { BankFormat } from '../evidence.ts'

export const cmbAgencyFormat: BankFormat = {
  name: 'cmb-agency',
  detect: () => false,
  parse: () => ({ errors: [{ lineNo: 0, field: 'file', code: 'format_not_ready', message: 'The cmb-agency format is not read yet.' }] }),
}
