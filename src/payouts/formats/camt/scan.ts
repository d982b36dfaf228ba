/**
 * A one-pass walk over an XML document that fast-xml-parser's XMLValidator has already found well-formed, building
 * the same objects fast-xml-parser would (removeNSPrefix, parseTagValue false, processEntities false, trimValues of
 * XML white space, attributes as `@_name`), so the camt statement module's path helpers read them, but handing chosen
 * elements to the caller as they close instead of keeping them in their parent, and passing over unread ones.
 *
 * Why not XMLParser itself: a bank's batch of 100,000 transactions (TxDtls) took it 6.7 s and 600 MB of heap here, as
 * one tree; walking it this way, with each transaction read and dropped as it closes, takes a fraction of that (the
 * figures are in the format's report). Well-formedness stays the maintained validator's job: this walk either assumes
 * it and only refuses, without throwing, what it cannot follow, or (checkWellFormed) vouches for a strict subset of
 * what the validator passes, so that the validator need only read the files it does not vouch for.
 */

export type XmlNode = Record<string, unknown>

/** An element still open while its children are read: its local name and what it holds so far. */
export interface OpenElement {
  readonly name: string
  /** As written, prefix and all: its end tag must repeat it. */
  readonly qname: string
  /** Children read so far, keyed by local name, as fast-xml-parser would hold them; null while it has none. */
  children: XmlNode | null
  attributes: XmlNode | null
  text: string
}

export interface ScanOptions {
  /** Element names that are always arrays in their parent, however many there are (fast-xml-parser's isArray). */
  repeated: ReadonlySet<string>
  /**
   * Called as each element closes, with its value and its open ancestors, outermost first, the first being the
   * document itself (name ''). Returning true consumes it: it is not kept in its parent. The ancestors are the walk's
   * own, used again for later elements: read them during the call, keep none.
   */
  close(name: string, value: unknown, ancestors: readonly OpenElement[]): boolean
  /**
   * The names `close` is called for, when it need not see every element: the others are kept in their parent, as
   * when it returns false. A batch's dozen elements per transaction are then not a call each.
   */
  closes?: ReadonlySet<string>
  /**
   * Names of elements never read, wherever they are (remittance text, addresses, agents): their subtrees are passed
   * over without building anything. Bank files carry more of these than of what payment evidence reads.
   */
  skip?: ReadonlySet<string>
  /**
   * Text and attribute values to Unicode, when the document is read one character per byte (decode.ts). Trimming
   * comes first and takes XML's white space only: JavaScript's trim would also take 0xA0, the last byte of 张 in UTF-8.
   */
  decodeText?: (bytes: string) => string
  /**
   * Vouch for well-formedness while walking: every tag, attribute list, end tag and entity reference is checked
   * against a strict subset of what fast-xml-parser's XMLValidator accepts (ASCII names, attributes each after white
   * space with a quoted value and no name twice, end tags that repeat their start's name, one root, only white space
   * and comments outside it, a processing instruction only as the document's first characters, no DOCTYPE). Anything
   * outside that subset is an error, meaning only that the walk cannot vouch: the caller then asks the validator,
   * which words the fault when there is one. A file the walk vouches for is one the validator would pass, so it need
   * not read the whole text a second time.
   */
  checkWellFormed?: boolean
}

/** Nesting deeper than any ISO 20022 message needs (camt's deepest paths are about 12). */
export const SCAN_DEPTH_MAX = 100

/** Text as fast-xml-parser keeps it with processEntities off: entities stay escaped, so CDATA's text is escaped here. */
const escapeCdata = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false
  }
  return true
}

const newNode = (): XmlNode => ({})
/**
 * Names that would reach Object.prototype through a plain object's keys: such an element is kept under `#name`.
 * (Objects without a prototype would avoid it, but V8 keeps those as slow dictionaries: 100,000 transactions' worth.)
 */
const keyOf = (name: string): string => (name === '__proto__' || name === 'constructor' || name === 'prototype' ? `#${name}` : name)

const localName = (qname: string): string => {
  const colon = qname.lastIndexOf(':')
  return colon === -1 ? qname : qname.slice(colon + 1)
}

