/**
 * The 前置机 XML interface (银企直联, API doc 5.37): `<CMBSDKPGK>` holding `<INFO>` (FUNNAM the function answered,
 * RETCOD 0 when it succeeded, ERRMSG otherwise) and one element per record, each a flat list of fields. The records
 * are found here; what they mean is decided in records.ts.
 */
import { isNode, malformed, treeParser, unescapeXml } from '../../../kernel/xml.ts'
import { EVIDENCE_LINES_MAX } from '../evidence.ts'
import type { Faults } from './faults.ts'
import type { BatchSource, CmbDocument, CmbRecord, LineSource } from './records.ts'

/** The functions whose answers are 代发 results, and what each is (FUNNAM). */
const RESULT_FUNCTIONS = new Map([
  ['NTAGCINN', '代发批次查询'],
  ['NTAGCQRI', '代发代扣综合查询'],
  ['NTAGDINF', '代发明细查询'],
  ['GetAgentDetail', '查询交易明细信息'],
  ['NTAGDRFD', '代发退票查询'],
])
const LINE_RECORDS: readonly LineSource[] = ['NTAGCDTLY1', 'NTQATDQYZ', 'NTAGDRFDZ1']
const BATCH_RECORDS: readonly BatchSource[] = ['NTAGCINQZ']

/** Every record element is a child of the root: read as arrays always (one child would be an object otherwise). */
const parser = treeParser({
  attributes: false,
  trimValues: true,
  isArray: (_name, jpath) => typeof jpath === 'string' && jpath.split('.').length === 2,
})

/** A record's fields: text children by name; a field given twice makes the record doubtful. */
function fieldsOf<S extends string>(node: unknown, source: S, lineNo: number, faults: Faults): CmbRecord<S> | undefined {
  if (!isNode(node)) {
    faults.add(lineNo, source, 'record_invalid', `Record ${lineNo} (${source}) holds no fields.`)
    return undefined
  }
  const fields = new Map<string, string>()
  let ok = true
  for (const [name, value] of Object.entries(node)) {
    if (Array.isArray(value)) {
      faults.add(lineNo, `${source}/${name}`, 'field_repeated', `Record ${lineNo} (${source}) gives ${name} more than once; which one holds cannot be told.`)
      ok = false
    } else if (typeof value === 'string') {
      const text = unescapeXml(value).trim()
      if (text !== '') fields.set(name, text)
    }
    // Elements with children of their own are no field of these records: unknown, so ignored.
  }
  return ok ? { lineNo, source, fields } : undefined
}

/** Line records counted in the text, before any parsing: a file far over the limit costs no parse to refuse. */
const LINE_TAG = /<(?:NTAGCDTLY1|NTQATDQYZ|NTAGDRFDZ1)[\s>/]/g

function tooMany(count: number, faults: Faults): boolean {
  if (count <= EVIDENCE_LINES_MAX) return false
  faults.add(0, 'file', 'too_many_lines', `The answer lists ${count} payments, more than the ${EVIDENCE_LINES_MAX} one file may; query the batch's details in pages.`)
  return true
}

