import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { hikvisionIsapi, PASS_MINORS, readConnect } from '../../devices/hikvision-isapi/codec.ts'
import { splitPush, splitSearch, type PushSplit, type SearchSplit } from '../../devices/hikvision-isapi/split.ts'
import type { DeviceContext, DecodeResult } from '../../devices/codec.ts'
import type { CanonicalPunch } from '../../src/punches/canonical.ts'
import { DEVICES_DIR, bytes, sample, samplesOf } from './helpers/samples.ts'
import { problemWithResult } from './helpers/results.ts'

const MODEL = 'hikvision-isapi'
const device: DeviceContext = { serial: 'HK-0001', timeZone: 'Asia/Shanghai', settings: {} }
const decode = (f: unknown, d: DeviceContext = device) => hikvisionIsapi.decode(bytes(f), d)
const body = (name: string) => readFileSync(new URL(`${MODEL}/samples/bodies/${name}`, DEVICES_DIR))
const FORM_DATA = 'multipart/form-data; boundary=MIME_boundary'

type Obj = Record<string, unknown>
/** A push envelope as the terminal posts it, with changes to the event inside. */
const event: Obj = {
  deviceName: '东门人脸机',
  majorEventType: 5,
  subEventType: 75,
  name: '张伟',
  cardReaderKind: 1,
  cardReaderNo: 1,
  verifyNo: 162,
  employeeNoString: '1001',
  serialNo: 1234,
  userType: 'normal',
  currentVerifyMode: 'cardOrFace',
  currentEvent: true,
  attendanceStatus: 'checkIn',
  mask: 'no',
}
const push = (changes: Obj = {}, remove: string[] = [], envelope: Obj = {}): Obj => {
  const e: Obj = { ...event, ...changes }
  for (const key of remove) delete e[key]
  return { ipAddress: '10.20.0.31', dateTime: '2026-11-03T07:31:12+08:00', eventType: 'AccessControllerEvent', eventState: 'active', AccessControllerEvent: e, ...envelope }
}
/** An AcsEvent InfoList entry. */
const entry = (changes: Obj = {}, remove: string[] = []): Obj => {
  const e: Obj = { major: 5, minor: 75, time: '2026-11-03T07:31:12+08:00', cardReaderNo: 1, doorNo: 1, employeeNoString: '1001', serialNo: 1234, currentVerifyMode: 'cardOrFace', ...changes }
  for (const key of remove) delete e[key]
  return e
}
/** 07:31:12 in Shanghai (UTC+8). */
const AT = Date.UTC(2026, 10, 2, 23, 31, 12)

/** A split result is a frame or a malformed_payload with a detail, never anything else. */
function problemWithPushSplit(result: PushSplit): string | undefined {
  if (result.ok) return Buffer.isBuffer(result.frame) && Number.isSafeInteger(result.partsDropped) ? undefined : 'frame'
  return result.reason === 'malformed_payload' && typeof result.detail === 'string' && result.detail !== '' ? undefined : 'failure'
}
function problemWithSearchSplit(result: SearchSplit): string | undefined {
  if (!result.ok) return ['device_error', 'malformed_response'].includes(result.reason) && result.detail !== '' ? undefined : 'failure'
  if (!['OK', 'MORE', 'NO MATCH'].includes(result.status)) return 'status'
  return result.frames.length === result.numOfMatches && result.frames.every((f) => Buffer.isBuffer(f)) ? undefined : 'frames'
}

void t.test('model and default channel', async (t) => {
  t.equal(hikvisionIsapi.model, MODEL)
  t.equal(hikvisionIsapi.channel, 'face_terminal')
})

void t.test('every sample decodes to the outcome it is named for', async (t) => {
  const samples = samplesOf(MODEL)
  t.ok(samples.length >= 15)
  for (const reason of ['ok', 'not_a_punch', 'malformed_payload', 'invalid_device_time']) {
    t.ok(samples.some((s) => s.outcome === reason), `a ${reason} sample`)
  }
  for (const s of samples) {
    const result = hikvisionIsapi.decode(s.payload, device)
    if (s.outcome === 'ok') t.match(result, { ok: true }, s.name)
    else t.match(result, { ok: false, reason: s.outcome, detail: String }, s.name)
  }
})

const punch = (p: Partial<CanonicalPunch>): DecodeResult => ({
  ok: true,
  punch: { deviceSerial: 'HK-0001', recordId: '1234', person: { kind: 'device_user', value: '1001' }, deviceTimeMs: AT, direction: 'in', verifyMethod: 'face', channel: 'face_terminal', ...p },
})