/** Where the end tag of `qname` whose name starts at `at` ends (its '>'), or -1 when it is another element's. */
function endOfEndTag(xml: string, at: number, qname: string): number {
  if (!xml.startsWith(qname, at)) return -1
  for (let k = at + qname.length; k < xml.length; k++) {
    const c = xml.charCodeAt(k)
    if (c === 0x3e) return k
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return -1
  }
  return -1
}

/** ASCII name characters (XML 1.0 §2.3): 1 may start a name, 2 may continue one. Others make the walk unable to vouch. */
const NAME_CHAR = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  NAME_CHAR[c] = /[A-Za-z_:]/.test(ch) ? 1 : /[0-9.-]/.test(ch) ? 2 : 0
}

/** Whether `xml[from, to)` is a name the validator's isName takes, checked on the subset of ASCII names. */
function isAsciiName(xml: string, from: number, to: number): boolean {
  if (from >= to) return false
  const first = xml.charCodeAt(from)
  if (first >= 128 || NAME_CHAR[first] !== 1) return false
  for (let p = from + 1; p < to; p++) {
    const c = xml.charCodeAt(p)
    if (c >= 128 || NAME_CHAR[c] === 0) return false
  }
  return true
}

/**
 * Whether a start tag's attribute list (`xml[from, to)`, from the end of its name to its '>' or '/>') is one the
 * validator takes for sure: each attribute after white space, an ASCII name, '=', a quoted value; no name twice.
 */
function attributesVouched(xml: string, from: number, to: number): boolean {
  let p = from
  let names: string[] | null = null
  for (;;) {
    const space = p
    while (p < to && isSpace(xml.charCodeAt(p))) p++
    if (p === to) return true
    if (p === space) return false
    const nameStart = p
    while (p < to && !isSpace(xml.charCodeAt(p)) && xml.charCodeAt(p) !== 0x3d) p++
    if (!isAsciiName(xml, nameStart, p)) return false
    const name = xml.slice(nameStart, p)
    if (names === null) names = [name]
    else if (names.includes(name)) return false
    else names.push(name)
    while (p < to && isSpace(xml.charCodeAt(p))) p++
    if (p === to || xml.charCodeAt(p) !== 0x3d /* = */) return false
    p++
    while (p < to && isSpace(xml.charCodeAt(p))) p++
    const quote = xml.charCodeAt(p)
    if (p === to || (quote !== 0x22 && quote !== 0x27)) return false
    const close = xml.indexOf(quote === 0x22 ? '"' : "'", p + 1)
    if (close === -1 || close >= to) return false
    p = close + 1
  }
}

/** Whether the '&' at `at` starts a reference the validator takes for sure: `&#digits;`, `&#xhex;`, or 1 to 20 word characters and ';'. */
function referenceVouched(xml: string, at: number): boolean {
  let p = at + 1
  if (xml.charCodeAt(p) === 0x23 /* # */) {
    p++
    const hex = xml.charCodeAt(p) === 0x78 /* x */
    if (hex) p++
    const start = p
    for (;;) {
      const c = xml.charCodeAt(p)
      if ((c >= 0x30 && c <= 0x39) || (hex && ((c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)))) p++
      else break
    }
    return p > start && xml.charCodeAt(p) === 0x3b
  }
  const start = p
  for (;;) {
    const c = xml.charCodeAt(p)
    if (p - start < 20 && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f)) p++
    else break
  }
  return p > start && xml.charCodeAt(p) === 0x3b /* ; */
}

/**
 * A tag's name as written and its local name, cut from the text once for all the tags that repeat it, with what the
 * walk asks of the name on each of them answered once too.
 */
interface TagName {
  qname: string
  name: string
  /** The key it is kept under in its parent (keyOf). */
  key: string
  /** Always an array in its parent (ScanOptions.repeated). */
  repeated: boolean
  /** Passed over unbuilt (ScanOptions.skip). */
  skipped: boolean
  /** Handed to ScanOptions.close as it closes. */
  watched: boolean
  /** A name the walk can vouch for (isAsciiName). */
  vouched: boolean
}

