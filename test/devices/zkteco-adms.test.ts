import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import type { DeviceContext } from '../../devices/codec.ts'
import { readRecordId } from '../../devices/frame.ts'
import { attlogRecordId, deviceTimeZone, localTimeToUtcMs, STATUS_DIRECTIONS, VERIFY_CODES, zktecoAdms } from '../../devices/zkteco-adms/codec.ts'
import {
  ATTLOG_BODY_BYTES_MAX,
  ATTLOG_LINE_BYTES_MAX,
  ATTLOG_LINES_MAX,
  parseAdmsQuery,
  splitAttlog,
} from '../../devices/zkteco-adms/split.ts'
import { localTimeOf, parseLocalDateTime, workDateOf } from '../../src/kernel/time.ts'
import { DEVICES_DIR } from './helpers/samples.ts'
import { problemWithResult } from './helpers/results.ts'

const device: DeviceContext = { serial: 'ZK-0001', timeZone: 'Asia/Shanghai', settings: {} }
const withSettings = (settings: Record<string, unknown>): DeviceContext => ({ ...device, settings })
const line = (text: string) => Buffer.from(text, 'utf8')
const decode = (text: string, d: DeviceContext = device) => zktecoAdms.decode(line(text), d)
const body = (name: string) => readFileSync(new URL(`zkteco-adms/samples/${name}.txt`, DEVICES_DIR))
/** A sample body split and every line decoded, as the edge will. */
function decodeBody(name: string, d: DeviceContext = device) {
  const { lines, errors } = splitAttlog(body(name))
  if (errors.length > 0) throw new Error(`${name}: ${errors.map((e) => e.detail).join('; ')}`)
  return lines.map((l) => zktecoAdms.decode(l.payload, d))
}
const punch = (pin: string, time: string, status: number, verify: number, utcMs: number, rest: { direction?: string; verifyMethod: string }) => ({
  ok: true,
  punch: {
    deviceSerial: 'ZK-0001',
    recordId: attlogRecordId('ZK-0001', pin, time, status, verify),
    person: { kind: 'device_user', value: pin },
    deviceTimeMs: utcMs,
    direction: rest.direction ?? 'unknown',
    verifyMethod: rest.verifyMethod,
    channel: 'face_terminal',
  },
})

void t.test('model and channel', async (t) => {
  t.equal(zktecoAdms.model, 'zkteco-adms')
  t.equal(zktecoAdms.channel, 'face_terminal')
  t.notOk('redact' in zktecoAdms, 'nothing to cut from a refused line: it carries no photo')
})

void t.test('the real captures decode to the punches a person reads from them (Asia/Shanghai, UTC+8)', async (t) => {
  // "123, 1 January 2024 at 08:00, checked in (0) by fingerprint (1)".
  t.same(decodeBody('ok.adms-handler-single'), [punch('123', '2024-01-01 08:00:00', 0, 1, Date.UTC(2024, 0, 1, 0, 0, 0), { verifyMethod: 'fingerprint' })])
  t.same(decodeBody('ok.adms-handler-batch3'), [
    punch('100', '2024-01-01 08:00:00', 0, 1, Date.UTC(2024, 0, 1, 0), { verifyMethod: 'fingerprint' }),
    punch('200', '2024-01-01 09:00:00', 1, 1, Date.UTC(2024, 0, 1, 1), { verifyMethod: 'fingerprint' }),
    punch('300', '2024-01-01 10:00:00', 0, 2, Date.UTC(2024, 0, 1, 2), { verifyMethod: 'card' }),
  ])
  t.same(decodeBody('ok.adms-handler-face-tz'), [punch('123', '2024-06-15 09:00:00', 0, 15, Date.UTC(2024, 5, 15, 1), { verifyMethod: 'face' })])
  t.same(decodeBody('ok.adms-example-workcode'), [punch('USER001', '2026-03-20 09:00:00', 0, 1, Date.UTC(2026, 2, 20, 1), { verifyMethod: 'fingerprint' })], 'six fields; the work code is dropped')
  t.same(decodeBody('ok.palmcode-inout'), [
    punch('11', '2025-08-27 10:57:49', 0, 25, Date.UTC(2025, 7, 27, 2, 57, 49), { verifyMethod: 'fingerprint' }),
    punch('11', '2025-08-27 10:58:58', 1, 1, Date.UTC(2025, 7, 27, 2, 58, 58), { verifyMethod: 'fingerprint' }),
  ], 'four fields; palm (25) is recorded as fingerprint')
  t.same(decodeBody('ok.palmcode-palm'), [punch('11', '2025-08-27 10:57:49', 0, 25, Date.UTC(2025, 7, 27, 2, 57, 49), { verifyMethod: 'fingerprint' })], 'the 10-field layout of newer firmware')
  t.same(decodeBody('ok.adms-datasheet-keyvalue'), [
    punch('1001', '2025-09-02 14:32:11', 0, 1, Date.UTC(2025, 8, 2, 6, 32, 11), { verifyMethod: 'fingerprint' }),
    punch('1002', '2025-09-02 14:35:54', 0, 1, Date.UTC(2025, 8, 2, 6, 35, 54), { verifyMethod: 'fingerprint' }),
  ], 'the key=value layout, fields apart by spaces')
  t.same(decodeBody('ok.seven-fields-crlf'), [
    punch('W0012', '2026-11-03 07:31:12', 0, 15, Date.UTC(2026, 10, 2, 23, 31, 12), { verifyMethod: 'face' }),
    punch('W0013', '2026-11-03 17:45:03', 1, 1, Date.UTC(2026, 10, 3, 9, 45, 3), { verifyMethod: 'fingerprint' }),
  ], 'the 7-field layout, CRLF line ends and trailing blank lines')
})

