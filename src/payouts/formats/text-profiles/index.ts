/** Placeholder: profile-driven text results are being written. */
import type { BankFormat } from '../evidence.ts'

export const textProfileFormats: BankFormat[] = []
