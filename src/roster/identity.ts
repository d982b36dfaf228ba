/**
 * Identity numbers and their masks. Pure.
 * - Resident ID number (居民身份证号码), GB 11643-1999: 6-digit region, 8-digit
 *   birth date, 3-digit order (odd = male), ISO 7064 MOD 11-2 check character.
 * - Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters
 *   over a 31-symbol alphabet, MOD 31 check character.
 */
import { isWorkDate } from '../kernel/time.ts'

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

export type IdNumberProblem = 'length' | 'characters' | 'region' | 'birth_date' | 'check_digit'

export interface IdNumberFacts {
  idNumber: string
  birthDate: string
  gender: 'male' | 'female'
}

/** Checks an 18-character resident ID number; `today` bounds the birth date. */
export function checkIdNumber(raw: string, today: string): { ok: true; facts: IdNumberFacts } | { ok: false; problem: IdNumberProblem } {
  const id = raw.trim().toUpperCase()
  if (id.length !== 18) return { ok: false, problem: 'length' }
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, problem: 'characters' }
  if (!/^[1-8]/.test(id)) return { ok: false, problem: 'region' }
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`
  if (!isWorkDate(birthDate) || birthDate < '1900-01-01' || birthDate > today) return { ok: false, problem: 'birth_date' }
  if (idCheckChar(id.slice(0, 17)) !== id[17]) return { ok: false, problem: 'check_digit' }
  return { ok: true, facts: { idNumber: id, birthDate, gender: Number(id[16]) % 2 === 1 ? 'male' : 'female' } }
}

/** The youngest age at which anyone may be employed (《禁止使用童工规定》: no one under 16). */
export const WORKING_AGE_MIN = 16

/** Whether someone born on `birthDate` (YYYY-MM-DD) is at least WORKING_AGE_MIN on `date`. */
export function ofWorkingAge(birthDate: string, date: string): boolean {
  const sixteenth = `${String(Number(birthDate.slice(0, 4)) + WORKING_AGE_MIN).padStart(4, '0')}${birthDate.slice(4)}`
  // Born on 29 February: the birthday of a common year is 1 March.
  return (sixteenth.endsWith('-02-29') && !isWorkDate(sixteenth) ? sixteenth.replace(/-02-29$/, '-03-01') : sixteenth) <= date
}

/** The check character for the first 17 digits (used by simulators to make valid numbers). */
export function idCheckChar(first17: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] as number)
  return ID_CHECK[sum % 11] as string
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

export function creditCodeCheckChar(first17: string): string | undefined {
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i] as string)
    if (v < 0) return undefined
    sum += v * (USCC_WEIGHTS[i] as number)
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]
}

export function isCreditCode(raw: string): boolean {
  const code = raw.trim().toUpperCase()
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false
  return creditCodeCheckChar(code.slice(0, 17)) === code[17]
}

/** 330106199001011234 → 330106********1234: region kept for the bureau, birth date hidden. */
/**
 * A name as two records of one person are compared: without its spaces. A 花名册 pads two-character names to line up
 * (张  伟) and writes a transliterated name with a space or without (阿卜杜拉 艾力): the same person either way.
 */
export function nameKey(name: string): string {
  return name.replace(/\s+/g, '')
}

export function maskIdNumber(id: string): string {
  if (id.length <= 10) return '*'.repeat(id.length)
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4)
}

/** 6222020200112233445 → ****3445 */
export function maskCard(card: string): string {
  return `****${card.slice(-4)}`
}

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4) : '*'.repeat(phone.length)
}
