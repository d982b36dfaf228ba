/**
 * ISO 20022 camt.054 (借贷记通知, versions 001.02 to 001.08 read alike) and camt.053 (对账单) as payment evidence:
 * one format, 'camt', whose files say which message they are (EvidenceFile.format 'camt.054' or 'camt.053').
 */
import { isCamt } from '../../../account/statements/camt.ts'
import type { BankFormat } from '../evidence.ts'
import { readCamtEvidence } from './read.ts'

export const camtFormat: BankFormat = {
  name: 'camt',
  detect: (text) => isCamt(text),
  parse: (bytes) => readCamtEvidence(bytes),
}