void t.test('the keypad status gives the direction only when the device is registered for it', async (t) => {
  const trusted = withSettings({ statusIsDirection: true })
  t.same(decodeBody('ok.adms-handler-batch3', trusted).map((r) => r.ok && r.punch.direction), ['in', 'out', 'in'])
  t.same(decodeBody('ok.palmcode-inout', trusted).map((r) => r.ok && r.punch.direction), ['in', 'out'])
  t.same(decodeBody('ok.adms-handler-batch3').map((r) => r.ok && r.punch.direction), ['unknown', 'unknown', 'unknown'], 'not registered for it')
  t.same(decodeBody('ok.adms-handler-batch3', withSettings({ statusIsDirection: false })).map((r) => r.ok && r.punch.direction), ['unknown', 'unknown', 'unknown'])
  const expected: Record<number, string> = { 0: 'in', 1: 'out', 2: 'out', 3: 'in', 4: 'in', 5: 'out', 6: 'unknown', 100: 'unknown', 255: 'unknown' }
  for (const [status, direction] of Object.entries(expected)) {
    t.match(decode(`7\t2024-01-01 08:00:00\t${status}\t1\t0`, trusted), { ok: true, punch: { direction } }, `status ${status}`)
  }
  t.same(Object.keys(STATUS_DIRECTIONS), ['0', '1', '2', '3', '4', '5'])
  t.match(decode('7\t2024-01-01 08:00:00\t1\t1\t0', withSettings({ direction: 'in' })), { ok: true, punch: { direction: 'in' } }, 'a fixed direction wins over the status')
  t.match(decode('7\t2024-01-01 08:00:00\t0\t1\t0', withSettings({ direction: 'out' })), { ok: true, punch: { direction: 'out' } })
  t.match(decode('7\t2024-01-01 08:00:00\t0\t1\t0', withSettings({ statusIsDirection: 'yes' })), { ok: true, punch: { direction: 'unknown' } }, 'only true trusts it')
})

void t.test('channel: a face terminal unless registered as a gate', async (t) => {
  t.match(decode('7\t2024-01-01 08:00:00\t0\t15'), { ok: true, punch: { channel: 'face_terminal' } })
  t.match(decode('7\t2024-01-01 08:00:00\t0\t15', withSettings({ channel: 'gate' })), { ok: true, punch: { channel: 'gate' } })
  t.match(decode('7\t2024-01-01 08:00:00\t0\t15', withSettings({ channel: 'manual' })), { ok: true, punch: { channel: 'face_terminal' } }, 'manual is no channel a device may claim')
})