void t.test('the good samples decode to the punches a person reads from them', async (t) => {
  const at = (name: string) => hikvisionIsapi.decode(sample(MODEL, name), device)
  t.same(at('ok.push-face-check-in'), punch({}), 'face passed, checkIn: in')
  // A search entry carries no attendanceStatus (the DS-K1T342MWX capture): the same event, direction unknown, which
  // admission takes as no claim, so it is stored once (test/ingest/hikvision-push-then-search-direction.test.ts).
  t.same(at('ok.search-face'), punch({ direction: 'unknown' }), 'the same event found by a search: the same punch but for the direction it does not state')
  t.same(
    at('ok.push-card-check-out'),
    punch({ recordId: '1240', person: { kind: 'device_user', value: '1002' }, deviceTimeMs: Date.UTC(2026, 10, 3, 9, 45, 3), direction: 'out', verifyMethod: 'card' }),
    'card passed, checkOut: out',
  )
  t.same(at('ok.push-event-log-employee-no'), punch({ recordId: '88', person: { kind: 'device_user', value: '2017' }, direction: 'unknown' }), 'older firmware: event_log, a numeric employeeNo')
  t.same(at('ok.push-stranger-qr'), punch({ recordId: '1301', person: { kind: 'stranger' }, direction: 'unknown', verifyMethod: 'qr' }), 'a QR code bound to no user')
  t.same(
    at('ok.search-local-time'),
    punch({ recordId: '1235', person: { kind: 'device_user', value: '1003' }, deviceTimeMs: Date.UTC(2026, 10, 2, 23, 40), direction: 'unknown', verifyMethod: 'fingerprint' }),
    'a time without an offset is read in the project zone',
  )
})

void t.test('a multipart push: the frame is the event JSON alone, the picture is dropped', async (t) => {
  const raw = body('push-multipart-form-data.bin')
  const split = splitPush(raw, FORM_DATA)
  if (!split.ok) throw new Error(split.detail)
  t.equal(split.partsDropped, 1)
  t.same(JSON.parse(split.frame.toString('utf8')), JSON.parse(sample(MODEL, 'ok.push-face-check-in').toString('utf8')), 'the JSON part, byte for byte what the device wrote')
  t.equal(split.frame.indexOf(Buffer.from([0xff, 0xd8, 0xff])), -1, 'no JPEG bytes')
  t.notMatch(split.frame.toString('latin1'), /JFIF|Picture|image\/jpeg|MIME_boundary/)
  t.same(hikvisionIsapi.decode(split.frame, device), punch({}))

  const mixed = splitPush(body('push-multipart-mixed-lf.bin'), 'multipart/mixed; boundary="MIME_boundary"')
  t.match(mixed, { ok: true, partsDropped: 1 }, 'multipart/mixed with bare LF line ends and unnamed parts')
  if (mixed.ok) t.match(hikvisionIsapi.decode(mixed.frame, device), { ok: true, punch: { recordId: '1240', direction: 'out' } })
  t.same(splitPush(raw, undefined), split, 'without a Content-Type, the boundary is read from the first line')
  t.same(splitPush(raw, 'Multipart/Form-Data; charset=UTF-8; boundary="MIME_boundary"'), split, 'type and parameter names in any case, quoted boundary')
})

void t.test('property: whatever the picture holds, the frame is the event part exactly', async (t) => {
  const json = Buffer.from(JSON.stringify(push()))
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.boolean(), fc.constantFrom('\r\n', '\n'), (picture, pictureFirst, eol) => {
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), picture])
      fc.pre(jpeg.indexOf('--MIME_boundary') < 0)
      const eventPart = Buffer.concat([Buffer.from(`Content-Disposition: form-data; name="AccessControllerEvent"${eol}Content-Type: application/json${eol}${eol}`), json])
      const picturePart = Buffer.concat([Buffer.from(`Content-Disposition: form-data; name="Picture"; filename="p.jpg"${eol}Content-Type: image/jpeg${eol}${eol}`), jpeg])
      const parts = pictureFirst ? [picturePart, eventPart] : [eventPart, picturePart]
      const raw = Buffer.concat([
        Buffer.from(`--MIME_boundary${eol}`),
        parts[0]!,
        Buffer.from(`${eol}--MIME_boundary${eol}`),
        parts[1]!,
        Buffer.from(`${eol}--MIME_boundary--${eol}`),
      ])
      const split = splitPush(raw, FORM_DATA)
      return split.ok && split.frame.equals(json) && split.partsDropped === 1
    }),
  )
  t.pass('held')
})

