/**
 * (Found by review.) A refused frame is kept without body temperature (face-fr900 `Temperature`, hikvision-isapi
 * `currTemperature`), "wherever in it" (devices/README.md): redaction reads the bytes as the codec does. The codecs
 * accept a frame with a leading UTF-8 byte order mark, but redact() parsed the bytes with
 * JSON.parse(payload.toString('utf8')), which fails on the BOM, and the fallback keeps the frame whole when no
 * picture marker is found: the temperature was stored in rejected inputs. A frame whose bytes are not UTF-8 (refused
 * for it) is still searched, as before.
 */
import t from 'tap'
import { faceFr900 } from '../../devices/face-fr900/codec.ts'
import { hikvisionIsapi } from '../../devices/hikvision-isapi/codec.ts'

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
/** 张 in GBK: not UTF-8. */
const GBK = Buffer.from([0xd5, 0xc5])
const withGbkName = (frame: object): Buffer => {
  const [before, after] = JSON.stringify(frame).split('NAME') as [string, string]
  return Buffer.concat([Buffer.from(before), GBK, Buffer.from(after)])
}

t.test('face-fr900: a frame with a BOM is kept without its Temperature', async (t) => {
  const frame = { operator: 'RecPush', info: { DeviceID: 'FT-0001', RecordID: '1', PersonID: 'W1', CreateTime: '2026-11-03 07:31:12', VerifyType: 'face', Temperature: '37.9' } }
  const payload = Buffer.concat([BOM, Buffer.from(JSON.stringify(frame))])
  t.ok(faceFr900.decode(payload, { serial: 'FT-0001', timeZone: 'Asia/Shanghai', settings: {} }).ok, 'the codec reads the frame')
  t.notMatch(faceFr900.redact!(payload).toString('utf8'), /37\.9/, 'the temperature is not kept')
  const garbled = withGbkName({ ...frame, info: { ...frame.info, PersonName: 'NAME' } })
  t.notMatch(faceFr900.redact!(garbled).toString('utf8'), /37\.9/, 'nor in a frame that is not UTF-8')
})

t.test('hikvision-isapi: a frame with a BOM is kept without its currTemperature', async (t) => {
  const frame = { dateTime: '2026-11-03T07:31:12+08:00', eventType: 'AccessControllerEvent', AccessControllerEvent: { majorEventType: 5, subEventType: 75, employeeNoString: '1001', serialNo: 1234, currTemperature: 37.9 } }
  const payload = Buffer.concat([BOM, Buffer.from(JSON.stringify(frame))])
  t.ok(hikvisionIsapi.decode(payload, { serial: 'HK-0001', timeZone: 'Asia/Shanghai', settings: {} }).ok, 'the codec reads the frame')
  t.notMatch(hikvisionIsapi.redact!(payload).toString('utf8'), /37\.9/, 'the temperature is not kept')
  const garbled = withGbkName({ ...frame, AccessControllerEvent: { ...frame.AccessControllerEvent, name: 'NAME' } })
  t.notMatch(hikvisionIsapi.redact!(garbled).toString('utf8'), /37\.9/, 'nor in a frame that is not UTF-8')
})
