/**
 * Reading a bank's XML (bank statements, payment status reports, 代发 results) without trusting its shape: any element
 * may be missing, repeated, empty or carry attributes, whatever the schema says, and none of that may throw. Here,
 * not in one format's folder, because account statements and payout results both read it and neither may import the
 * other's parsers.
 *
 * Every parser made here removes namespace prefixes, keeps values as text (an account number is no number) and has the
 * parser's own entity expansion off, so a DOCTYPE in a posted file can declare no entity that expands (no "billion
 * laughs"); the five predefined entities and character references are decoded by `rawText` instead.
 */
import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser'

export type Node = Record<string, unknown>

export const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A parser with the safe settings above. `repeated` names the elements read as arrays always (the parser makes one
 * child an object otherwise); `attributes` keeps attributes, under `@_name`.
 */
export function treeParser(options: { repeated?: ReadonlySet<string>; attributes: boolean; trimValues: boolean } & Pick<X2jOptions, 'isArray' | 'jPath'>): XMLParser {
  const { repeated, attributes, trimValues, ...rest } = options
  return new XMLParser({
    ...(attributes ? { ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: false } : { ignoreAttributes: true }),
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues,
    processEntities: false,
    ...(repeated === undefined ? {} : { isArray: (name: string) => repeated.has(name) }),
    ...rest,
  })
}

/**
 * Where the text stops being well-formed XML (a file cut short, a damaged one), or undefined when it is well-formed.
 * Each format words its own fault; `message` is the wording most of them share.
 */
export function malformed(xml: string): { line: number; col: number; msg: string; message: string } | undefined {
  const valid = XMLValidator.validate(xml)
  if (valid === true) return undefined
  const { line, col, msg } = valid.err
  return { line, col, msg, message: `The file is not well-formed XML (line ${line}, column ${col}: ${msg}); it may be cut short. Fetch it from the bank again.` }
}

/** The child at a path of element names (the first of repeated ones), or undefined. */
export function at(node: unknown, ...path: string[]): unknown {
  let cur: unknown = node
  for (const key of path) {
    if (Array.isArray(cur)) cur = cur[0]
    if (!isNode(cur)) return undefined
    cur = cur[key]
  }
  return Array.isArray(cur) ? cur[0] : cur
}

/** A child read as a list: all of them when it repeats, none when it is missing. */
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v])

/** All children of that name under `node`, in document order. */
export const all = (node: unknown, name: string): unknown[] => (isNode(node) ? list(node[name]) : [])

/** XML's five predefined entities and character references (XML 1.0 §4.1, §4.6), decoded. */
export function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (m, e: string) => {
    switch (e) {
      case 'lt':
        return '<'
      case 'gt':
        return '>'
      case 'quot':
        return '"'
      case 'apos':
        return "'"
      case 'amp':
        return '&'
      default: {
        const code = e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m
      }
    }
  })
}

/** An element's text as written (entities decoded, not trimmed): a string, or the text of an element that also has attributes. */
export function rawText(node: unknown, ...path: string[]): string | undefined {
  const v = at(node, ...path)
  if (typeof v === 'string') return unescapeXml(v)
  if (typeof v === 'number') return String(v)
  if (isNode(v) && typeof v['#text'] === 'string') return unescapeXml(v['#text'])
  return undefined
}

/** An element's text, trimmed; undefined when it is missing, empty, or has children instead of text. */
export function text(node: unknown, ...path: string[]): string | undefined {
  const t = rawText(node, ...path)?.trim()
  return t === undefined || t === '' ? undefined : t
}

/** An attribute of the element at a path (parsers made with `attributes`), trimmed. */
export function attribute(node: unknown, name: string, ...path: string[]): string | undefined {
  const v = at(node, ...path)
  const a = isNode(v) ? v[`@_${name}`] : undefined
  return typeof a === 'string' ? a.trim() : undefined
}