void t.test('splitPush refuses what is not one Hikvision event push', async (t) => {
  const json = JSON.stringify(push())
  const part = (name: string, type: string, content: string) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n`
  const cases: [string, string, string | undefined, RegExp][] = [
    ['XML', '<EventNotificationAlert/>', 'application/xml', /parameterFormatType/],
    ['a picture alone', '\xff\xd8\xff', 'image/jpeg', /neither JSON nor multipart/],
    ['multipart without a boundary', part('AccessControllerEvent', 'application/json', json), 'multipart/form-data', /no boundary/],
    ['no event part', `${part('Picture', 'image/jpeg', 'xx')}--b--\r\n`, 'multipart/form-data; boundary=b', /no "AccessControllerEvent"/],
    ['two events', `${part('AccessControllerEvent', 'application/json', json)}${part('event_log', 'application/json', json)}--b--\r\n`, 'multipart/form-data; boundary=b', /2 event parts/],
    ['cut off', part('AccessControllerEvent', 'application/json', json), 'multipart/form-data; boundary=b', /closing boundary/],
    ['another boundary', `${part('AccessControllerEvent', 'application/json', json)}--b--\r\n`, 'multipart/form-data; boundary=c', /no boundary line/],
    ['a part without headers end', '--b\r\nContent-Type: application/json\r\n--b--\r\n', 'multipart/form-data; boundary=b', /no empty line/],
    ['an unreadable Content-Type', json, 'json', /cannot be read/],
    ['no Content-Type and not JSON', 'ID=1\tTime=2026', undefined, /neither JSON nor a multipart/],
  ]
  for (const [name, text, contentType, detail] of cases) {
    t.match(splitPush(Buffer.from(text, 'latin1'), contentType), { ok: false, reason: 'malformed_payload', detail }, name)
  }
  t.match(splitPush(Buffer.from(`--b\r\n\r\n${json}\r\n--b--\r\n`), 'multipart/mixed; boundary=b'), { ok: true, partsDropped: 0 }, 'a header-less JSON part')
  t.match(splitPush(Buffer.from(`preamble\r\n${part('AccessControllerEvent', 'text/plain', json)}--b--\r\nepilogue`), 'multipart/form-data; boundary=b'), { ok: true }, 'preamble and epilogue; the name decides')
  t.match(splitPush(Buffer.from(json), 'application/json; charset="UTF-8"'), { ok: true, partsDropped: 0 })
})

void t.test('a search page: each InfoList entry a frame, with the status and counts beside them', async (t) => {
  const page = splitSearch(body('search-page-more.json'))
  if (!page.ok) throw new Error(page.detail)
  t.match(page, { status: 'MORE', numOfMatches: 7, totalMatches: 23, searchId: 'c3b9a7e2-5d1f-4c55-9d0e-2f6b8a1c0e77' })
  const results = page.frames.map((f) => hikvisionIsapi.decode(f, device))
  t.same(results.filter((r) => r.ok), [
    punch({}),
    punch({ recordId: '1236', person: { kind: 'device_user', value: '1002' }, deviceTimeMs: Date.UTC(2026, 10, 2, 23, 33, 5), direction: 'out', verifyMethod: 'card' }),
  ])
  const refused = results.flatMap((r) => (r.ok ? [] : [`${r.reason}: ${r.detail}`]))
  t.match(refused, [
    /^not_a_punch: .*major 5 .*minor 21 \(door unlocked\)/,
    /^not_a_punch: .*major 5 .*minor 22 \(door locked\)/,
    /^not_a_punch: .*major 1 \(alarm\) minor 1028/,
    /^not_a_punch: .*major 3 \(operation\) minor 1024 \(remote door opening\)/,
    /^not_a_punch: .*major 5 .*minor 76 \(face failed\)/,
  ])
  t.match(splitSearch(body('search-no-match.json')), { ok: true, status: 'NO MATCH', frames: [], numOfMatches: 0, totalMatches: 0 })
  t.match(splitSearch(body('search-error.json')), { ok: false, reason: 'device_error', detail: /statusCode 4.*notSupport/ })
})

void t.test('splitSearch refuses what is not an AcsEvent answer', async (t) => {
  const answer = (acs: Obj) => Buffer.from(JSON.stringify({ AcsEvent: { searchID: 's', responseStatusStrg: 'OK', numOfMatches: 1, totalMatches: 1, InfoList: [entry()], ...acs } }))
  t.match(splitSearch(answer({})), { ok: true, status: 'OK', frames: [Buffer] })
  t.match(splitSearch(Buffer.concat([Buffer.from('\uFEFF'), answer({})])), { ok: true }, 'a byte order mark')
  const cases: [string, Buffer, RegExp][] = [
    ['not JSON', Buffer.from('<AcsEvent/>'), /not UTF-8 JSON/],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), /not UTF-8 JSON/],
    ['an array', Buffer.from('[]'), /not a JSON object/],
    ['no AcsEvent', Buffer.from('{"UserInfoSearch":{}}'), /no AcsEvent/],
    ['another status', answer({ responseStatusStrg: 'FAILED' }), /responseStatusStrg/],
    ['counts as text', answer({ numOfMatches: '1' }), /numOfMatches/],
    ['negative total', answer({ totalMatches: -1 }), /totalMatches/],
    ['InfoList an object', answer({ InfoList: {} }), /InfoList is not an array/],
    ['fewer entries than numOfMatches', answer({ numOfMatches: 2 }), /numOfMatches is 2/],
    ['NO MATCH with entries', answer({ responseStatusStrg: 'NO MATCH' }), /NO MATCH/],
    ['searchID a number', answer({ searchID: 7 }), /searchID/],
    ['too large', Buffer.alloc(1024 * 1024 + 1, 0x20), /limit/],
  ]
  for (const [name, raw, detail] of cases) t.match(splitSearch(raw), { ok: false, reason: 'malformed_response', detail }, name)
})

void t.test('not_a_punch: door, alarm, exception, operation and failed verifications, named by major and minor', async (t) => {
  const cases: [string, Obj, RegExp][] = [
    ['door unlocked', entry({ major: 5, minor: 21 }), /major 5 \(event\) minor 21 \(door unlocked\)/],
    ['door opened', push({ subEventType: 25 }), /major 5 \(event\) minor 25 \(door opened\)/],
    ['exit button', entry({ minor: 23 }), /minor 23 \(exit button pressed\)/],
    ['door open too long', entry({ minor: 28 }), /minor 28/],
    ['alarm', push({ majorEventType: 1, subEventType: 1028 }), /major 1 \(alarm\) minor 1028/],
    ['exception', push({ majorEventType: 2, subEventType: 39 }), /major 2 \(exception\) minor 39/],
    ['remote opening', entry({ major: 3, minor: 1024 }), /major 3 \(operation\) minor 1024 \(remote door opening\)/],
    ['remote login', push({ majorEventType: 3, subEventType: 112 }), /major 3 \(operation\) minor 112/],
    ['a pass minor under another major', entry({ major: 3, minor: 75 }), /major 3 \(operation\) minor 75/],
    ['an unknown major', entry({ major: 9, minor: 1 }), /major 9 \(unknown major type\) minor 1/],
    ['face failed', entry({ minor: 76 }), /minor 76 \(face failed\)/],
    ['face not recognised', push({ subEventType: 80 }, ['employeeNoString']), /minor 80 \(face not recognised\)/],
    ['card not enrolled', entry({ minor: 9 }), /minor 9 \(card not enrolled\)/],
    ['card and password timed out', entry({ minor: 4 }), /major 5 \(event\) minor 4 is not a verification that passed/],
    ['multiple verification', entry({ minor: 16 }), /minor 16/],
  ]
  for (const [name, f, detail] of cases) t.match(decode(f), { ok: false, reason: 'not_a_punch', detail }, name)
  for (const eventType of ['heartBeat', 'videoloss', 'accesscontrollerevent']) {
    t.match(decode({ ipAddress: '10.20.0.31', eventType, dateTime: '2026-11-03T07:31:12+08:00' }), { ok: false, reason: 'not_a_punch', detail: /eventType/ }, eventType)
  }
  t.match(decode(push({}, [], { eventType: 'heartBeat' })), { ok: false, reason: 'not_a_punch' }, 'whatever else a heartbeat carries')
})

void t.test('every verification that passed is a punch, verified as its minor says', async (t) => {
  const expected: Record<number, string> = { 1: 'card', 2: 'card', 38: 'fingerprint', 40: 'fingerprint', 43: 'fingerprint', 46: 'fingerprint', 54: 'face', 57: 'face', 60: 'face', 63: 'face', 66: 'face', 69: 'fingerprint', 72: 'fingerprint', 75: 'face', 77: 'face', 101: 'password', 105: 'face', 156: 'qr', 181: 'password' }
  t.same([...PASS_MINORS.keys()].sort((a, b) => a - b), Object.keys(expected).map(Number), 'the pass minors')
  for (const [minor, method] of Object.entries(expected)) {
    t.match(decode(push({ subEventType: Number(minor) })), { ok: true, punch: { verifyMethod: method } }, `push minor ${minor}`)
    t.match(decode(entry({ minor: Number(minor) })), { ok: true, punch: { verifyMethod: method } }, `entry minor ${minor}`)
  }
})

void t.test('malformed_payload', async (t) => {
  const cases: [string, unknown][] = [
    ['an array', [push()]],
    ['neither shape', { serialNo: 1234, employeeNoString: '1001' }],
    ['eventType a number', push({}, [], { eventType: 5 })],
    ['no event object', { eventType: 'AccessControllerEvent', dateTime: '2026-11-03T07:31:12+08:00' }],
    ['event an array', push({}, [], { AccessControllerEvent: [event] })],
    ['majorEventType missing', push({}, ['majorEventType'])],
    ['majorEventType as text', push({ majorEventType: '5' })],
    ['minor missing', entry({}, ['minor'])],
    ['minor negative', entry({ minor: -75 })],
    ['minor a fraction', entry({ minor: 75.5 })],
    ['serialNo missing', push({}, ['serialNo'])],
    ['serialNo as text', entry({ serialNo: '1234' })],
    ['serialNo negative', entry({ serialNo: -1 })],
    ['serialNo beyond safe integers', entry({ serialNo: 2 ** 53 })],
    ['employeeNoString a number', push({ employeeNoString: 1001 })],
    ['employeeNoString too long', entry({ employeeNoString: '1'.repeat(65) })],
    ['employeeNoString with a line break', entry({ employeeNoString: '1001\n' })],
    ['employeeNo negative', entry({ employeeNo: -3 }, ['employeeNoString'])],
    ['employeeNo an object', entry({ employeeNo: { id: 3 } }, ['employeeNoString'])],
    ['attendanceStatus unknown', push({ attendanceStatus: 'lunch' })],
    ['attendanceStatus a number', push({ attendanceStatus: 1 })],
    ['time missing', entry({}, ['time'])],
    ['time a number', entry({ time: 1793662272 })],
    ['dateTime missing', push({}, [], { dateTime: undefined })],
  ]
  for (const [name, f] of cases) t.match(decode(f), { ok: false, reason: 'malformed_payload', detail: String }, name)
  t.match(hikvisionIsapi.decode(Buffer.from('{"major":5,'), device), { ok: false, reason: 'malformed_payload' }, 'cut-off JSON')
  t.notMatch(JSON.stringify(decode(entry({ employeeNoString: ' 1001' }))), '1001', 'a detail never repeats a user id')
})

void t.test('the person: employeeNoString, employeeNo, or a stranger', async (t) => {
  const person = (f: Obj) => {
    const r = decode(f)
    return r.ok ? r.punch.person : r
  }
  t.same(person(push()), { kind: 'device_user', value: '1001' })
  t.same(person(push({ employeeNoString: 'W-0012' })), { kind: 'device_user', value: 'W-0012' }, 'letters are kept')
  t.same(person(push({ employeeNoString: '1001', employeeNo: 99 })), { kind: 'device_user', value: '1001' }, 'employeeNoString wins')
  t.same(person(entry({ employeeNo: 2017 }, ['employeeNoString'])), { kind: 'device_user', value: '2017' })
  t.same(person(entry({ employeeNo: '2017' }, ['employeeNoString'])), { kind: 'device_user', value: '2017' })
  t.same(person(entry({ employeeNoString: '', employeeNo: 2017 })), { kind: 'device_user', value: '2017' })
  t.same(person(entry({}, ['employeeNoString'])), { kind: 'stranger' }, 'a pass with nobody enrolled')
  t.same(person(push({ employeeNoString: '', cardNo: '3087654321' })), { kind: 'stranger' }, 'a card number is never taken for a person')
})

void t.test('direction: fixed, by reader, by the device\'s attendance status, or unknown', async (t) => {
  const direction = (f: Obj, settings: Obj = {}) => {
    const r = decode(f, { ...device, settings })
    return r.ok ? r.punch.direction : `${r.reason}: ${r.detail}`
  }
  const ways: [string, string][] = [['checkIn', 'in'], ['checkOut', 'out'], ['breakIn', 'in'], ['breakOut', 'out'], ['overtimeIn', 'in'], ['overtimeOut', 'out'], ['undefined', 'unknown']]
  for (const [status, way] of ways) {
    t.equal(direction(push({ attendanceStatus: status })), way, status)
  }
  t.equal(direction(push({}, ['attendanceStatus'])), 'unknown', 'no attendance status')
  t.equal(direction(push({ attendanceStatus: 'checkOut' }), { direction: 'in' }), 'in', 'a fixed direction wins')
  const readers = { readers: { '1': 'in', '2': 'out' } }
  t.equal(direction(push({ cardReaderNo: 1, attendanceStatus: 'checkOut' }), readers), 'in', 'the reader wins over the attendance status')
  t.equal(direction(entry({ cardReaderNo: 2 }), readers), 'out')
  t.match(direction(entry({ cardReaderNo: 3 }), readers), /^malformed_payload: cardReaderNo is 3, which the device's settings.readers does not name/)
  t.match(direction(push({}, ['cardReaderNo']), readers), /^malformed_payload: AccessControllerEvent.cardReaderNo is missing/)
  t.match(direction(entry({ cardReaderNo: 'toString' }), readers), /^malformed_payload/)
})

void t.test('time: the offset the device wrote, or the project zone without one', async (t) => {
  const time = (text: string, timeZone = 'Asia/Shanghai') => {
    const r = decode(entry({ time: text }), { ...device, timeZone })
    return r.ok ? r.punch.deviceTimeMs : `${r.reason}: ${r.detail}`
  }
  t.equal(time('2026-11-03T07:31:12+08:00'), AT)
  t.equal(time('2026-11-02T23:31:12Z'), AT)
  t.equal(time('2026-11-02T19:31:12-04:00'), AT, 'an American site (the capture this shape comes from)')
  t.equal(time('2026-11-03T07:31:12.250+08:00'), AT + 250, 'milliseconds')
  t.equal(time('2026-11-03T07:31:12.123456+08:00'), AT + 123, 'finer fractions are cut to milliseconds')
  t.equal(time('2026-11-03T07:31:12'), AT, 'no offset: Shanghai wall time')
  t.equal(time('2026-11-03T07:31:12', 'Europe/Berlin'), Date.UTC(2026, 10, 3, 6, 31, 12), 'no offset: Berlin wall time')
  t.equal(time('2026-11-03T07:31:12+08:00', 'Mars/Olympus_Mons'), AT, 'with an offset the project zone does not matter')
  t.match(time('2026-11-03T07:31:12', 'Mars/Olympus_Mons'), /^invalid_device_time: .*time zone/)
  t.equal(decode(push({ dateTime: '2026-11-03T08:00:00+08:00' }, [], { dateTime: undefined })).ok, true, 'dateTime inside the event when the envelope has none')
  for (const text of ['2026-02-30T07:31:12+08:00', '2026-13-01T00:00:00Z', '2026-11-03T24:00:00Z', '2026-11-03T07:60:00Z', '2026-11-03T07:31:60Z', '1969-12-31T23:59:59Z', '0000-00-00T00:00:00', '2026-11-03 07:31:12', '2026-11-03T07:31', '2026-11-03T07:31:12+0800', '2026-11-03T07:31:12+08:60', '20261103T073112', '']) {
    t.match(time(text), /^invalid_device_time: time is/, JSON.stringify(text))
  }
})

void t.test('checkSettings', async (t) => {
  for (const ok of [{}, { direction: 'in' }, { direction: 'out' }, { readers: { '1': 'in', '2': 'out' } }, { channel: 'gate', readers: { '3': 'out' } }, { channel: 'face_terminal' }]) {
    t.equal(hikvisionIsapi.checkSettings(ok), undefined, JSON.stringify(ok))
  }
  const bad: [Obj, RegExp][] = [
    [{ lanes: { '1': 'in' } }, /takes the settings/],
    [{ direction: 'sideways' }, /settings.direction/],
    [{ channel: 'manual' }, /settings.channel/],
    [{ direction: 'in', readers: { '1': 'in' } }, /cannot both/],
    [{ readers: {} }, /settings.readers must be/],
    [{ readers: ['in'] }, /settings.readers must be/],
    [{ readers: { '01': 'in' } }, /reader numbers/],
    [{ readers: { '1': 'up' } }, /settings.readers.1/],
  ]
  for (const [settings, reason] of bad) t.match(hikvisionIsapi.checkSettings(settings), reason, JSON.stringify(settings))
  t.match(decode(push(), { ...device, settings: { channel: 'gate' } }), { ok: true, punch: { channel: 'gate' } }, 'a turnstile registered as a gate')
})

void t.test('settings.connect: where the poller searches the device, with the password left in the environment', async (t) => {
  const connect = { url: 'http://10.0.0.5', username: 'admin', passwordEnv: 'WL_HIK_HK01_PASSWORD' }
  t.equal(hikvisionIsapi.checkSettings({ connect }), undefined)
  t.equal(hikvisionIsapi.checkSettings({ channel: 'gate', readers: { '1': 'in', '2': 'out' }, connect: { ...connect, url: 'https://hk01.site.example:8443/', pollSeconds: 5 } }), undefined, 'beside the other settings; https, a port, a trailing slash')
  t.same(readConnect({ ...connect, url: 'http://10.0.0.5/' }), { ok: true, connect: { ...connect, pollSeconds: 30 } }, 'read without the trailing slash, every 30 s by default')
  t.same(readConnect({ ...connect, pollSeconds: 3600 }), { ok: true, connect: { ...connect, pollSeconds: 3600 } })
  const refused: [unknown, RegExp][] = [
    ['http://10.0.0.5', /settings.connect is "http:\/\/10.0.0.5"; expected \{/],
    [{ ...connect, password: 'admin123' }, /settings.connect takes "url", "username", "passwordEnv", "pollSeconds"; got "password"/],
    [{ ...connect, url: 'ftp://10.0.0.5' }, /settings.connect.url/],
    [{ ...connect, url: 'http://admin:pw@10.0.0.5' }, /without credentials/],
    [{ ...connect, url: 'http://10.0.0.5/?x=1' }, /settings.connect.url/],
    [{ ...connect, url: '10.0.0.5' }, /settings.connect.url/],
    [{ ...connect, username: ' ' }, /settings.connect.username/],
    [{ url: connect.url, passwordEnv: connect.passwordEnv }, /settings.connect.username/],
    [{ ...connect, passwordEnv: 'wl_hik' }, /settings.connect.passwordEnv/],
    [{ ...connect, passwordEnv: 'WL' }, /settings.connect.passwordEnv/],
    [{ ...connect, passwordEnv: 'WL-HIK' }, /settings.connect.passwordEnv/],
    [{ ...connect, passwordEnv: `W${'A'.repeat(64)}` }, /settings.connect.passwordEnv/],
    [{ ...connect, pollSeconds: 4 }, /settings.connect.pollSeconds is 4; expected whole seconds from 5 to 3600/],
    [{ ...connect, pollSeconds: 3601 }, /settings.connect.pollSeconds/],
    [{ ...connect, pollSeconds: 30.5 }, /settings.connect.pollSeconds/],
    [{ ...connect, pollSeconds: '30' }, /settings.connect.pollSeconds/],
  ]
  for (const [value, message] of refused) t.match(hikvisionIsapi.checkSettings({ connect: value }), message, JSON.stringify(value))
  t.match(hikvisionIsapi.checkSettings({ connect, lanes: {} }), /got "lanes"/, 'other unknown settings are still refused')
  t.same(decode(entry(), { ...device, settings: { connect } }), decode(entry()), 'connect changes nothing in decoding')
})

void t.test('a refused frame is kept without pictures, faces or temperatures', async (t) => {
  const redact = (payload: Buffer) => hikvisionIsapi.redact!(payload)
  const photo = Buffer.alloc(600, 7).toString('base64')
  const frame = entry({ minor: 76, pictureURL: 'http://10.20.0.31/LOCALS/pic/acsLinkCap/x.jpeg', FaceRect: { x: 0.3 }, currTemperature: 38.9, snapshot: photo })
  const kept = redact(bytes(frame)).toString()
  t.notMatch(kept, /LOCALS|0\.3|38\.9/)
  t.notMatch(kept, photo.slice(0, 32))
  t.match(JSON.parse(kept), { major: 5, minor: 76, serialNo: 1234, pictureURL: '[removed]' })
  t.same(decode(JSON.parse(kept) as Obj), decode(frame), 'the kept frame still says why it was refused')

  const raw = body('push-multipart-form-data.bin')
  const cut = redact(raw)
  t.equal(cut.indexOf(Buffer.from([0xff, 0xd8, 0xff])), -1, 'a whole multipart body: cut before the picture part')
  t.match(cut.toString('latin1'), /"serialNo":\s*1234/)
  t.notMatch(cut.toString('latin1'), /image\/jpeg/)
  t.equal(redact(Buffer.from('no picture, not JSON')).toString(), 'no picture, not JSON')
  t.notMatch(redact(Buffer.from(`{"cut":"/9j/4AAQSkZJRgABAQ`)).toString(), /4AAQ/, 'base64 of a JPEG in bytes that are not JSON')
})

const CONTENT_TYPES = [undefined, '', 'application/json', FORM_DATA, 'multipart/mixed; boundary=MIME_boundary', 'multipart/form-data; boundary="a b"', 'text/xml', 'multipart/form-data; boundary=', 'x']

void t.test('property: random bytes through split and decode give only typed results', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom(...CONTENT_TYPES), (raw, contentType) => {
      const b = Buffer.from(raw)
      const split = splitPush(b, contentType)
      if (problemWithPushSplit(split) !== undefined) return false
      if (split.ok && problemWithResult(hikvisionIsapi.decode(split.frame, device)) !== undefined) return false
      const search = splitSearch(b)
      if (problemWithSearchSplit(search) !== undefined) return false
      return problemWithResult(hikvisionIsapi.decode(b, device)) === undefined && Buffer.isBuffer(hikvisionIsapi.redact!(b))
    }),
    { numRuns: 2000 },
  )
  t.pass('held')
})