void t.test('verify codes', async (t) => {
  const expected: Record<number, string> = { 0: 'password', 1: 'fingerprint', 2: 'card', 3: 'password', 4: 'card', 5: 'fingerprint', 6: 'fingerprint', 7: 'card', 8: 'fingerprint', 15: 'face', 25: 'fingerprint' }
  t.same(VERIFY_CODES, expected, 'the table the README shows')
  for (const [code, method] of Object.entries(expected)) t.match(decode(`7\t2024-01-01 08:00:00\t0\t${code}`), { ok: true, punch: { verifyMethod: method } }, `code ${code}`)
  for (const code of ['9', '11', '16', '200', '999']) {
    t.match(decode(`7\t2024-01-01 08:00:00\t0\t${code}`), { ok: false, reason: 'malformed_payload', detail: /Verify \(field 4\) is \d+, a verify code .*settings.verifyCodes/ }, `unknown code ${code} is refused, not guessed`)
  }
  const own = withSettings({ verifyCodes: { '16': 'face', '2': 'password' } })
  t.match(decode('7\t2024-01-01 08:00:00\t0\t16', own), { ok: true, punch: { verifyMethod: 'face' } }, 'a device names a code the table lacks')
  t.match(decode('7\t2024-01-01 08:00:00\t0\t2', own), { ok: true, punch: { verifyMethod: 'password' } }, 'and overrides one its firmware reads differently')
  t.match(decode('7\t2024-01-01 08:00:00\t0\t1', own), { ok: true, punch: { verifyMethod: 'fingerprint' } }, 'the rest of the table stands')
  t.match(decode('7\t2024-01-01 08:00:00\t0\t16', withSettings({ verifyCodes: { '16': 'manual' } })), { ok: false, reason: 'malformed_payload' }, 'an unusable setting counts for nothing')
  t.match(decode('7\t2024-01-01 08:00:00\t0\t16', withSettings({ verifyCodes: 'face' })), { ok: false, reason: 'malformed_payload' })
  t.match(decode('7\t2024-01-01 08:00:00\t0\t1', withSettings({ verifyCodes: { toString: 'face' } })), { ok: true, punch: { verifyMethod: 'fingerprint' } })
})

void t.test('record ids: stable, distinct, within the rules, without the PIN', async (t) => {
  // The README's example. The rule must never change: records stored under the old rule would be stored again when re-sent.
  t.equal(attlogRecordId('TEST001', '123', '2024-01-01 08:00:00', 0, 1), '20240101080000-0-1-d9051633b8b19fc8')
  t.match(zktecoAdms.decode(body('ok.adms-handler-single'), { ...device, serial: 'TEST001' }), { ok: true, punch: { recordId: '20240101080000-0-1-d9051633b8b19fc8' } })
  const a = decode('330106199001011234\t2024-01-01 08:00:00\t0\t1\t0')
  t.match(a, { ok: true, punch: { recordId: /^20240101080000-0-1-[0-9a-f]{16}$/ } })
  if (!a.ok) return
  t.notMatch(a.punch.recordId, '330106199001011234', 'an ID number enrolled as PIN stays out of the record id')
  t.same(decode('330106199001011234\t2024-01-01 08:00:00\t0\t1\t0'), a, 'a re-sent line is the same record')
  t.same(decode('330106199001011234\t2024-01-01 08:00:00\t0\t1\t7\t1\t1\t0\t36.5\t0'), a, 'fields past Verify are no part of the record')
  t.equal(
    (decode('PIN=1001\tDateTime=2025-09-02 14:32:11\tVerified=1\tStatus=0') as { punch: { recordId: string } }).punch.recordId,
    (decode('1001\t2025-09-02 14:32:11\t0\t1') as { punch: { recordId: string } }).punch.recordId,
    'one record, whichever layout carries it',
  )
  const others = [
    '330106199001011235\t2024-01-01 08:00:00\t0\t1',
    '330106199001011234\t2024-01-01 08:00:01\t0\t1',
    '330106199001011234\t2024-01-01 08:00:00\t1\t1',
    '330106199001011234\t2024-01-01 08:00:00\t0\t15',
  ]
  for (const o of others) t.not((decode(o) as { punch: { recordId: string } }).punch.recordId, a.punch.recordId, o.replaceAll('\t', ' | '))
  const onOther = zktecoAdms.decode(line('330106199001011234\t2024-01-01 08:00:00\t0\t1'), { ...device, serial: 'ZK-0002' })
  t.not((onOther as { punch: { recordId: string } }).punch.recordId, a.punch.recordId, 'the serial is part of it')
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 64 }), fc.string(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 999 }), (pin, serial, status, verify) => {
      const id = attlogRecordId(serial, pin, '9999-12-31 23:59:59', status, verify)
      return readRecordId(id, 'recordId').ok && id.length <= 40 && id === attlogRecordId(serial, pin, '9999-12-31 23:59:59', status, verify)
    }),
  )
})