/**
 * The tag names met so far, by a hash of their characters: a batch writes the same dozen names 100,000 times each,
 * and cutting each from the text again is an allocation per tag (and a fresh string for every key it is stored
 * under). A slot holds the last name hashed to it; a name is taken from it only when its characters are the ones in
 * the text, so a collision costs a cut, never a wrong name.
 */
class TagNames {
  private readonly slots: (TagName | undefined)[] = new Array<TagName | undefined>(1024)
  constructor(
    private readonly repeated: ReadonlySet<string>,
    private readonly skip: ReadonlySet<string>,
    private readonly closes: ReadonlySet<string> | undefined,
  ) {}
  of(xml: string, from: number, to: number, hash: number): TagName {
    const slot = hash & 1023
    const known = this.slots[slot]
    if (known !== undefined && known.qname.length === to - from && xml.startsWith(known.qname, from)) return known
    const qname = internalized(xml.slice(from, to))
    const name = internalized(localName(qname))
    const found = { qname, name, key: keyOf(name), repeated: this.repeated.has(name), skipped: this.skip.has(name), watched: this.closes === undefined || this.closes.has(name), vouched: isAsciiName(qname, 0, qname.length) }
    this.slots[slot] = found
    return found
  }
}

/** An attribute list as written (from the end of the tag's name to its '>' or '/>'), read once for the tags that repeat it. */
interface AttributeList {
  source: string
  read: XmlNode | null
  /** attributesVouched, asked only when checking. */
  vouched: boolean | undefined
}

/**
 * The engine's one copy of a string, as property names are kept: a name compared with the reader's constants
 * (`case 'TxDtls'`) or stored as a key is then the same string, not one compared character by character, or looked
 * up in the engine's table of names, on each of a batch's million tags.
 */
const internalized = (s: string): string => Object.keys({ [s]: true })[0] ?? s

/**
 * Attribute lists already read, by a hash of their text as TagNames keeps names: a batch repeats ` Ccy="CNY"` on every
 * amount, which was a cut of the text and a lookup by it each time. Values are never changed.
 */
const ATTRIBUTE_SLOTS = 256

const ATTRIBUTE = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g

/** XML white space (S: space, tab, CR, LF) off both ends. */
function xmlTrim(s: string): string {
  let from = 0
  let to = s.length
  while (from < to && isSpace(s.charCodeAt(from))) from++
  while (to > from && isSpace(s.charCodeAt(to - 1))) to--
  return from === 0 && to === s.length ? s : s.slice(from, to)
}
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

const same = (s: string): string => s

function readAttributes(source: string, decodeText: (s: string) => string): XmlNode | null {
  if (!source.includes('=')) return null
  let out: XmlNode | null = null
  for (const m of source.matchAll(ATTRIBUTE)) {
    const qname = m[1]!
    if (qname === 'xmlns' || qname.startsWith('xmlns:')) continue
    out ??= newNode()
    out[keyOf(`@_${localName(qname)}`)] = decodeText(m[2] ?? m[3] ?? '')
  }
  return out
}

function valueOf(el: OpenElement, decodeText: (s: string) => string): unknown {
  const text = el.text === '' ? '' : decodeText(xmlTrim(el.text))
  if (el.children === null && el.attributes === null) return text
  const node: XmlNode = el.children ?? newNode()
  if (el.attributes !== null) Object.assign(node, el.attributes)
  if (text !== '') node['#text'] = text
  return node
}

/** An open element as the walk keeps it: one per depth, used again by each element opened there. */
interface Open extends OpenElement {
  name: string
  qname: string
  tag: TagName
}

function attach(parent: OpenElement, tag: TagName, value: unknown): void {
  parent.children ??= newNode()
  const key = tag.key
  // A name Object.prototype also has (toString, valueOf…) is not yet a child: only own values count.
  const existing = Object.hasOwn(parent.children, key) ? parent.children[key] : undefined
  // A value is a string or an object, never an array: an array here is this name's list.
  if (existing === undefined) parent.children[key] = tag.repeated ? [value] : value
  else if (Array.isArray(existing)) existing.push(value)
  else parent.children[key] = [existing, value]
}

