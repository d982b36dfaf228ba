/**
 * `npm run device-frame` on the captures in devices/<model>/samples: its JSON on stdout and its exit code, once as a
 * vendor's engineer runs it (a child process), the other cases through its main in-process. Pure: no database.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { attlogRecordId } from '../../devices/zkteco-adms/codec.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { cutBody, main, parseArgs } from '../../src/cli/device-frame.ts'
import { capturedOutput } from '../../src/cli/output.ts'

const CLI = fileURLToPath(new URL('../../src/cli/device-frame.ts', import.meta.url))
const DEVICES = new URL('../../devices/', import.meta.url)
const sample = (model: string, name: string): string => fileURLToPath(new URL(`${model}/samples/${name}`, DEVICES))

interface Run {
  code: number | null
  out: unknown
  stdout: string
  stderr: string
}

/**
 * The CLI's main in-process, with its output captured: what a child process would print and exit with, without
 * starting one per case (each costs a second of TypeScript loading). One case below runs the real child.
 */
function run(...args: string[]): Run {
  const io = capturedOutput()
  const code = main(args, io)
  return { code, out: parsed(io.stdout()), stdout: io.stdout(), stderr: io.stderr() }
}

/** `npm run device-frame` as a vendor's engineer runs it: a child process, its stdout and its exit code. */
function runChild(...args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf-8', timeout: 60_000 })
  return { code: r.status, out: parsed(r.stdout), stdout: r.stdout, stderr: r.stderr }
}

function parsed(stdout: string): unknown {
  try {
    return stdout.trim() === '' ? undefined : JSON.parse(stdout)
  } catch {
    return undefined
  }
}

interface Punch {
  frame: number
  line?: number
  recordId: string
  person: { kind: string; value?: string }
  deviceTime: string
  localTime: string
  direction: string
  verifyMethod: string
  channel: string
}
interface Report {
  model: string
  zone: string
  serial: string
  body: string
  frames: number
  punches: Punch[]
  refused: Array<{ frame: number | null; line?: number; reason: string; detail: string }>
}
const report = (r: Run): Report => {
  if (r.out === undefined) throw new Error(`no JSON on stdout: ${r.stdout} ${r.stderr}`)
  return r.out as Report
}

t.test('a ZKTeco ATTLOG capture, in a child process as an engineer runs it: one punch per line, with its line, exit 0', async (t) => {
  const r = runChild('zkteco-adms', sample('zkteco-adms', 'ok.adms-handler-batch3.txt'))
  t.equal(r.code, 0, r.stderr)
  const rep = report(r)
  t.match(rep, { model: 'zkteco-adms', zone: 'Asia/Shanghai', serial: 'DEVICE', body: 'attlog', frames: 3, refused: [] })
  t.same(rep.punches.map((p) => [p.frame, p.line, p.person.value, p.deviceTime, p.localTime, p.direction, p.verifyMethod]), [
    [1, 1, '100', '2024-01-01T00:00:00.000Z', '2024-01-01 08:00:00', 'unknown', 'fingerprint'],
    [2, 2, '200', '2024-01-01T01:00:00.000Z', '2024-01-01 09:00:00', 'unknown', 'fingerprint'],
    [3, 3, '300', '2024-01-01T02:00:00.000Z', '2024-01-01 10:00:00', 'unknown', 'card'],
  ])
  t.ok(rep.punches.every((p) => p.channel === 'face_terminal'))
})

t.test('ZKTeco with --serial and --settings: the record ids the service would store, the keypad as direction', async (t) => {
  const r = run('zkteco-adms', sample('zkteco-adms', 'ok.palmcode-inout.txt'), '--serial', 'ZK-0001', '--settings', '{"statusIsDirection":true}')
  t.equal(r.code, 0, r.stderr)
  const rep = report(r)
  t.equal(rep.serial, 'ZK-0001')
  t.same(rep.punches.map((p) => p.recordId), [
    attlogRecordId('ZK-0001', '11', '2025-08-27 10:57:49', 0, 25),
    attlogRecordId('ZK-0001', '11', '2025-08-27 10:58:58', 1, 1),
  ])
  t.same(rep.punches.map((p) => p.direction), ['in', 'out'])
  const crlf = run('zkteco-adms', sample('zkteco-adms', 'ok.seven-fields-crlf.txt'), '--serial=ZK-0001')
  t.equal(crlf.code, 0, crlf.stderr)
  t.equal(report(crlf).frames, 2, 'the blank CRLF lines at the end are no records')
})