void t.test('time: wall time in the device zone; its own timeZone setting wins over the project zone', async (t) => {
  const l = '123\t2024-06-15 09:00:00\t0\t15\t0'
  t.match(decode(l), { ok: true, punch: { deviceTimeMs: Date.UTC(2024, 5, 15, 1) } }, 'the project zone, Shanghai')
  // As the capture's origin asserts: the same line from a device set to Istanbul is 06:00Z.
  t.match(decode(l, withSettings({ timeZone: 'Europe/Istanbul' })), { ok: true, punch: { deviceTimeMs: Date.UTC(2024, 5, 15, 6) } }, 'the device set to Istanbul')
  t.match(decode(l, { ...device, timeZone: 'Asia/Tokyo' }), { ok: true, punch: { deviceTimeMs: Date.UTC(2024, 5, 15, 0) } }, 'a project in Tokyo')
  t.match(decode(l, { ...device, timeZone: 'Asia/Tokyo', settings: { timeZone: 'Asia/Shanghai' } }), { ok: true, punch: { deviceTimeMs: Date.UTC(2024, 5, 15, 1) } }, 'the setting wins')
  t.equal(deviceTimeZone(withSettings({ timeZone: 'Europe/Istanbul' })), 'Europe/Istanbul')
  t.equal(deviceTimeZone(device), 'Asia/Shanghai')
  t.match(decode(l, withSettings({ timeZone: 'Mars/Olympus_Mons' })), { ok: false, reason: 'invalid_device_time', detail: /settings.timeZone/ })
  t.match(decode(l, { ...device, timeZone: 'Mars/Olympus_Mons' }), { ok: false, reason: 'invalid_device_time', detail: /project time zone/ })
  for (const time of [
    '2024-02-30 08:00:00',
    '2023-02-29 08:00:00',
    '0000-00-00 00:00:00',
    '1969-12-31 23:59:59',
    '2024-13-01 08:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 08:60:00',
    '2024-01-01 08:00:60',
    '2024-01-01 08:00',
    '2024-01-01T08:00:00',
    '2024/01/01 08:00:00',
    ' 2024-01-01 08:00:00',
    '1704067200',
    '',
  ]) {
    t.match(decode(`123\t${time}\t0\t1\t0`), { ok: false, reason: 'invalid_device_time', detail: /time \(field 2\)/ }, JSON.stringify(time))
  }
  t.match(decode('PIN=1\tDateTime=2024-02-30 08:00:00\tVerified=1\tStatus=0'), { ok: false, reason: 'invalid_device_time', detail: /DateTime/ })
  t.match(decode('123\t2024-02-29 08:00:00\t0\t1'), { ok: true }, 'a leap day')
})

void t.test('property: the hour-at-a-time reading of local time agrees with parseLocalDateTime', async (t) => {
  const pad2 = (n: number) => String(n).padStart(2, '0')
  // Zones with daylight saving on the hour, at 01:00 UTC, by half an hour (Lord Howe), at a :45 offset, and none.
  const zones = ['Asia/Shanghai', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/St_Johns', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'UTC']
  const wall = fc.record({
    year: fc.integer({ min: 1970, max: 2040 }),
    // Half the months are March, April, October or November, when most changes happen.
    month: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(3, 4, 10, 11)),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constantFrom(1, 2, 3)),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
  })
  fc.assert(
    fc.property(wall, fc.constantFrom(...zones), (w, zone) => {
      const text = `${w.year}-${pad2(w.month)}-${pad2(w.day)} ${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`
      return localTimeToUtcMs(text, zone) === parseLocalDateTime(text, zone)
    }),
    { numRuns: 20_000 },
  )
  // Every second of the hours around a change, in both directions.
  for (const [zone, date, hours] of [['Europe/Berlin', '2026-03-29', [1, 2, 3]], ['Europe/Berlin', '2026-10-25', [1, 2, 3]], ['Australia/Lord_Howe', '2026-04-05', [1, 2]], ['Australia/Lord_Howe', '2026-10-04', [1, 2, 3]]] as const) {
    for (const hour of hours) {
      for (let s = 0; s < 3600; s += 7) {
        const text = `${date} ${pad2(hour)}:${pad2(Math.floor(s / 60))}:${pad2(s % 60)}`
        if (localTimeToUtcMs(text, zone) !== parseLocalDateTime(text, zone)) t.fail(`${zone} ${text}`)
      }
    }
  }
  t.pass('held')
})

