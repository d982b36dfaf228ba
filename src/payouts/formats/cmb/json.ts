/**
 * The newer JSON API (银企直联 v2, no captured payload: the field lists are in shared/samples/bank/
 * cmb-yqzl-v2.bb6-and-notice.fields.spec.txt): the 代发 batch query BB6BPDQY
 * (`{"response":{"head":{…resultcode…},"body":{"bb6bpdqyz1":[batch],"bb6bpdqyz2":[lines]}}}`) and the 代发 result push
 * notice (`{"msgtyp":…,"msgdat":{"agcInfo":{batch},"detailInfo":[lines]}}`, alone or as the `notdat` string of the
 * notice envelope). Same records as the XML interface, lower-case names; the notice writes amounts and counts as JSON
 * numbers, which are read from their text, never through a float.
 */
import { EVIDENCE_LINES_MAX } from '../evidence.ts'
import type { Faults } from './faults.ts'
import type { BatchSource, CmbDocument, CmbRecord, LineSource } from './records.ts'

/** The JSON API's result code of a successful call. */
const SUCCESS = 'SUC0000'

const NUMBER_CHAR = /[-+.0-9eE]/

/**
 * The JSON text with every number written as a string of its digits, so that `JSON.parse` never turns an amount into
 * a float (0.29 would not survive it exactly, and 1e2 must be refused as an amount, not read as 100).
 */
export function numbersAsText(json: string): string {
  const parts: string[] = []
  let from = 0
  let i = 0
  const n = json.length
  while (i < n) {
    const c = json.charCodeAt(i)
    if (c === 0x22) {
      // A string, skipped whole: its escapes may hide a quote, never a number to rewrite.
      i++
      while (i < n && json.charCodeAt(i) !== 0x22) i += json.charCodeAt(i) === 0x5c ? 2 : 1
      i++
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1
      while (j < n && NUMBER_CHAR.test(json.charAt(j))) j++
      parts.push(json.slice(from, i), '"', json.slice(i, j), '"')
      from = j
      i = j
    } else i++
  }
  parts.push(json.slice(from))
  return parts.join('')
}
type Node = Record<string, unknown>
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(numbersAsText(text)) as unknown }
  } catch {
    return undefined
  }
}

function recordOf<S extends string>(node: unknown, source: S, lineNo: number, faults: Faults): CmbRecord<S> | undefined {
  if (!isNode(node)) {
    faults.add(lineNo, source, 'record_invalid', `Record ${lineNo} (${source}) is not an object of fields.`)
    return undefined
  }
  const fields = new Map<string, string>()
  for (const [name, value] of Object.entries(node)) {
    if (typeof value === 'string' && value.trim() !== '') fields.set(name.toUpperCase(), value.trim())
    // null, booleans and nested objects are no field of these records: absent, or unknown and ignored.
  }
  return { lineNo, source, fields }
}

function records<S extends string>(value: unknown, source: S, faults: Faults): CmbRecord<S>[] | undefined {
  const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]
  const out: CmbRecord<S>[] = []
  const before = faults.count
  for (const [i, node] of list.entries()) {
    const rec = recordOf(node, source, i + 1, faults)
    if (rec !== undefined) out.push(rec)
  }
  return faults.count > before ? undefined : out
}

function tooMany(value: unknown, faults: Faults): boolean {
  if (Array.isArray(value) && value.length > EVIDENCE_LINES_MAX) {
    faults.add(0, 'file', 'too_many_lines', `The message lists ${value.length} payments, more than the ${EVIDENCE_LINES_MAX} one file may; query the batch in pages.`)
    return true
  }
  return false
}

function document(variant: string, batchValue: unknown, batchSource: BatchSource, lineValue: unknown, lineSource: LineSource, faults: Faults): CmbDocument | undefined {
  if (tooMany(lineValue, faults)) return undefined
  const batches = records(batchValue, batchSource, faults)
  const lines = records(lineValue, lineSource, faults)
  if (batches === undefined || lines === undefined) return undefined
  return { variant, batches, lines }
}

export function readJson(text: string, faults: Faults): CmbDocument | undefined {
  const parsed = parseJson(text)
  if (parsed === undefined || !isNode(parsed.value)) {
    faults.add(0, 'file', 'json_invalid', 'The file is not a JSON object; it may be cut short. Fetch it from the bank again.')
    return undefined
  }
  let root = parsed.value
  // The push notice's envelope carries the notice itself as a JSON string (notdat).
  if (typeof root['notdat'] === 'string' && root['msgdat'] === undefined) {
    const inner = parseJson(root['notdat'])
    if (inner === undefined || !isNode(inner.value)) {
      faults.add(0, 'notdat', 'json_invalid', "The notice's content (notdat) is not a JSON object.")
      return undefined
    }
    root = inner.value
  }
  const response = root['response']
  if (isNode(response)) {
    const head = isNode(response['head']) ? response['head'] : {}
    const code = typeof head['resultcode'] === 'string' ? head['resultcode'] : undefined
    if (code !== SUCCESS) {
      const msg = typeof head['resultmsg'] === 'string' ? head['resultmsg'] : undefined
      faults.add(0, 'response/head/resultcode', 'bank_error', `The bank answered ${code === undefined ? 'without a result code' : `with ${code}`}${msg === undefined ? '' : `: ${msg}`}. The answer holds no result; query again once the cause is fixed.`)
      return undefined
    }
    const body = isNode(response['body']) ? response['body'] : {}
    if (body['bb6bpdqyz1'] === undefined && body['bb6bpdqyz2'] === undefined) {
      faults.add(0, 'response/body', 'function_unknown', 'The answer holds no 代发 batch (bb6bpdqyz1) or lines (bb6bpdqyz2): it is no 代发 result this ledger reads.')
      return undefined
    }
    const funcode = typeof head['funcode'] === 'string' && head['funcode'] !== '' ? head['funcode'] : 'BB6BPDQY'
    return document(funcode, body['bb6bpdqyz1'], 'bb6bpdqyz1', body['bb6bpdqyz2'], 'bb6bpdqyz2', faults)
  }
  const msgdat = root['msgdat']
  if (isNode(msgdat) && (msgdat['agcInfo'] !== undefined || msgdat['detailInfo'] !== undefined)) {
    const msgtyp = typeof root['msgtyp'] === 'string' && root['msgtyp'] !== '' ? root['msgtyp'] : 'payroll'
    return document(`notice:${msgtyp}`, msgdat['agcInfo'], 'agcInfo', msgdat['detailInfo'], 'detailInfo', faults)
  }
  faults.add(0, 'file', 'not_cmb', 'The JSON is neither a CMB 代发 batch answer (response/body/bb6bpdqyz1) nor a 代发 result notice (msgdat/agcInfo).')
  return undefined
}