t.test('a ZKTeco body with bad lines: each refused with its line and reason, the good ones decoded, exit 1', async (t) => {
  const idNumber = `11010119900307457${idCheckChar('11010119900307457')}`
  const body = Buffer.concat([
    Buffer.from(`${idNumber}\t2024-01-01 08:00:00\t0\t1\t0\n`),
    Buffer.from('\r\n'),
    Buffer.from('OPLOG 4\t0\t2024-01-01 08:00:00\t0\t0\t0\t0\n'),
    Buffer.from([0x31, 0x32, 0xff, 0x33, 0x09]), Buffer.from('2024-01-01 08:00:00\t0\t1\t0\n'),
    Buffer.from('124\t2024-01-01 08:00:00\t0\t77\t0\n'),
    Buffer.from('125\t2024-02-30 08:00:00\t0\t1\t0\n'),
    Buffer.from('126\t2024-01-01 17:30:00\t1\t15\t0\n'),
  ])
  const file = join(t.testdir({}), 'attlog.txt')
  writeFileSync(file, body)
  const r = run('zkteco-adms', file)
  t.equal(r.code, 1)
  const rep = report(r)
  t.equal(rep.frames, 6)
  t.same(rep.punches.map((p) => [p.frame, p.line]), [[1, 1], [6, 7]])
  t.same(rep.refused.map((x) => [x.frame, x.line, x.reason]), [
    [2, 3, 'not_a_punch'],
    [3, 4, 'malformed_payload'],
    [4, 5, 'malformed_payload'],
    [5, 6, 'invalid_device_time'],
  ])
  t.match(rep.refused[1]?.detail, /not UTF-8/)
  // A PIN that is an ID number is shown as the service shows one; its digits appear nowhere, the record id included.
  t.equal(rep.punches[0]?.person.value, `110101********${idNumber.slice(-4)}`)
  t.notMatch(r.stdout, idNumber)
  t.notMatch(r.stdout, /19900307/)
})

t.test('a ZKTeco body of another table: not_a_punch is a refusal', async (t) => {
  const r = run('zkteco-adms', sample('zkteco-adms', 'not_a_punch.operlog-line.txt'))
  t.equal(r.code, 1)
  t.same(report(r).refused.map((x) => [x.frame, x.line, x.reason]), [[1, 1, 'not_a_punch']])
})

t.test('a Hikvision search page: the verifications decoded, door, alarm and remote-open events refused as not_a_punch', async (t) => {
  const r = run('hikvision-isapi', sample('hikvision-isapi', 'bodies/search-page-more.json'))
  t.equal(r.code, 1)
  const rep = report(r)
  t.match(rep, { body: 'search', frames: 7, serial: 'DEVICE' })
  t.same(rep.punches.map((p) => [p.frame, p.recordId, p.person.value, p.localTime, p.verifyMethod]), [
    [2, '1234', '1001', '2026-11-03 07:31:12', 'face'],
    [4, '1236', '1002', '2026-11-03 07:33:05', 'card'],
  ])
  t.same(rep.refused.map((x) => [x.frame, x.reason]), [[1, 'not_a_punch'], [3, 'not_a_punch'], [5, 'not_a_punch'], [6, 'not_a_punch'], [7, 'not_a_punch']])
  t.notOk(rep.refused.some((x) => 'line' in x))
})

t.test('Hikvision answers with nothing or an error: exit 0 for no match, exit 1 for the device error', async (t) => {
  const none = run('hikvision-isapi', sample('hikvision-isapi', 'bodies/search-no-match.json'))
  t.equal(none.code, 0, none.stderr)
  t.match(report(none), { body: 'search', frames: 0, punches: [], refused: [] })
  const error = run('hikvision-isapi', sample('hikvision-isapi', 'bodies/search-error.json'))
  t.equal(error.code, 1)
  t.match(report(error), { body: 'search', frames: 0, punches: [], refused: [{ frame: null, reason: 'device_error', detail: /notSupport/ }] })
})