void t.test('property: a record line round-trips, in every layout from 4 to 10 fields', async (t) => {
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Za-z0-9]{1,24}$/),
      fc.date({ min: new Date(Date.UTC(1992, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true }),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(...Object.keys(VERIFY_CODES).map(Number)),
      fc.integer({ min: 4, max: 10 }),
      (pin, date, status, verify, fieldCount) => {
        const ms = Math.floor(date.getTime() / 1000) * 1000
        const time = `${workDateOf(ms, 'Asia/Shanghai')} ${localTimeOf(ms, 'Asia/Shanghai')}`
        const fields = [pin, time, String(status), String(verify), ...Array.from({ length: fieldCount - 4 }, (_, i) => String(i))]
        const r = decode(fields.join('\t'), withSettings({ statusIsDirection: true }))
        return (
          r.ok &&
          r.punch.deviceTimeMs === ms &&
          r.punch.person.kind === 'device_user' &&
          r.punch.person.value === pin &&
          r.punch.verifyMethod === VERIFY_CODES[verify] &&
          r.punch.direction === (STATUS_DIRECTIONS[status] ?? 'unknown') &&
          r.punch.recordId === attlogRecordId('ZK-0001', pin, time, status, verify)
        )
      },
    ),
    { numRuns: 500 },
  )
  t.pass('held')
})

void t.test('malformed_payload names the field', async (t) => {
  const cases: [string, string, RegExp][] = [
    ['three fields', '123\t2024-01-01 08:00:00\t0', /Verify \(field 4\) is missing/],
    ['one field', '123', /time \(field 2\) is missing/],
    ['eleven fields', '123\t2024-01-01 08:00:00\t0\t1\t0\t0\t0\t0\t0\t0\t0', /11 TAB-separated fields; .* at most 10/],
    ['spaces, not TABs', '123 2024-01-01 08:00:00 0 1 0', /1 TAB-separated field;/],
    ['an empty PIN', '\t2024-01-01 08:00:00\t0\t1', /PIN \(field 1\)/],
    ['a padded PIN', ' 123\t2024-01-01 08:00:00\t0\t1', /PIN \(field 1\)/],
    ['a PIN too long', `${'9'.repeat(65)}\t2024-01-01 08:00:00\t0\t1`, /PIN \(field 1\)/],
    ['a status word', '123\t2024-01-01 08:00:00\tIN\t1', /Status \(field 3\) is "IN"/],
    ['a status with a leading zero', '123\t2024-01-01 08:00:00\t00\t1', /Status \(field 3\)/],
    ['a status past 255', '123\t2024-01-01 08:00:00\t256\t1', /Status \(field 3\)/],
    ['a negative status', '123\t2024-01-01 08:00:00\t-1\t1', /Status \(field 3\)/],
    ['an empty status', '123\t2024-01-01 08:00:00\t\t1', /Status \(field 3\)/],
    ['a verify word', '123\t2024-01-01 08:00:00\t0\tface', /Verify \(field 4\)/],
    ['a verify past 999', '123\t2024-01-01 08:00:00\t0\t1000', /Verify \(field 4\)/],
    ['a key=value line with an unknown key', 'PIN=1\tDateTime=2024-01-01 08:00:00\tVerified=1\tStatus=0\tName=Zhang San', /unknown key "Name"/],
    ['a key=value line without Status', 'PIN=1\tDateTime=2024-01-01 08:00:00\tVerified=1', /no Status/],
    ['a key=value line giving PIN twice', 'PIN=1\tPIN=2\tDateTime=2024-01-01 08:00:00\tVerified=1\tStatus=0', /PIN twice/],
    ['a key=value line with an empty PIN', 'PIN=\tDateTime=2024-01-01 08:00:00\tVerified=1\tStatus=0', /^PIN must be/],
    ['a carriage return inside', '123\t2024-01-01 08:00:00\r\t0\t1', /control character/],
    ['a NUL', '123\u0000\t2024-01-01 08:00:00\t0\t1', /control character/],
    ['two lines in one frame', '123\t2024-01-01 08:00:00\t0\t1\n124\t2024-01-01 08:00:00\t0\t1', /more than one line/],
  ]
  for (const [name, text, detail] of cases) t.match(decode(text), { ok: false, reason: 'malformed_payload', detail }, name)
  t.match(zktecoAdms.decode(Buffer.from([0x31, 0x32, 0xff, 0x09]), device), { ok: false, reason: 'malformed_payload', detail: /UTF-8/ })
  t.match(zktecoAdms.decode(Buffer.alloc(ATTLOG_LINE_BYTES_MAX + 1, 0x31), device), { ok: false, reason: 'malformed_payload', detail: /bytes/ })
  const secret = decode('330106199001011234\t2024-01-01 08:00:00\tIN\t1')
  t.notMatch(JSON.stringify(secret), '330106199001011234', 'a detail never repeats the PIN')
})

