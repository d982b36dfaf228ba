/**
 * camt and pain.002 files declared GBK whose bytes are UTF-8, or that start with a UTF-8 byte-order mark, are refused
 * as CMB's already were (found by review): read as GBK, 张伟 becomes 寮犱紵 and the payment is matched to no one.
 */
import t from 'tap'
import iconv from 'iconv-lite'
import { decodeXml as camtDecode } from '../../../src/payouts/formats/camt/decode.ts'
import { decodeXml as painDecode } from '../../../src/payouts/formats/pain002/decode.ts'

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const xml = (encoding: string, names = ['张伟', '李娜', '王建国', '刘德华']): string => `<?xml version="1.0" encoding="${encoding}"?><Document>${names.map((n) => `<Nm>${n}</Nm>`).join('')}</Document>`

t.test('a GBK declaration over UTF-8 bytes, or after a UTF-8 byte-order mark, is refused', async (t) => {
  for (const [format, decode, code] of [
    ['camt', camtDecode, 'invalid_encoding'],
    ['pain.002', painDecode, 'encoding_mislabelled'],
  ] as const) {
    t.match(decode(Buffer.from(xml('GBK'), 'utf8')), { code, message: /says it is GBK but its bytes are UTF-8/ }, `${format}: UTF-8 bytes under GBK`)
    t.match(decode(Buffer.concat([BOM, Buffer.from(xml('GB18030'), 'utf8')])), { code, message: /byte-order mark but says it is GB18030/ }, `${format}: a UTF-8 BOM before a GB18030 declaration`)
    t.match(decode(Buffer.concat([BOM, iconv.encode(xml('GBK'), 'gbk')])), { code }, `${format}: a UTF-8 BOM before GBK bytes`)
    const good = decode(iconv.encode(xml('GBK'), 'gbk'))
    t.notOk('code' in good, `${format}: GBK bytes under GBK are read`)
    t.notOk('code' in decode(Buffer.from('<?xml version="1.0" encoding="GBK"?><Document><Nm>ZHANG Wei</Nm></Document>', 'ascii')), `${format}: an ASCII-only file declared GBK is read`)
    // A short GBK name can be valid UTF-8 by chance (found by review of the check): too little to tell, read as declared.
    const xie = decode(iconv.encode(xml('GBK', ['谢伟']), 'gbk'))
    t.notOk('code' in xie, `${format}: a genuine GBK file naming only 谢伟 is read`)
  }
})
