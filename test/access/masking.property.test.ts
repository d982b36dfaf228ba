/**
 * The masking module's promises, as properties: whatever text surrounds them, ID numbers, Luhn-valid cards and mobile
 * numbers never survive masking (nor any account run in a bank file or a field named like a card); masking twice
 * changes nothing more; text without such numbers comes back unchanged; JSON stays JSON; GBK bytes stay GBK.
 */
import t from 'tap'
import fc from 'fast-check'
import iconv from 'iconv-lite'
import { holds } from '../helpers/property.ts'
import { luhnValid, maskBytes, maskDeep, maskDocument, maskText } from '../../src/access/masking.ts'
import { idCheckChar } from '../../src/roster/identity.ts'

const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''))

/** A GB 11643 number with its check character (X one time in eleven). */
const idNumber = fc
  .tuple(fc.integer({ min: 1, max: 8 }), digits(5, 5), fc.date({ min: new Date('1940-01-01'), max: new Date('2010-12-31'), noInvalidDate: true }), digits(3, 3))
  .map(([first, region, born, order]) => {
    const first17 = `${first}${region}${born.toISOString().slice(0, 10).replaceAll('-', '')}${order}`
    return first17 + idCheckChar(first17)
  })

/** A card number of 12–19 digits whose last digit makes it pass the Luhn check. */
const luhnCard = digits(11, 18).map((body) => {
  for (let d = 0; d <= 9; d++) if (luhnValid(body + String(d))) return body + String(d)
  throw new Error('unreachable: one check digit always fits')
})

/** Any account number of 12–19 digits (Luhn or not), as bank files and card fields hold. */
const account = digits(12, 19)

const mobile = fc.tuple(fc.integer({ min: 3, max: 9 }), digits(9, 9)).map(([second, rest]) => `1${second}${rest}`)

/**
 * Text around the numbers: words (no hex letters, so no UUID can form), Chinese, punctuation of JSON, CSV, bank files
 * and messages, and digit runs of at most three (no personal number, no group of four).
 */