void t.test('not_a_punch: lines of other tables', async (t) => {
  for (const text of ['OPLOG 4\t0\t2024-01-01 08:00:00\t0\t0\t0\t0', 'USER PIN=1\tName=Zhang San\tPri=0', 'FP PIN=1\tFID=0\tSize=1024\tValid=1\tTMP=ocosz', 'BIOPHOTO PIN=1\tFileName=1.jpg']) {
    t.match(decode(text), { ok: false, reason: 'not_a_punch', detail: /another table/ }, text.slice(0, 12))
  }
  t.match(decode('FP\t2024-01-01 08:00:00\t0\t1'), { ok: true, punch: { person: { value: 'FP' } } }, 'a worker whose PIN is FP')
})

void t.test('splitAttlog: one frame per record line', async (t) => {
  const split = splitAttlog(Buffer.from('\uFEFF1\t2024-01-01 08:00:00\t0\t1\r\n\r\n2\t2024-01-01 08:00:01\t0\t1\r\n  \t \n3\t2024-01-01 08:00:02\t0\t1'))
  t.same(split.errors, [])
  t.same(split.lines.map((l) => [l.lineNo, l.payload.toString()]), [
    [1, '1\t2024-01-01 08:00:00\t0\t1'],
    [3, '2\t2024-01-01 08:00:01\t0\t1'],
    [5, '3\t2024-01-01 08:00:02\t0\t1'],
  ], 'a byte-order mark and CRs dropped; blank lines skipped but counted; the last line needs no line end')
  t.same(splitAttlog(Buffer.alloc(0)), { lines: [], errors: [] }, 'an empty body')
  t.same(splitAttlog(Buffer.from('\r\n\n\n')), { lines: [], errors: [] }, 'only blank lines')

  const garbled = splitAttlog(Buffer.concat([line('1\t2024-01-01 08:00:00\t0\t1\n'), Buffer.from([0x32, 0xc3, 0x28, 0x0a]), line('3\t2024-01-01 08:00:02\t0\t1\n')]))
  t.same(garbled.lines.map((l) => l.lineNo), [1, 3], 'the other lines are still split')
  t.match(garbled.errors, [{ lineNo: 2, reason: 'malformed_payload', detail: 'line 2 is not UTF-8' }])
  t.same(garbled.errors[0]?.payload, Buffer.from([0x32, 0xc3, 0x28]), 'the refused line is kept as received')

  const long = splitAttlog(Buffer.from(`1\t2024-01-01 08:00:00\t0\t1\n${'9'.repeat(ATTLOG_LINE_BYTES_MAX + 1)}\n`))
  t.same(long.lines.map((l) => l.lineNo), [1])
  t.match(long.errors, [{ lineNo: 2, reason: 'malformed_payload', detail: /line 2 is 513 bytes/ }])

  const huge = splitAttlog(Buffer.alloc(ATTLOG_BODY_BYTES_MAX + 1, 0x0a))
  t.same(huge.lines, [])
  t.match(huge.errors, [{ lineNo: 0, reason: 'payload_too_large', detail: /the body is/ }], 'a body too large is not split at all')
  t.equal(huge.errors[0]?.payload.length, ATTLOG_LINE_BYTES_MAX, 'its first bytes kept')

  const many = splitAttlog(Buffer.from('1\t2024-01-01 08:00:00\t0\t1\n'.repeat(ATTLOG_LINES_MAX + 1)))
  t.same(many.lines, [])
  t.match(many.errors, [{ lineNo: 0, reason: 'payload_too_large', detail: new RegExp(`line ${ATTLOG_LINES_MAX + 1} is one too many`) }])
  t.equal(splitAttlog(Buffer.from('1\t2024-01-01 08:00:00\t0\t1\n'.repeat(ATTLOG_LINES_MAX))).lines.length, ATTLOG_LINES_MAX, 'the limit itself is allowed')
})