/** Walks the document; the root element's value (wrapped by its name), or why the walk could not follow it. */
export function scanXml(xml: string, options: ScanOptions): { root: XmlNode } | { error: string } {
  const names = new TagNames(options.repeated, options.skip ?? new Set<string>(), options.closes)
  const topTag = names.of('', 0, 0, 0)
  const top: Open = { name: '', qname: '', tag: topTag, children: null, attributes: null, text: '' }
  const stack: Open[] = [top]
  /** The element objects by depth, each used again as the one before at its depth has closed and been read. */
  const pool: Open[] = [top]
  const decodeText = options.decodeText ?? same
  const checking = options.checkWellFormed === true
  /** Depth inside a skipped subtree; 0 when building. The validator has matched its tags, so counting them is enough. */
  let skipping = 0
  /** When checking, the names open inside a skipped subtree, so that its end tags are matched too. */
  const skippedNames: string[] = []
  /** When checking: the next '&' of the text not yet looked at (n: none), and whether the root has begun. */
  const n = xml.length
  let amp = checking ? xml.indexOf('&') : -1
  if (amp === -1) amp = n
  let rooted = false
  const attributeSlots = new Array<AttributeList | undefined>(ATTRIBUTE_SLOTS)
  let i = 0
  while (i < n) {
    // A loop, not indexOf: V8's indexOf from a position allocated about 40 bytes a call here, half the walk's garbage.
    let lt = i
    while (lt < n && xml.charCodeAt(lt) !== 0x3c /* < */) lt++
    if (lt === n) lt = -1
    const end = lt === -1 ? n : lt
    if (end > i) {
      if (skipping === 0 && stack.length > 1) {
        if (!isBlank(xml, i, end)) stack[stack.length - 1]!.text += xml.slice(i, end)
      } else if (checking && skipping === 0 && !isBlank(xml, i, end)) return { error: `text outside the root element at character ${i}` }
      // '&' in markup (attribute values, comments, CDATA) was passed over; in text it must begin a reference.
      while (amp < end) {
        if (amp >= i && !referenceVouched(xml, amp)) return { error: `an '&' at character ${amp} begins no reference` }
        amp = xml.indexOf('&', amp + 1)
        if (amp === -1) amp = n
      }
    }
    if (lt === -1) break
    const next = xml.charCodeAt(lt + 1)
    if (next === 0x3f /* ? */) {
      if (checking && lt !== 0) return { error: `a processing instruction at character ${lt}` }
      const close = xml.indexOf('?>', lt + 2)
      if (checking && close === -1) return { error: 'a processing instruction is not closed' }
      i = close === -1 ? n : close + 2
      continue
    }
    if (next === 0x21 /* ! */) {
      if (xml.startsWith('<!--', lt)) {
        const close = xml.indexOf('-->', lt + 4)
        if (checking && close === -1) return { error: 'a comment is not closed' }
        i = close === -1 ? n : close + 3
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const close = xml.indexOf(']]>', lt + 9)
        if (checking && (close === -1 || (skipping === 0 && stack.length === 1))) return { error: `a CDATA section at character ${lt} is not closed or outside the root element` }
        const stop = close === -1 ? n : close
        if (skipping === 0 && stack.length > 1) stack[stack.length - 1]!.text += escapeCdata(xml.slice(lt + 9, stop))
        i = close === -1 ? n : close + 3
      } else if (xml.startsWith('<!DOCTYPE', lt)) {
        if (checking) return { error: 'a DOCTYPE' }
        let depth = 1
        let k = lt + 9
        for (; k < n && depth > 0; k++) {
          const c = xml.charCodeAt(k)
          if (c === 0x3c) depth++
          else if (c === 0x3e) depth--
        }
        i = k
      } else {
        return { error: `unexpected markup at character ${lt}` }
      }
      continue
    }
    if (next === 0x2f /* / */ && skipping > 0) {
      const k = checking ? endOfEndTag(xml, lt + 2, skippedNames.pop()!) : xml.indexOf('>', lt + 2)
      if (k === -1) return { error: 'a tag is not closed' }
      skipping--
      i = k + 1
      continue
    }
    if (next === 0x2f /* / */) {
      const el = stack.pop()
      const k = el === undefined || stack.length === 0 ? -1 : endOfEndTag(xml, lt + 2, el.qname)
      if (el === undefined || k === -1) return { error: `an end tag at character ${lt} does not match its start` }
      const value = valueOf(el, decodeText)
      if (!el.tag.watched || !options.close(el.name, value, stack)) attach(stack[stack.length - 1]!, el.tag, value)
      i = k + 1
      continue
    }
    // A start tag: its name, then up to the first '>' outside a quoted attribute value.
    let nameEnd = lt + 1
    let hash = 0
    for (; nameEnd < n; nameEnd++) {
      const c = xml.charCodeAt(nameEnd)
      if (c === 0x3e || c === 0x2f || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break
      hash = (Math.imul(hash, 31) + c) | 0
    }
    let k = nameEnd
    let quote = 0
    let attributesHash = 0
    for (; k < n; k++) {
      const c = xml.charCodeAt(k)
      attributesHash = (Math.imul(attributesHash, 31) + c) | 0
      if (quote !== 0) {
        if (c === quote) quote = 0
      } else if (c === 0x22 || c === 0x27) quote = c
      else if (c === 0x3e) break
    }
    if (k >= n) return { error: 'a tag is not closed' }
    if (nameEnd === lt + 1) return { error: `a tag has no name at character ${lt}` }
    const selfClosing = xml.charCodeAt(k - 1) === 0x2f
    const attributesEnd = selfClosing ? k - 1 : k
    const tag = names.of(xml, lt + 1, nameEnd, hash)
    let attributes: AttributeList | null = null
    if (attributesEnd > nameEnd) {
      const slot = attributesHash & (ATTRIBUTE_SLOTS - 1)
      attributes = attributeSlots[slot] ?? null
      if (attributes === null || attributes.source.length !== attributesEnd - nameEnd || !xml.startsWith(attributes.source, nameEnd)) {
        const source = xml.slice(nameEnd, attributesEnd)
        attributes = { source, read: readAttributes(source, decodeText), vouched: undefined }
        attributeSlots[slot] = attributes
      }
    }
    if (checking) {
      if (skipping === 0 && stack.length === 1) {
        if (rooted) return { error: `a second root element at character ${lt}` }
        rooted = true
      }
      // '/' ends a name only as '/>'; otherwise the attributes begin with white space.
      const afterName = xml.charCodeAt(nameEnd)
      if (!tag.vouched || (afterName === 0x2f ? nameEnd + 1 !== k : attributes !== null && !(attributes.vouched ??= attributesVouched(attributes.source, 0, attributes.source.length)))) {
        return { error: `a start tag at character ${lt} is not one the walk can vouch for` }
      }
    }
    if (skipping > 0) {
      if (!selfClosing) {
        skipping++
        if (checking) skippedNames.push(tag.qname)
      }
      i = k + 1
      continue
    }
    if (tag.skipped) {
      if (!selfClosing) {
        skipping = 1
        if (checking) skippedNames.push(tag.qname)
      }
      i = k + 1
      continue
    }
    const read = attributes === null ? null : attributes.read
    if (selfClosing) {
      // valueOf of an element with no text and no children: its attributes, else ''.
      const value = read === null ? '' : Object.assign(newNode(), read)
      if (!tag.watched || !options.close(tag.name, value, stack)) attach(stack[stack.length - 1]!, tag, value)
    } else {
      if (stack.length > SCAN_DEPTH_MAX) return { error: `elements are nested more than ${SCAN_DEPTH_MAX} deep` }
      let el = pool[stack.length]
      if (el === undefined) {
        el = { name: tag.name, qname: tag.qname, tag, children: null, attributes: read, text: '' }
        pool[stack.length] = el
      } else {
        el.name = tag.name
        el.qname = tag.qname
        el.tag = tag
        el.children = null
        el.attributes = read
        el.text = ''
      }
      stack.push(el)
    }
    i = k + 1
  }
  if (stack.length !== 1 || skipping > 0) return { error: 'the document ends inside an element' }
  if (checking && !rooted) return { error: 'the document has no element' }
  return { root: top.children ?? newNode() }
}