t.test('Hikvision multipart pushes: the event decoded, the picture never read out; the zone moves local time only', async (t) => {
  for (const name of ['push-multipart-form-data.bin', 'push-multipart-mixed-lf.bin']) {
    const r = run('hikvision-isapi', sample('hikvision-isapi', `bodies/${name}`))
    t.equal(r.code, 0, `${name} ${r.stderr}`)
    t.match(report(r), { body: 'push', frames: 1, refused: [] }, name)
    t.equal(report(r).punches.length, 1, name)
    t.notMatch(r.stdout, /JFIF|scan data/, name)
  }
  const london = run('hikvision-isapi', sample('hikvision-isapi', 'bodies/push-multipart-form-data.bin'), '--zone', 'Europe/London')
  t.equal(london.code, 0, london.stderr)
  t.match(report(london), { zone: 'Europe/London', punches: [{ deviceTime: '2026-11-02T23:31:12.000Z', localTime: '2026-11-02 23:31:12' }] })
  const json = run('hikvision-isapi', sample('hikvision-isapi', 'ok.push-face-check-in.json'))
  t.equal(json.code, 0, json.stderr)
  t.equal(report(json).body, 'push')
  const broken = join(t.testdir({}), 'broken.bin')
  writeFileSync(broken, '--MIME_boundary\r\nContent-Type: application/json\r\n\r\n{"a":1}\r\n')
  const cut = run('hikvision-isapi', broken)
  t.equal(cut.code, 1)
  t.match(report(cut), { frames: 0, refused: [{ frame: null, reason: 'malformed_payload', detail: /closing boundary/ }] })
})

t.test('a face-fr900 frame: the serial read from the frame, wall time in the zone; another serial is a mismatch', async (t) => {
  const r = run('face-fr900', sample('face-fr900', 'ok.face-match.json'))
  t.equal(r.code, 0, r.stderr)
  t.match(report(r), {
    serial: 'FT-0001',
    body: 'frame',
    frames: 1,
    punches: [{ frame: 1, recordId: '88213', person: { kind: 'device_user', value: 'W0012' }, deviceTime: '2026-11-02T23:31:12.000Z', localTime: '2026-11-03 07:31:12', direction: 'unknown', verifyMethod: 'face', channel: 'face_terminal' }],
  })
  t.notOk('line' in (report(r).punches[0] ?? {}))
  const london = run('face-fr900', sample('face-fr900', 'ok.face-match.json'), '--zone=Europe/London')
  t.match(report(london), { punches: [{ deviceTime: '2026-11-03T07:31:12.000Z', localTime: '2026-11-03 07:31:12' }] })
  const photo = run('face-fr900', sample('face-fr900', 'ok.with-photo.json'))
  t.equal(photo.code, 0, photo.stderr)
  t.notMatch(photo.stdout, /9j\/4AAQ/)
  const other = run('face-fr900', sample('face-fr900', 'ok.face-match.json'), '--serial', 'FT-0002')
  t.equal(other.code, 1)
  t.match(report(other), { serial: 'FT-0002', punches: [], refused: [{ frame: 1, reason: 'device_serial_mismatch' }] })
  const heartbeat = run('face-fr900', sample('face-fr900', 'not_a_punch.heartbeat.json'))
  t.equal(heartbeat.code, 1)
  t.match(report(heartbeat), { refused: [{ frame: 1, reason: 'not_a_punch' }] })
})

t.test('a gate-ts200 frame: the ID number masked as the service masks it', async (t) => {
  const r = run('gate-ts200', sample('gate-ts200', 'ok.card-lane-1-in.json'))
  t.equal(r.code, 0, r.stderr)
  t.match(report(r), { serial: 'GT-0001', punches: [{ person: { kind: 'id_number', value: '330106********1234' }, direction: 'in', channel: 'gate' }] })
  t.notMatch(r.stdout, /330106199001011234/)
})

t.test('usage: exit 2 with a message on stderr and nothing on stdout', async (t) => {
  const file = sample('zkteco-adms', 'ok.adms-handler-single.txt')
  const cases: Array<[string[], RegExp]> = [
    [[], /no model/],
    [['no-such-model', file], /gate-ts200, face-fr900, canonical, zkteco-adms, hikvision-isapi, dahua-access/],
    [['zkteco-adms'], /no file/],
    [['zkteco-adms', '/no/such/capture.txt'], /cannot read/],
    [['zkteco-adms', file, '--zone', 'Mars/Olympus'], /IANA/],
    [['zkteco-adms', file, '--settings', '{"statusIsDirection":"yes"}'], /statusIsDirection/],
  ]
  for (const [args, message] of cases) {
    const r = run(...args)
    t.equal(r.code, 2, args.join(' '))
    t.equal(r.stdout, '', args.join(' '))
    t.match(r.stderr, /^device-frame: /, args.join(' '))
    t.match(r.stderr, message, args.join(' '))
  }
})