void t.test('parseAdmsQuery: SN, table and Stamp', async (t) => {
  t.same(parseAdmsQuery(new URLSearchParams('SN=AC123456789&table=ATTLOG&Stamp=9999')), { ok: true, value: { serial: 'AC123456789', table: 'ATTLOG', stamp: 9999 } })
  t.same(parseAdmsQuery({ SN: 'TEST001', table: 'ATTLOG' }), { ok: true, value: { serial: 'TEST001', table: 'ATTLOG', stamp: undefined } }, "fastify's parsed query")
  t.same(parseAdmsQuery(new URLSearchParams('SN=AC123456789&options=all&pushver=2.4.1')), { ok: true, value: { serial: 'AC123456789', table: undefined, stamp: undefined } }, 'the handshake')
  t.same(parseAdmsQuery(new URLSearchParams('SN=AC1&table=ATTLOG&Stamp=')), { ok: true, value: { serial: 'AC1', table: 'ATTLOG', stamp: undefined } }, 'an empty Stamp')
  const refused: [string, URLSearchParams | Record<string, unknown>, RegExp][] = [
    ['no SN', new URLSearchParams('table=ATTLOG'), /SN is missing/],
    ['an empty SN', new URLSearchParams('SN=&table=ATTLOG'), /SN must be/],
    ['SN twice', new URLSearchParams('SN=A&SN=B'), /SN is given 2 times/],
    ['SN twice, parsed', { SN: ['A', 'B'] }, /SN is given 2 times/],
    ['an SN with a slash', new URLSearchParams('SN=A/B'), /SN must be/],
    ['an SN too long', new URLSearchParams(`SN=${'A'.repeat(65)}`), /SN must be/],
    ['an SN not text', { SN: 5 }, /SN is not text/],
    ['a table with a space', new URLSearchParams('SN=A&table=ATT LOG'), /table/],
    ['a Stamp not a number', new URLSearchParams('SN=A&Stamp=abc'), /Stamp/],
    ['a negative Stamp', new URLSearchParams('SN=A&Stamp=-1'), /Stamp/],
  ]
  for (const [name, query, detail] of refused) t.match(parseAdmsQuery(query), { ok: false, detail }, name)
  t.match(parseAdmsQuery(JSON.parse('{"__proto__": {"SN": "X"}}') as Record<string, unknown>), { ok: false, detail: /SN is missing/ }, 'only its own properties')
})

void t.test('checkSettings', async (t) => {
  for (const ok of [{}, { statusIsDirection: true }, { statusIsDirection: false, direction: 'in' }, { direction: 'out' }, { timeZone: 'Europe/Istanbul' }, { channel: 'gate' }, { channel: 'face_terminal' }, { verifyCodes: { '16': 'face', '2': 'password' } }, { verifyCodes: {} }]) {
    t.equal(zktecoAdms.checkSettings(ok), undefined, JSON.stringify(ok))
  }
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ lanes: { '1': 'in' } }, /takes only the settings/],
    [{ statusisdirection: true }, /"statusisdirection"/],
    [{ statusIsDirection: 'true' }, /statusIsDirection/],
    [{ direction: 'sideways' }, /settings.direction/],
    [{ direction: 'in', statusIsDirection: true }, /keep one/],
    [{ timeZone: 'Mars/Olympus_Mons' }, /settings.timeZone/],
    [{ timeZone: 8 }, /settings.timeZone/],
    [{ channel: 'manual' }, /settings.channel/],
    [{ verifyCodes: [] }, /verifyCodes must be an object/],
    [{ verifyCodes: { '016': 'face' } }, /key "016"/],
    [{ verifyCodes: { palm: 'fingerprint' } }, /key "palm"/],
    [{ verifyCodes: { '25': 'palm' } }, /verifyCodes.25/],
    [{ verifyCodes: { '25': 'manual' } }, /verifyCodes.25/],
  ]
  for (const [settings, reason] of refused) t.match(zktecoAdms.checkSettings(settings), reason, JSON.stringify(settings))
})

const realLines = ['ok.adms-handler-batch3', 'ok.palmcode-palm', 'ok.adms-datasheet-keyvalue', 'ok.seven-fields-crlf', 'ok.adms-example-workcode'].flatMap((name) => splitAttlog(body(name)).lines.map((l) => l.payload))

