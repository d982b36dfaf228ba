/**
 * Masks personal numbers inside any text or bytes: what refused frames, bank
 * files, line errors, free-text notes and log lines may carry. Pure (no I/O);
 * the full values are only ever shown through an explicit reveal.
 *
 * PIPL Art. 28 makes ID numbers and bank accounts sensitive personal
 * information. A number is recognised by its shape, since raw input has no
 * schema we can trust:
 * - a resident ID number (GB 11643-1999): 17 digits and a digit or X, 18 in a row
 *   → 330106********1234 (region kept, birth date hidden), as maskIdNumber does;
 * - a bank card or account: 12 to 19 digits in a row (or printed in groups of four)
 *   that pass the Luhn check (ISO/IEC 7812), or any such run where the text names a
 *   card or account ("cardNo": …, 卡号：…, <acctNo>…, a bank file's fields) → ****1234;
 *   an 18-digit run that is no valid ID number is masked as an account;
 * - a mainland mobile number, 1[3-9] and 9 more digits, alone or after 86 / 0086,
 *   or printed 138 1234 5678 → 138****5678.
 * A run is a maximal one: digits glued to more digits (more than 19 in a row) are
 * not one of these numbers and are left alone, and so is a UUID.
 *
 * Masking is idempotent (a mask holds no run of five digits or more) and leaves text
 * without such numbers unchanged (test/access/masking.property.test.ts).
 */
import iconv from 'iconv-lite'
import { idCheckChar, maskCard, maskIdNumber, maskPhone } from '../roster/identity.ts'

export interface MaskOptions {
  /**
   * Every run of 12–19 digits is an account or card number, Luhn or not: text from a bank file (its fields, its line
   * errors), or a value a field names as a card or account.
   */
  accountRuns?: boolean
}

/** Names of fields that hold a card or account number (English, pinyin-free Chinese). */
const ACCOUNT_NAME = /card|account|acct|卡号|账号|帐号|银行卡/i
/** Names of fields that hold any personal number: a number (not text) under one of these is masked too. */
const PERSONAL_NAME = /card|account|acct|卡号|账号|帐号|银行卡|id_?no|id_?num|id_?card|身份证|phone|mobile|手机|电话/i

export const isAccountName = (name: string | undefined): boolean => name !== undefined && ACCOUNT_NAME.test(name)

/** ISO/IEC 7812 check digit: what a real card number passes, and a random run passes one time in ten. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return digits.length > 0 && sum % 10 === 0
}

const MOBILE = /^1[3-9]\d{9}$/
const MOBILE_INTERNATIONAL = /^(0086|86)(1[3-9]\d{9})$/

/** The mask of one number as written (digits, perhaps in groups, perhaps ending in X), or undefined if it is none of ours. */
function maskNumber(raw: string, account: boolean): string | undefined {
  const digits = raw.replace(/[ -]/g, '')
  if (digits.length === 18 && /^\d{17}[\dXx]$/.test(digits)) {
    const last = (digits[17] as string).toUpperCase()
    return last === 'X' || idCheckChar(digits.slice(0, 17)) === last ? maskIdNumber(digits) : maskCard(digits)
  }
  if (!/^\d+$/.test(digits)) return undefined
  if (digits.length === 11) return MOBILE.test(digits) ? maskPhone(digits) : undefined
  const international = MOBILE_INTERNATIONAL.exec(digits)
  if (international) return (international[1] as string) + maskPhone(international[2] as string)
  if (digits.length >= 12 && digits.length <= 19 && (account || luhnValid(digits))) return maskCard(digits)
  return undefined
}

/**
 * One pass finds, in order of precedence: a UUID (left alone: ids are not personal, and their last group can be
 * twelve digits), or a number, perhaps after a field name and a separator (`cardNo":"`, `卡号：`, `<acct>`, `card=`,
 * PostgreSQL's `(card_no)=(`).
 * The name is a whole word (the look-behind), so the scan stays linear on long words.
 */
const TOKEN = new RegExp(
  [
    String.raw`(?<uuid>(?<![0-9A-Za-z-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Za-z-]))`,
    String.raw`(?:(?<![\p{L}_])(?<name>[\p{L}_]+)(?<sep>["')\]]{0,2}[ \t]*[:=：>]?[ \t]*["'(\[]{0,2}))?(?<!\d)` +
      String.raw`(?<num>\d{4}(?<gs>[ -])\d{4}(?:\k<gs>\d{4}){1,2}(?:\k<gs>\d{1,3})?|1[3-9]\d(?<ps>[ -])\d{4}\k<ps>\d{4}|\d{17}[Xx]|\d{11,})(?!\d)`,
  ].join('|'),
  'gu',
)