void t.test('property: mutated bodies (bytes changed, cut, spliced) give only typed results', async (t) => {
  const bodies: [Buffer, string | undefined][] = [
    [body('push-multipart-form-data.bin'), FORM_DATA],
    [body('push-multipart-mixed-lf.bin'), 'multipart/mixed; boundary=MIME_boundary'],
    [sample(MODEL, 'ok.push-face-check-in'), 'application/json'],
    [body('search-page-more.json'), undefined],
  ]
  const mutation = fc.record({
    which: fc.nat(bodies.length - 1),
    cutAt: fc.option(fc.nat(), { nil: undefined }),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    insert: fc.option(fc.tuple(fc.nat(), fc.constantFrom('--MIME_boundary', '\r\n', '\n\n', '"', '{', '}', ',', 'null', '--MIME_boundary--\r\n', '\u0000')), { nil: undefined }),
  })
  fc.assert(
    fc.property(mutation, ({ which, cutAt, flips, insert }) => {
      const [original, contentType] = bodies[which]!
      let b = Buffer.from(original)
      for (const [at, byte] of flips) b[at % b.length] = byte
      if (insert) {
        const at = insert[0] % (b.length + 1)
        b = Buffer.concat([b.subarray(0, at), Buffer.from(insert[1]), b.subarray(at)])
      }
      if (cutAt !== undefined) b = b.subarray(0, cutAt % (b.length + 1))
      const split = splitPush(b, contentType)
      if (problemWithPushSplit(split) !== undefined) return false
      if (split.ok && problemWithResult(hikvisionIsapi.decode(split.frame, device)) !== undefined) return false
      const search = splitSearch(b)
      if (problemWithSearchSplit(search) !== undefined) return false
      return !search.ok || search.frames.every((f) => problemWithResult(hikvisionIsapi.decode(f, device)) === undefined)
    }),
    { numRuns: 2000 },
  )
  t.pass('held')
})

void t.test('property: any value in any field, in either shape, under any settings, gives a result and never throws', async (t) => {
  // Settings are checked at registration, but the codec must not trust that they were.
  const settings = fc.constantFrom<Obj>({}, { direction: 'in' }, { readers: { '1': 'in', '2': 'out' } }, { channel: 'gate' }, { readers: 'nonsense' }, { readers: { '1': 'up' } }, { direction: 7 }, { channel: 'manual' })
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.keys(event), 'employeeNo', 'dateTime', 'picData'),
      fc.constantFrom('major', 'minor', 'time', 'serialNo', 'employeeNoString', 'employeeNo', 'cardReaderNo', 'attendanceStatus'),
      fc.jsonValue(),
      fc.string(),
      settings,
      (pushKey, entryKey, value, timeZone, s) => {
        const d = { ...device, timeZone, settings: s }
        return (
          problemWithResult(decode(push({ [pushKey]: value }), d)) === undefined &&
          problemWithResult(decode(push({}, [], { [pushKey]: value }), d)) === undefined &&
          problemWithResult(decode(entry({ [entryKey]: value }), d)) === undefined
        )
      },
    ),
  )
  t.pass('held')
})