const word = fc.stringMatching(/^[g-zG-Z_ 张伟收款号码：，。·|,;:"'{}[\]<>=\n\t/.()-]{1,12}$/)
const shortDigits = digits(1, 3)
const filler = fc.array(fc.oneof(word, shortDigits), { maxLength: 12 }).map((parts) => parts.join(' '))
/** What sits right before and after an embedded number: never a digit. */
const boundary = fc.constantFrom(' ', '"', ':', '|', ',', '\n', '号', '：', '(', 'x', '=', '>')

function embed(numbers: readonly string[]) {
  return fc.tuple(filler, fc.array(fc.tuple(boundary, filler, boundary), { minLength: numbers.length, maxLength: numbers.length })).map(([head, around]) =>
    head + numbers.map((n, i) => `${around[i]![0]}${n}${around[i]![2]}${around[i]![1]}`).join(''),
  )
}

const personal = fc.array(fc.oneof(idNumber, luhnCard, mobile), { minLength: 1, maxLength: 5 })

t.test('no ID number, Luhn card or mobile number survives masking, in any text around it', async (t) => {
  holds(
    t,
    'masked text holds none of the numbers',
    fc.property(personal.chain((numbers) => embed(numbers).map((text) => ({ numbers, text }))), ({ numbers, text }) => {
      const masked = maskText(text)
      return numbers.every((n) => !masked.includes(n))
    }),
    { numRuns: 500 },
  )
  holds(
    t,
    'masking is idempotent',
    fc.property(personal.chain(embed), (text) => maskText(maskText(text)) === maskText(text)),
    { numRuns: 500 },
  )
})

t.test('in a bank file every account run is masked, Luhn or not', async (t) => {
  const numbers = fc.array(fc.oneof(account, idNumber, mobile), { minLength: 1, maxLength: 5 })
  holds(
    t,
    'no account survives accountRuns',
    fc.property(numbers.chain((ns) => embed(ns).map((text) => ({ ns, text }))), ({ ns, text }) => {
      const masked = maskText(text, { accountRuns: true })
      return ns.every((n) => !masked.includes(n)) && maskText(masked, { accountRuns: true }) === masked
    }),
    { numRuns: 300 },
  )
  holds(
    t,
    'a payout file line, header or not, in GBK, keeps no account and stays GBK',
    fc.property(account, fc.constantFrom('张伟', '欧阳建国', 'LI WEI'), fc.boolean(), (card, name, header) => {
      const text = `${header ? '序号|收款账号|收款人|金额|状态|银行流水号|入账日期\n' : ''}1|${card}|${name}|350.00|成功|B0001|20261110\n`
      const masked = maskBytes(iconv.encode(text, 'gbk'), { accountRuns: true })
      const back = iconv.decode(masked, 'gbk')
      return !back.includes(card) && back.includes(name) && back.includes('|350.00|成功|B0001|20261110')
    }),
  )
})

t.test('a field named like a card or account masks any account run in it', async (t) => {
  holds(
    t,
    'JSON, key=value, XML and Chinese labels',
    fc.property(account, fc.constantFrom('"cardNo":"%"', '"bankAccount": %', 'card=%', '<acctNo>%</acctNo>', '收款账号：%', '卡号 %', "payee_card='%'"), filler, (n, shape, around) => {
      const masked = maskText(`${around} ${shape.replace('%', n)} ${around}`)
      return !masked.includes(n)
    }),
  )
})

t.test('text without such numbers comes back unchanged', async (t) => {
  holds(
    t,
    'filler is left as it is, in both modes',
    fc.property(filler, (text) => maskText(text) === text && maskText(text, { accountRuns: true }) === text && maskDocument(text) === text),
    { numRuns: 500 },
  )
  holds(
    t,
    'bytes without such numbers are the same buffer',
    fc.property(filler, fc.constantFrom('utf-8', 'gbk'), (text, encoding) => {
      const bytes = encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text)
      return maskBytes(bytes) === bytes
    }),
  )
  holds(
    t,
    'numbers that are none of ours stay: short runs, 11 digits not a mobile, Luhn-failing 12–17 digits, runs over 19',
    fc.property(
      fc.oneof(
        digits(1, 10),
        digits(11, 11).filter((d) => !/^1[3-9]/.test(d)),
        digits(12, 17).filter((d) => !luhnValid(d) && !/^(0086|86)1[3-9]\d{9}$/.test(d)),
        digits(20, 40),
      ),
      (n) => maskText(`no. ${n} here`) === `no. ${n} here`,
    ),
  )
})

/** A JSON number has no leading zero. */
const bare = (digitsArb: fc.Arbitrary<string>) => digitsArb.filter((d) => !d.startsWith('0'))

t.test('JSON stays JSON, with the numbers masked wherever they are', async (t) => {
  // ts is an instant in seconds (10 digits): a bare 11-digit 1[3-9]… or Luhn-valid 12–19-digit number is taken for a
  // phone or a card wherever it is (masking.ts), so a millisecond instant passing the Luhn check would be masked too.
  holds(
    t,
    'a frame with numbers as strings and bare integers',
    fc.property(idNumber, bare(account), mobile, bare(luhnCard), fc.integer({ min: 0, max: 2 ** 33 }), (id, card, phone, other, ts) => {
      const text = `{"sn":"GT-1","idNo":"${id}","person":{"cardNo":${card},"tel":${phone}},"seen":[${other}],"note":"call ${phone}","ts":${ts}}`
      const masked = maskDocument(text)
      const parsed = JSON.parse(masked) as { ts: number; sn: string }
      return [id, card, phone, other].every((n) => !masked.includes(n)) && parsed.ts === ts && parsed.sn === 'GT-1'
    }),
  )
  holds(
    t,
    'a parsed value: every string, and numbers under personal names',
    fc.property(idNumber, account, mobile, fc.integer({ min: 0, max: 2 ** 40 }), (id, card, phone, amountFen) => {
      const masked = maskDeep({ lines: [{ payeeCard: card, note: `ID ${id}` }], phone: Number(phone), amountFen })
      const text = JSON.stringify(masked)
      return [id, card, phone].every((n) => !text.includes(n)) && (masked as { amountFen: number }).amountFen === amountFen
    }),
  )
})