export function readXml(text: string, faults: Faults): CmbDocument | undefined {
  let tags = 0
  for (LINE_TAG.lastIndex = 0; LINE_TAG.exec(text) !== null; ) tags++
  if (tooMany(tags, faults)) return undefined
  const bad = malformed(text)
  if (bad !== undefined) {
    faults.add(bad.line, 'file', 'xml_invalid', `The file is not well-formed XML (line ${bad.line}, column ${bad.col}); it may be cut short. Fetch it from the bank again.`)
    return undefined
  }
  let doc: unknown
  try {
    doc = parser.parse(text)
  } catch {
    faults.add(0, 'file', 'xml_invalid', 'The XML could not be read; fetch the file from the bank again.')
    return undefined
  }
  const roots = isNode(doc) ? Object.keys(doc).filter((k) => !k.startsWith('?')) : []
  const root = isNode(doc) ? doc['CMBSDKPGK'] : undefined
  if (roots.length !== 1 || root === undefined) {
    faults.add(0, 'CMBSDKPGK', 'not_cmb', 'The file is not a CMB 银企直联 answer: its root element is not <CMBSDKPGK>.')
    return undefined
  }
  const body = isNode(root) ? root : {}
  const infos = Array.isArray(body['INFO']) ? body['INFO'] : []
  if (infos.length !== 1) {
    faults.add(0, 'INFO', 'envelope_invalid', infos.length === 0 ? 'The answer has no <INFO>: what function it answers and whether it succeeded cannot be told.' : 'The answer has more than one <INFO>.')
    return undefined
  }
  const info = fieldsOf(infos[0], 'INFO', 0, faults)
  if (info === undefined) return undefined
  const funnam = info.fields.get('FUNNAM')
  const retcod = info.fields.get('RETCOD')
  const what = funnam === undefined ? 'no function (FUNNAM)' : `FUNNAM ${funnam}`
  if (retcod === undefined) {
    faults.add(0, 'INFO/RETCOD', 'request_not_result', `This is a request to the bank (${what}, no RETCOD), not the bank's answer: it says what was asked, not what was paid. Post the bank's result (NTAGDINF, GetAgentDetail, NTAGDRFD).`)
    return undefined
  }
  if (retcod !== '0') {
    const msg = info.fields.get('ERRMSG')
    faults.add(0, 'INFO/RETCOD', 'bank_error', `The bank answered with an error (RETCOD ${retcod})${msg === undefined ? '' : `: ${msg}`}. The answer holds no result; query again once the cause is fixed.`)
    return undefined
  }
  if (funnam === undefined) {
    faults.add(0, 'INFO/FUNNAM', 'envelope_invalid', 'The answer names no function (FUNNAM): what it is the answer to cannot be told.')
    return undefined
  }
  if (funnam === 'NTAGCAPY') {
    faults.add(0, 'INFO/FUNNAM', 'request_not_result', "This is the bank's acknowledgement of a 代发 submission (NTAGCAPY): the batch was received, not paid. Post its result (NTAGDINF or GetAgentDetail) once the bank has paid.")
    return undefined
  }
  if (!RESULT_FUNCTIONS.has(funnam)) {
    faults.add(0, 'INFO/FUNNAM', 'function_unknown', `The answer is to ${funnam}, which is no 代发 result this ledger reads (${[...RESULT_FUNCTIONS].map(([f, w]) => `${f} ${w}`).join(', ')}).`)
    return undefined
  }

  if (tooMany(LINE_RECORDS.reduce((n, name) => n + (Array.isArray(body[name]) ? body[name].length : 0), 0), faults)) return undefined
  const before = faults.count
  const lines: CmbRecord<LineSource>[] = []
  let lineNo = 0
  for (const name of LINE_RECORDS) {
    const list: unknown[] = Array.isArray(body[name]) ? body[name] : []
    for (const node of list) {
      const rec = fieldsOf(node, name, ++lineNo, faults)
      if (rec !== undefined) lines.push(rec)
    }
  }
  const batches: CmbRecord<BatchSource>[] = []
  for (const name of BATCH_RECORDS) {
    const list: unknown[] = Array.isArray(body[name]) ? body[name] : []
    for (const [i, node] of list.entries()) {
      const rec = fieldsOf(node, name, i + 1, faults)
      if (rec !== undefined) batches.push(rec)
    }
  }
  // The key of the next page, when the bank cut the answer short (more than 1,000 details).
  const pages: unknown[] = Array.isArray(body['NTAGDINFY1']) ? body['NTAGDINFY1'] : []
  const page = pages.length > 0 ? fieldsOf(pages[0], 'NTAGDINFY1', 0, faults) : undefined
  if (faults.count > before) return undefined
  return { variant: funnam, batches, lines, ...(page === undefined ? {} : { continued: { reqnbr: page.fields.get('REQNBR') } }) }
}
