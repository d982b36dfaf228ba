/**
 * Profile-driven text results (文本代发结果): one bank format per profile in profiles.ts, each named `text:<id>`, for
 * banks whose result files carry neither a date nor a reference per line. Adding such a bank is adding a profile.
 */
import type { BankFormat } from '../evidence.ts'
import { detectTextResult, parseTextResult } from './parse.ts'
import type { TextResultProfile } from './profile.ts'
import { TEXT_RESULT_PROFILES } from './profiles.ts'

export function textProfileFormat(profile: TextResultProfile): BankFormat {
  return {
    name: `text:${profile.id}`,
    detect: (text) => detectTextResult(text, profile),
    parse: (bytes, context) => parseTextResult(bytes, profile, context),
  }
}

export const textProfileFormats: BankFormat[] = TEXT_RESULT_PROFILES.map(textProfileFormat)
