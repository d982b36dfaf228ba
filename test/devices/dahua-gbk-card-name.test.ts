/**
 * dahua-access: a CardName in GBK bytes. (Found by review.)
 *
 * The event's data was decoded as strict UTF-8 only, so a device that writes the enrolled person's name in GBK (a
 * Chinese-market firmware's code page) lost the whole punch as malformed_payload, for a field that is read past and
 * never stored. The data is read as UTF-8 when it is UTF-8, else as GBK (GB18030, its superset); only bytes that are
 * neither are refused, with the reason, as malformed_payload (kept in rejected inputs like every refusal).
 */
import t from 'tap'
import iconv from 'iconv-lite'
import { dahuaAccess } from '../../devices/dahua-access/codec.ts'
import type { DeviceContext } from '../../devices/codec.ts'

const device: DeviceContext = { serial: 'DH-0001', timeZone: 'Asia/Shanghai', settings: {} }
/** 07:31:12 in Shanghai (UTC+8). */
const AT = Date.UTC(2026, 10, 2, 23, 31, 12)

/** An AccessControl part whose CardName is `nameBytes`, the rest ASCII as every firmware writes it. */
const part = (nameBytes: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from('Code=AccessControl;action=Pulse;index=0;data={\r\n   "CardName" : "'),
    nameBytes,
    Buffer.from('",\r\n   "CardNo" : "", "Door" : 0, "ErrorCode" : 0, "LocaleTime" : "2026-11-03 07:31:12", "Method" : 15,\r\n'),
    Buffer.from('   "ReaderID" : "1", "RecNo" : 1234, "Status" : 1, "Type" : "Entry", "UTC" : 1793662272, "UserID" : "1001"\r\n}\r\n'),
  ])

const punch = {
  ok: true,
  punch: { deviceSerial: 'DH-0001', recordId: '1234', person: { kind: 'device_user', value: '1001' }, deviceTimeMs: AT, direction: 'in', verifyMethod: 'face', channel: 'face_terminal' },
}

t.test('a CardName in GBK is read, and the punch kept', async (t) => {
  t.same(dahuaAccess.decode(part(Buffer.from('张伟')), device), punch, 'UTF-8, as before')
  for (const name of ['张伟', '欧阳娜娜', '王喆', '李堃']) {
    const bytes = iconv.encode(name, 'gbk')
    t.equal(bytes.toString('utf8').includes('\uFFFD'), true, `${name} in GBK is not UTF-8`)
    t.same(dahuaAccess.decode(part(bytes), device), punch, `${name} in GBK`)
  }
  t.same(dahuaAccess.decode(part(iconv.encode('王𠀀', 'gb18030')), device), punch, 'a rare character in GB18030, four bytes')
  // A GBK trail byte may be 0x5C, a backslash in ASCII: read as GBK it is part of the character, not a JSON escape.
  const withBackslashTrail = iconv.encode('黄嘰', 'gbk')
  t.ok(withBackslashTrail.includes(0x5c), '嘰 ends in 0x5C')
  t.same(dahuaAccess.decode(part(withBackslashTrail), device), punch)
})

t.test('bytes that are neither UTF-8 nor GBK are refused, with the reason', async (t) => {
  t.match(dahuaAccess.decode(part(Buffer.from([0xff, 0xfe])), device), { ok: false, reason: 'malformed_payload', detail: /data is neither UTF-8 nor GBK/ })
  const cut = iconv.encode('张伟', 'gbk').subarray(0, 3)
  t.match(dahuaAccess.decode(part(cut), device), { ok: false, reason: 'malformed_payload', detail: /neither UTF-8 nor GBK/ }, 'a GBK name cut inside a character')
})
