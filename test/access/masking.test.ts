/**
 * The masking module on the shapes the service meets: refused frames, bank files (headed, headerless, GBK),
 * messages, notes, UUIDs beside numbers, grouped numbers, and log text with secrets.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import { luhnValid, maskBytes, maskDocument, maskLogError, maskLogFields, maskLogText, maskSecrets, maskText } from '../../src/access/masking.ts'
import { idCheckChar } from '../../src/roster/identity.ts'

const id17 = '33010619900101123'
const ID = id17 + idCheckChar(id17)
const ID_X = '11010519491231002X'
/** A card that fails the Luhn check (as the simulators' cards do): masked only where a field or a bank file names it. */
const CARD = '6217000000000000001'
const LUHN_CARD = '6222020200112233445'.slice(0, 18) + ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].find((d) => luhnValid('622202020011223344' + d))
const PHONE = '13812345678'

t.test('each kind of number keeps its shape', async (t) => {
  t.equal(maskText(`ID ${ID}`), `ID 330106********${ID.slice(-4)}`, 'an ID number: region and last four')
  t.equal(maskText(`id ${ID_X}, lower ${ID_X.toLowerCase()}`), 'id 110105********002X, lower 110105********002x')
  t.equal(maskText(`card ${LUHN_CARD}`), `card ****${LUHN_CARD.slice(-4)}`, 'a Luhn-valid card: last four')
  t.equal(maskText(`pay ${CARD} now`), `pay ${CARD} now`, 'a run that fails the Luhn check, named by nothing, is not taken for a card')
  t.equal(maskText(`call ${PHONE}, +86${PHONE}, 0086${PHONE}`), 'call 138****5678, +86138****5678, 0086138****5678')
  t.equal(maskText('138 1234 5678 or 138-1234-5678'), '138****5678 or 138****5678', 'a phone printed in groups')
  t.equal(maskText(`卡号 ${LUHN_CARD.replace(/(\d{4})(?=\d)/g, '$1 ')}`), `卡号 ****${LUHN_CARD.slice(-4)}`, 'a card printed in groups of four')
  const wrongCheck = id17 + (ID.endsWith('0') ? '1' : '0')
  t.equal(maskText(wrongCheck), `****${wrongCheck.slice(-4)}`, 'an 18-digit run that is no valid ID number is still masked, as an account')
})

t.test('a field named like a card or account masks what it holds', async (t) => {
  t.equal(maskText(`{"cardNo":"${CARD}","bankAccount": ${CARD}}`), '{"cardNo":"****0001","bankAccount": ****0001}')
  t.equal(maskText(`?card=${CARD}&limit=5`), '?card=****0001&limit=5')
  t.equal(maskText(`<AcctNo>${CARD}</AcctNo>`), '<AcctNo>****0001</AcctNo>')
  t.equal(maskText(`收款账号：${CARD}；卡号${CARD}`), '收款账号：****0001；卡号****0001')
})

t.test('what is not personal is left alone', async (t) => {
  const uuid = '01234567-8901-2345-6789-012345678901'
  t.equal(maskText(`file ${uuid} line 3`), `file ${uuid} line 3`, "a UUID's twelve-digit group is not a card")
  t.equal(maskText('amount 1234567.89 on 2026-11-10 at 07:31:12, seq 000123'), 'amount 1234567.89 on 2026-11-10 at 07:31:12, seq 000123')
  t.equal(maskText('ref 123456789012345678901234'), 'ref 123456789012345678901234', 'a run over 19 digits is none of these numbers')
  t.equal(maskText('卡号'), '卡号')
})

t.test('a refused frame: JSON stays JSON, broken JSON is masked as text', async (t) => {
  const frame = `{"sn":"GT-0001","seq":7,"lane":1,"idNo":"${ID}","ts":1793662272,"mode":"card","tel":${PHONE}}`
  const masked = maskDocument(frame)
  t.same(JSON.parse(masked), { sn: 'GT-0001', seq: 7, lane: 1, idNo: `330106********${ID.slice(-4)}`, ts: 1793662272, mode: 'card', tel: '138****5678' })
  const broken = frame.slice(0, -10)
  t.notOk(maskDocument(broken).includes(ID), 'a truncated frame too')
  const bytes = Buffer.from(frame)
  t.notOk(maskBytes(bytes).toString().includes(ID))
  const clean = Buffer.from('{"sn":"GT-0001","seq":7}')
  t.equal(maskBytes(clean), clean, 'nothing to mask: the same buffer')
  const binary = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(ID), Buffer.from([0x81, 0xff])])
  const maskedBinary = maskBytes(binary)
  t.notOk(maskedBinary.includes(Buffer.from(ID)), 'bytes that are no text: the digits masked, every other byte kept')
  t.same([...maskedBinary.subarray(0, 3)], [0xff, 0xfe, 0x00])
  t.same([...maskedBinary.subarray(-2)], [0x81, 0xff])
})

t.test('a bank file: every account run, with or without a header, in UTF-8 or GBK', async (t) => {
  const lines = `1|${CARD}|张伟|350.00|成功|B0001|20261110\n2|${LUHN_CARD}|李娜|350.00|失败|B0002|20261110|账户${CARD}已冻结\n`
  for (const [name, text] of [['headerless', lines], ['with a Chinese header', `序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因\n${lines}`]] as const) {
    for (const encoding of ['utf-8', 'gbk'] as const) {
      const bytes = encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text)
      const masked = maskBytes(bytes, { accountRuns: true })
      const back = encoding === 'gbk' ? iconv.decode(masked, 'gbk') : masked.toString()
      t.notOk(back.includes(CARD) || back.includes(LUHN_CARD), `${name}, ${encoding}: no account left`)
      t.ok(back.includes('|张伟|350.00|成功|B0001|20261110'), `${name}, ${encoding}: the rest as it was`)
    }
  }
})

t.test('log text: numbers masked, secrets cut', async (t) => {
  const key = 'wlk_0123456789_' + 'A'.repeat(43)
  t.equal(maskSecrets(`authorization: Bearer ${key}`), 'authorization: Bearer [redacted]')
  t.equal(maskSecrets(`key ${key} session wls_${'b'.repeat(43)} device wld_${'c'.repeat(32)}`), 'key wlk_0123456789_[redacted] session wls_[redacted] device wld_[redacted]')
  t.equal(maskLogText(`GET /api/x?card=${CARD} ${ID}`), `GET /api/x?card=****0001 330106********${ID.slice(-4)}`)
  t.same(maskLogFields({ topic: `wl/v1/S/${ID}/punch`, n: 3, nested: { cardNo: CARD, phone: Number(PHONE) } }), {
    topic: `wl/v1/S/330106********${ID.slice(-4)}/punch`,
    n: 3,
    nested: { cardNo: '****0001', phone: '138****5678' },
  })
  const err = Object.assign(new Error(`duplicate key (id_number)=(${ID})`), { code: '23505', detail: `Key (card_no)=(${CARD}) already exists.`, cause: new Error(`token wls_${'d'.repeat(43)}`) })
  const logged = JSON.stringify(maskLogError(err))
  t.notOk(logged.includes(ID) || logged.includes(CARD) || logged.includes('d'.repeat(43)), 'an error: message, stack, own fields and cause')
  t.match(maskLogError(err), { type: 'Error', code: '23505', message: /330106\*{8}/ })
})
