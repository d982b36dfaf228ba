/**
 * (Found by review.) A Hikvision push is read the same whether its type is stated or sniffed from its bytes: JSON with
 * a leading UTF-8 byte order mark is JSON (devices/README.md: "a leading byte order mark is accepted", and the codec
 * skips it). The edge takes such a push with Content-Type application/json; `npm run device-frame`, and a push
 * without a Content-Type, sniff the body (devices/hikvision-isapi/split.ts), which looked for `{` at the first
 * byte past white space only and refused the same bytes as malformed_payload.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { hikvisionIsapi } from '../../devices/hikvision-isapi/codec.ts'
import { splitPush } from '../../devices/hikvision-isapi/split.ts'
import { deviceFrameReport } from '../../src/cli/device-frame.ts'

const device = { serial: 'HK-0001', timeZone: 'Asia/Shanghai', settings: {} }
const sample = readFileSync(new URL('../../devices/hikvision-isapi/samples/ok.push-face-check-in.json', import.meta.url))
const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), sample])

t.test('a push with a BOM decodes in the CLI as it does at the edge', async (t) => {
  const edge = splitPush(body, 'application/json')
  t.ok(edge.ok && hikvisionIsapi.decode(edge.frame, device).ok, 'the edge stores it')
  const { exitCode, report } = deviceFrameReport(body, { model: 'hikvision-isapi', zone: device.timeZone, serial: device.serial, settings: {} })
  t.equal(exitCode, 0, 'the CLI decodes it too')
  t.equal((report['punches'] as unknown[]).length, 1, 'one punch', { report })
})

t.test('a push with a BOM and no Content-Type is JSON', async (t) => {
  for (const contentType of [undefined, '']) {
    const split = splitPush(body, contentType)
    t.ok(split.ok && hikvisionIsapi.decode(split.frame, device).ok, `Content-Type ${JSON.stringify(contentType)}`)
  }
})