// The rest of the argument rules in process: a child process each would only repeat the exit path tested above.
t.test('arguments: both option spellings; settings, serial and stray arguments checked', async (t) => {
  t.match(parseArgs(['hikvision-isapi', 'f', '--zone=Europe/London', '--serial', 'HK-1', '--settings={"channel":"gate"}']), {
    ok: true, model: 'hikvision-isapi', file: 'f', zone: 'Europe/London', serial: 'HK-1', settings: { channel: 'gate' },
  })
  t.match(parseArgs(['canonical', 'f']), { ok: true, zone: 'Asia/Shanghai', serial: undefined, settings: {} })
  const refusals: Array<[string[], RegExp]> = [
    [['zkteco-adms', 'f', '--settings', '{'], /not JSON/],
    [['zkteco-adms', 'f', '--settings', '[true]'], /JSON object/],
    [['face-fr900', 'f', '--settings={"lanes":{}}'], /direction/],
    [['canonical', 'f', '--settings', '{"x":1}'], /takes no settings/],
    [['zkteco-adms', 'f', '--serial'], /needs a value/],
    [['zkteco-adms', 'f', '--serial='], /--serial must be/],
    [['zkteco-adms', 'f', '--serial', ' ZK1'], /--serial must be/],
    [['zkteco-adms', 'f', '--zone', 'UTC', '--zone', 'UTC'], /twice/],
    [['zkteco-adms', 'f', '--verbose'], /unknown option/],
    [['zkteco-adms', 'f', 'g'], /one file/],
    [['--help'], /^$/],
  ]
  for (const [args, message] of refusals) {
    const parsed = parseArgs(args)
    t.equal(parsed.ok, false, args.join(' '))
    if (!parsed.ok) t.match(parsed.message, message, args.join(' '))
  }
})

t.test('a Dahua attach-stream capture: the access events decoded, heartbeats and door events refused as not_a_punch', async (t) => {
  const r = run('dahua-access', sample('dahua-access', 'bodies/stream-crlf.bin'))
  t.equal(r.code, 1)
  const rep = report(r)
  t.match(rep, { model: 'dahua-access', body: 'stream', frames: 7, serial: 'DEVICE' })
  t.same(rep.punches.map((p) => [p.frame, p.recordId, p.person.value, p.localTime, p.direction, p.verifyMethod]), [
    [2, '1234', '1001', '2026-11-03 07:31:12', 'in', 'face'],
    [6, '1235', '1002', '2026-11-03 17:02:45', 'out', 'card'],
  ])
  t.same(rep.refused.map((x) => [x.frame, x.reason]), [[1, 'not_a_punch'], [3, 'not_a_punch'], [4, 'not_a_punch'], [5, 'not_a_punch'], [7, 'not_a_punch']])
  const part = run('dahua-access', sample('dahua-access', 'ok.face-entry.txt'))
  t.equal(part.code, 0, part.stderr)
  t.match(report(part), { body: 'frame', frames: 1, punches: [{ frame: 1, recordId: '1234' }], refused: [] })
})

t.test('a Dahua stream cut: one frame per part, heartbeats included, unreadable stretches refused in place', async (t) => {
  const event = 'Code=AccessControl;action=Pulse;index=0;data={ "UserID" : "1001", "RecNo" : 1234, "Status" : 1, "Method" : 15 }'
  const stream = Buffer.from(
    [
      '--myboundary', 'Content-Type: text/plain', 'Content-Length: 9', '', 'Heartbeat',
      'stray text between parts',
      '--myboundary', 'Content-Type: text/plain', `Content-Length: ${Buffer.byteLength(event)}`, '', event,
      '--myboundary', 'Content-Type: text/plain', 'Content-Length: 999', '', 'Heartbeat',
    ].join('\r\n') + '\r\n',
  )
  const cut = cutBody('dahua-access', stream)
  t.equal(cut.body, 'stream')
  t.same(cut.frames.map((f) => [f.frame, f.payload.toString()]), [[1, 'Heartbeat'], [3, event]])
  t.same(cut.refused.map((r) => [r.frame, r.reason]), [[2, 'malformed_part'], [4, 'malformed_part']])
  t.match(cut.refused[1]?.detail, /Content-Length 999/)

  const one = cutBody('dahua-access', Buffer.from(event))
  t.match(one, { body: 'frame', refused: [] })
  t.same(one.frames.map((f) => f.payload.toString()), [event])
})