const MAYBE_PERSONAL = /\d{11}|\d[ -]\d{4}[ -]\d{4}/

interface TokenGroups {
  uuid?: string
  name?: string
  sep?: string
  num?: string
}

/** Masks every personal number in free text (messages, notes, topics, CSV and bank lines, JSON read as text). */
export function maskText(text: string, opts: MaskOptions = {}): string {
  // Every number masked has a run of 11 digits or is printed in groups: most texts have neither, and one plain scan
  // for them is far cheaper than the token scan (a refused file's detail is a thousand messages full of short numbers).
  if (!MAYBE_PERSONAL.test(text)) return text
  return text.replace(TOKEN, (match: string, ...args: unknown[]) => {
    const g = args[args.length - 1] as TokenGroups
    if (g.uuid !== undefined || g.num === undefined) return match
    const masked = maskNumber(g.num, opts.accountRuns === true || isAccountName(g.name))
    return masked === undefined ? match : (g.name ?? '') + (g.sep ?? '') + masked
  })
}

const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/**
 * Masks a JSON document token by token, so it stays JSON: strings through maskText (as accounts under a field named
 * like one), and a bare integer that is a personal number becomes the masked string. Only called on text JSON.parse took.
 */
function maskJson(text: string, opts: MaskOptions): string {
  const stack: Array<{ object: boolean; name: string | undefined }> = []
  let name: string | undefined
  let out = ''
  let copied = 0
  const valueName = (): string | undefined => {
    const top = stack[stack.length - 1]
    return top === undefined ? undefined : top.object ? name : top.name
  }
  const replace = (from: number, to: number, by: string): void => {
    out += text.slice(copied, from) + by
    copied = to
  }
  let i = 0
  while (i < text.length) {
    const c = text[i] as string
    if (c === '"') {
      let j = i + 1
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const inner = text.slice(i + 1, j)
      let k = j + 1
      while (k < text.length && /\s/.test(text[k] as string)) k++
      const isName = stack[stack.length - 1]?.object === true && text[k] === ':'
      const account = opts.accountRuns === true || (!isName && isAccountName(valueName()))
      const masked = maskText(inner, { accountRuns: account })
      if (masked !== inner) replace(i + 1, j, masked)
      if (isName) name = inner
      i = j + 1
    } else if (c === '{' || c === '[') {
      stack.push({ object: c === '{', name: c === '[' ? valueName() : undefined })
      i++
    } else if (c === '}' || c === ']') {
      stack.pop()
      name = undefined
      i++
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      JSON_NUMBER.lastIndex = i
      const token = JSON_NUMBER.exec(text)?.[0] ?? c
      const masked = /^\d+$/.test(token) ? maskNumber(token, opts.accountRuns === true || isAccountName(valueName())) : undefined
      if (masked !== undefined) replace(i, i + token.length, JSON.stringify(masked))
      i += token.length
    } else {
      if (c === ',' && stack[stack.length - 1]?.object === true) name = undefined
      i++
    }
  }
  return copied === 0 ? text : out + text.slice(copied)
}