/** A real line with bytes replaced, inserted or removed, or its fields shuffled, dropped or doubled. */
const mutatedLine = fc.oneof(
  fc.tuple(fc.constantFrom(...realLines), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([l, at, byte]) => {
    const b = Buffer.from(l)
    b[at % b.length] = byte
    return b
  }),
  fc.tuple(fc.constantFrom(...realLines), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([l, at, bytes]) => {
    const i = at % (l.length + 1)
    return Buffer.concat([l.subarray(0, i), Buffer.from(bytes), l.subarray(i)])
  }),
  fc.tuple(fc.constantFrom(...realLines), fc.nat(), fc.nat({ max: 12 })).map(([l, at, n]) => {
    const i = at % l.length
    return Buffer.concat([l.subarray(0, i), l.subarray(i + n)])
  }),
  fc.tuple(fc.constantFrom(...realLines), fc.array(fc.nat({ max: 11 }), { maxLength: 12 })).map(([l, picks]) => {
    const fields = l.toString().split('\t')
    return Buffer.from(picks.map((p) => fields[p % fields.length] ?? '').join('\t'))
  }),
  fc.tuple(fc.constantFrom(...realLines), fc.constantFrom('\t', ' ', '\r', '\n', '=', '-', ':', '0', '\u00a0', '工')).map(([l, s]) => Buffer.from(l.toString().replaceAll('\t', s))),
)

const contexts: fc.Arbitrary<DeviceContext> = fc.record({
  serial: fc.oneof(fc.constant('ZK-0001'), fc.string({ minLength: 1 })),
  timeZone: fc.oneof(fc.constantFrom('Asia/Shanghai', 'Europe/Istanbul', 'UTC'), fc.string()),
  settings: fc.oneof(
    fc.constant({}),
    fc.record({ statusIsDirection: fc.jsonValue(), timeZone: fc.oneof(fc.constant('Europe/Istanbul'), fc.jsonValue()), direction: fc.jsonValue(), channel: fc.jsonValue(), verifyCodes: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()) }, { requiredKeys: [] }),
    fc.dictionary(fc.string(), fc.jsonValue()),
  ),
})

void t.test('property: random and mutated bodies through split and decode give only typed results', async (t) => {
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
    fc.array(mutatedLine, { maxLength: 20 }).chain((lines) => fc.constantFrom('\n', '\r\n').map((end) => Buffer.from(lines.map((l) => l.toString('latin1')).join(end), 'latin1'))),
    fc.array(fc.oneof(mutatedLine, fc.constantFrom(...realLines)), { maxLength: 20 }).map((lines) => Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]))),
    fc.string({ unit: 'binary', maxLength: 600 }).map((s) => Buffer.from(s)),
  )
  fc.assert(
    fc.property(bodies, contexts, (b, ctx) => {
      const { lines, errors } = splitAttlog(b)
      let last = 0
      for (const l of lines) {
        if (l.lineNo <= last || l.payload.includes(0x0a) || l.payload.length === 0 || l.payload.length > ATTLOG_LINE_BYTES_MAX || l.payload[l.payload.length - 1] === 0x0d) return false
        last = l.lineNo
        if (problemWithResult(zktecoAdms.decode(l.payload, ctx)) !== undefined) return false
      }
      return errors.every((e) => (e.reason === 'malformed_payload' || e.reason === 'payload_too_large') && e.detail !== '' && e.lineNo >= 0 && Buffer.isBuffer(e.payload))
    }),
    { numRuns: 3000 },
  )
  fc.assert(
    fc.property(mutatedLine, contexts, (l, ctx) => problemWithResult(zktecoAdms.decode(l, ctx)) === undefined),
    { numRuns: 3000 },
  )
  t.pass('held')
})

void t.test('property: checkSettings and decode never throw on any settings', async (t) => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (settings) => {
      const reason = zktecoAdms.checkSettings(settings)
      return (reason === undefined || typeof reason === 'string') && problemWithResult(decode('7\t2024-01-01 08:00:00\t0\t1', withSettings(settings))) === undefined
    }),
  )
  t.pass('held')
})

void t.test('a line ended \\r\\r\\n keeps no CR on its last field (found by the property above, seed 908843414)', async (t) => {
  const { lines, errors } = splitAttlog(Buffer.from('1001\t2024-01-01 08:00:00\t0\t1\t0\r\r\n1002\t2024-01-01 08:01:00\t0\t1\t0\r\n'))
  t.same(errors, [])
  t.same(
    lines.map((l) => l.payload.toString()),
    ['1001\t2024-01-01 08:00:00\t0\t1\t0', '1002\t2024-01-01 08:01:00\t0\t1\t0'],
  )
})