/** A whole document (a frame, a file): JSON stays JSON, anything else is masked as text. */
export function maskDocument(text: string, opts: MaskOptions = {}): string {
  if (/^\s*[[{]/.test(text)) {
    try {
      JSON.parse(text)
      return maskJson(text, opts)
    } catch {
      // Not JSON after all (a refused frame is often broken JSON): masked as text below.
    }
  }
  return maskText(text, opts)
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Masks raw bytes as received: read as UTF-8, else GBK (bank files), else byte by byte (latin1: digits are ASCII in
 * all three, and the bytes round-trip). Bytes with nothing to mask come back as they are, the same buffer.
 */
export function maskBytes(bytes: Buffer, opts: MaskOptions = {}): Buffer {
  let text: string
  let encoding: 'utf-8' | 'gbk' | 'latin1'
  try {
    text = utf8.decode(bytes)
    encoding = 'utf-8'
  } catch {
    const gbk = iconv.decode(bytes, 'gbk')
    if (gbk.includes('\uFFFD')) {
      text = bytes.toString('latin1')
      encoding = 'latin1'
    } else {
      text = gbk
      encoding = 'gbk'
    }
  }
  const masked = maskDocument(text, opts)
  if (masked === text) return bytes
  return encoding === 'gbk' ? iconv.encode(masked, 'gbk') : Buffer.from(masked, encoding === 'utf-8' ? 'utf8' : 'latin1')
}

const DEPTH_MAX = 32

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

/** Walks plain objects and arrays, giving every string and key to `text` with the name of the field it is under. */
function walk(value: unknown, name: string | undefined, depth: number, text: (s: string, name: string | undefined) => string): unknown {
  if (typeof value === 'string') return text(value, name)
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (name === undefined || !PERSONAL_NAME.test(name)) return value
    const digits = typeof value === 'bigint' || Number.isSafeInteger(value) ? String(value) : undefined
    return digits === undefined ? value : (maskNumber(digits, isAccountName(name)) ?? value)
  }
  if (!Array.isArray(value) && !isPlainObject(value)) return value
  if (depth >= DEPTH_MAX) return '[nested too deep]'
  if (Array.isArray(value)) return value.map((v) => walk(v, name, depth + 1, text))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k, undefined), walk(v, k, depth + 1, text)]))
}

/**
 * Masks a parsed value (JSON evidence, details): every string, every key, and a number held under a field named like a
 * personal number ("phone": 13812345678). Other numbers (amounts, instants) are left as they are. Instances of classes
 * (errors, requests, buffers) are returned as they are: their owners mask them.
 */
export function maskDeep(value: unknown, opts: MaskOptions = {}): unknown {
  return walk(value, undefined, 0, (s, name) => maskText(s, { accountRuns: opts.accountRuns === true || isAccountName(name) }))
}

/**
 * Secrets by their prefixes (src/access/secrets.ts): session tokens, API keys (the prefix kept: it names the key in
 * the access log), device secrets, and whatever follows "Bearer".
 */
const SECRET = /\b(wls|wld)_[A-Za-z0-9_-]+|\b(wlk_[0-9a-f]{10})_[A-Za-z0-9_-]+|\b(Bearer\s+)[^\s"',;]+/gi

export function maskSecrets(text: string): string {
  if (!/wl[skd]_|bearer/i.test(text)) return text
  return text.replace(SECRET, (_m, kind: string | undefined, keyPrefix: string | undefined, bearer: string | undefined) =>
    kind !== undefined ? `${kind}_[redacted]` : keyPrefix !== undefined ? `${keyPrefix}_[redacted]` : `${bearer ?? ''}[redacted]`,
  )
}

/**
 * A log line's text: personal numbers masked and secrets cut. Every run of 12–19 digits counts as an account here,
 * Luhn or not: a log is read for what went wrong, and a 13-digit instant in a message is a small loss beside an
 * account number copied into every log archive.
 */
export const maskLogText = (text: string): string => maskSecrets(maskText(text, { accountRuns: true }))

/** A log line's fields: every string as maskLogText masks it, and numbers under personal names as maskDeep does. */
export function maskLogFields(value: unknown, name?: string): unknown {
  return walk(value, name, 0, (s) => maskLogText(s))
}

/** An error as pino's err serializer shows it. */
export interface LoggedError {
  type: string
  message: string
  stack: string
  [field: string]: unknown
}

const NESTED_ERRORS_MAX = 4

/** An error as a log line shows it (pino's err serializer's fields), with its message, stack and own fields masked. */
export function maskLogError(err: Error, depth = 0): LoggedError {
  const nested = (v: unknown, name?: string): unknown => (v instanceof Error ? (depth < NESTED_ERRORS_MAX ? maskLogError(v, depth + 1) : '[error]') : maskLogFields(v, name))
  const out: LoggedError = { type: err.constructor.name, message: maskLogText(err.message), stack: maskLogText(err.stack ?? '') }
  for (const [k, v] of Object.entries(err)) if (!(k in out)) out[k] = nested(v, k)
  if (err.cause !== undefined) out.cause = nested(err.cause)
  if (err instanceof AggregateError) out.aggregateErrors = (err.errors as unknown[]).map((e) => nested(e))
  return out
}
