/**
 * The platform simulator over real HTTP, driven by the ledger's own client: every record kind goes out signed and
 * encrypted and comes back out of the platform as it was built; a wrong signature, a malformed record, an oversized
 * batch, a replayed nonce, an unknown app are refused with the platform's reasons; slow and down look like what they are.
 */
import t, { type Test } from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { PlatformClient, type AddOutcome } from '../../src/upstream/client.ts'
import { nationalSettings, type PlatformSettings } from '../../src/upstream/protocol.ts'
import {
  entryExitRecords,
  payRollDetailRecord,
  payRollRecord,
  projectWorkerRecord,
  teamMasterRecord,
  workerAttendanceRecord,
  type UpstreamRecord,
} from '../../src/upstream/records.ts'
import { UpstreamPlatform } from '../../simulators/upstream-platform.ts'

const APP_ID = '330106202601010001'
const SECRET = 'Wl0Test5ecret0fThePlatform2026AB'
const NOW = Date.UTC(2026, 10, 20, 2, 0, 0)

const project = { projectId: 'p1', projectCode: APP_ID, timeZone: 'Asia/Shanghai' }
const employer = { name: '杭州某劳务有限公司', creditCode: '91330106MA2XXXXXX1' }
const team = { id: 't1', name: '木工班', createdAtMs: Date.UTC(2026, 9, 1, 1, 0, 0) }
const worker = {
  id: 'w1',
  name: '张伟',
  idType: 'resident_id' as const,
  idNumber: '330106198001010013',
  gender: 'male' as const,
  birthDate: '1980-01-01',
  ethnicity: '汉',
  address: null,
  phone: '13800000000',
  trade: '木工',
  bankName: '中国工商银行',
  cardNo: '6222020000000000001',
}
const enrolment = { id: 'e1', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-10-01', exitDate: '2026-10-31' }

function everyKind(): UpstreamRecord[] {
  const code = 'GZD000123202610001'
  return [
    teamMasterRecord(project, employer, team, { name: '李强', idNumber: '330106198505050027' }),
    projectWorkerRecord(project, employer, team, worker, enrolment),
    ...entryExitRecords(project, employer, team, worker, enrolment),
    workerAttendanceRecord(project, team, worker, { kind: 'device', punchId: 1, deviceSerial: 'GATE-01', channel: 'gate', atMs: Date.UTC(2026, 9, 12, 23, 30, 5), direction: 'in' }),
    workerAttendanceRecord(project, team, worker, { kind: 'correction', correctionId: 'c1', atMs: Date.UTC(2026, 9, 13, 9, 0, 0), direction: 'out' }),
    payRollRecord(project, employer, {
      sheetId: 's1',
      version: 1,
      state: 'settled',
      period: '2026-10',
      teamName: team.name,
      subcontractorNo: '000123',
      sequence: 1,
      workerCount: 1,
      payableFen: fen(700_010),
      netFen: fen(650_000),
    })!,
    payRollDetailRecord({
      payRollCode: code,
      line: { lineId: 'l1', workerName: worker.name, cardNo: worker.cardNo, netFen: fen(650_000), payableFen: fen(700_010), dayHalves: 43 },
      worker,
      workedMinutes: 10_101,
      account: { accountNo: '1202000000000000001', bank: '中国工商银行杭州分行' },
      payment: { state: 'success', retrying: false, valueDate: '2026-11-13' },
      payDate: '2026-11-15',
      cumulativePaidFen: fen(650_000),
      cumulativeSettledFen: fen(700_010),
    }),
  ]
}

async function start(t: Test, opts: Partial<ConstructorParameters<typeof UpstreamPlatform>[0]> = {}): Promise<{ platform: UpstreamPlatform; settings: PlatformSettings; clock: ManualClock }> {
  const clock = new ManualClock(NOW)
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: 5, ...opts })
  const url = await platform.listen()
  t.teardown(() => platform.close())
  return { platform, settings: { ...nationalSettings(url, APP_ID, SECRET, 5) }, clock }
}

async function untilHandled(client: PlatformClient, serial: string): Promise<{ status: string; failList: Array<{ index: number; reason: string }> }> {
  for (let i = 0; i < 10; i++) {
    const q = await client.query(serial)
    if (q.outcome !== 'result') throw new Error(`query: ${JSON.stringify(q)}`)
    if (q.result.status !== '0') return q.result
  }
  throw new Error('still pending after 10 queries')
}

function taken(t: Test, outcome: AddOutcome): string {
  if (outcome.outcome !== 'taken') {
    t.fail(`not taken: ${JSON.stringify(outcome)}`)
    return ''
  }
  return outcome.requestSerialCode
}

t.test('every record kind round-trips: signed, encrypted, taken, pending, handled, kept as built', async (t) => {
  const { platform, settings, clock } = await start(t, { pendingQueries: 2 })
  const client = new PlatformClient({ settings, clock })
  const records = everyKind()
  t.same([...new Set(records.map((r) => r.kind))].sort(), ['EntryExitHistory', 'PayRoll', 'PayRollDetail', 'ProjectWorker', 'TeamMaster', 'WorkerAttendance'])
  for (const kind of ['TeamMaster', 'ProjectWorker', 'EntryExitHistory', 'WorkerAttendance', 'PayRoll', 'PayRollDetail'] as const) {
    const batch = records.filter((r) => r.kind === kind).map((r) => r.payload)
    const serial = taken(t, await client.add(kind, batch))
    t.match(serial, /^[a-z]+-[a-z]+-\d{10}-1-\d{4}$/, `${kind}: a request serial code`)
    const first = await client.query(serial)
    t.match(first, { outcome: 'result', result: { status: '0' } }, `${kind}: pending at first`)
    const done = await untilHandled(client, serial)
    t.equal(done.status, '20', `${kind}: handled`)
    t.same(done.failList, [], `${kind}: nothing refused`)
    t.same(platform.acceptedOf(kind), batch, `${kind}: the platform holds what was built, decrypted`)
  }
  t.equal(platform.refused.length, 0)
  t.equal(platform.pendingJobs, 0)
  t.ok(platform.calls.every((c) => c.code === 0), 'every call answered 0')
})

t.test('a wrong signature is refused with -2 and nothing is taken', async (t) => {
  const { platform, settings, clock } = await start(t)
  const client = new PlatformClient({ settings: { ...settings, appSecret: 'Xl0Test5ecret0fThePlatform2026AB' }, clock })
  const r = await client.add('WorkerAttendance', [everyKind()[4]!.payload as never])
  t.same(r, { outcome: 'refused', code: -2, message: '签名校验错误' })
  t.equal(platform.pendingJobs, 0)
  const unsorted = new PlatformClient({ settings: { ...settings, sign: { lowercase: false } }, clock })
  t.match(await unsorted.add('WorkerAttendance', [everyKind()[4]!.payload as never]), { outcome: 'refused', code: -2 }, 'a string not lower-cased is another signature')
  const stranger = new PlatformClient({ settings: { ...settings, appId: 'someone-else' }, clock })
  t.match(await stranger.add('WorkerAttendance', [everyKind()[4]!.payload as never]), { outcome: 'refused', code: -3 })
})

t.test('malformed records are refused one by one with reasons; the good ones in the batch are accepted', async (t) => {
  const { platform, settings, clock } = await start(t)
  const client = new PlatformClient({ settings, clock })
  const good = everyKind()[4]!.payload as unknown as Record<string, unknown>
  const batch = [
    good,
    { ...good, Direction: '03', CheckTime: '2026-10-13 7:30' },
    { ...good, IDCardNumber: '330106198001010014' },
    { ...good, Extra: 1 },
    { ...good, CheckChannel: undefined },
  ]
  const serial = taken(t, await client.add('WorkerAttendance', batch as never))
  const done = await untilHandled(client, serial)
  t.equal(done.status, '20')
  t.same(
    done.failList.map((f) => f.index),
    [1, 2, 3, 4],
  )
  const reasons = new Map(done.failList.map((f) => [f.index, f.reason]))
  t.match(reasons.get(1), /Direction: must be 01 \(in\) or 02 \(out\)/)
  t.match(reasons.get(1), /CheckTime: must be a time YYYY-MM-DD HH:mm:ss/)
  t.match(reasons.get(2), /IDCardNumber: must be an 18-character resident ID number with its check digit/)
  t.match(reasons.get(3), /Extra: unknown field/)
  t.match(reasons.get(4), /CheckChannel: required/)
  t.same(platform.acceptedOf('WorkerAttendance'), [good])

  // A value not encrypted with the platform's key cannot be read; a whole batch refused is status 10.
  const plain = JSON.parse(JSON.stringify(good)) as Record<string, unknown>
  const unreadable = new PlatformClient({ settings: { ...settings, cipher: { ...settings.cipher, key: 'another-key-of-32-bytes-00000000' } }, clock })
  const s2 = taken(t, await unreadable.add('WorkerAttendance', [plain as never]))
  const d2 = await untilHandled(client, s2)
  t.equal(d2.status, '10')
  t.match(d2.failList[0]?.reason, /IDCardNumber: cannot be decrypted/)

  // A record the platform refuses for its own reasons (a worker it does not know), planted by the test.
  platform.refuse = (kind, r) => (kind === 'PayRollDetail' && r.WorkerName === '张伟' ? '人员未在项目登记' : null)
  const detail = everyKind().find((r) => r.kind === 'PayRollDetail')!
  const d3 = await untilHandled(client, taken(t, await client.add('PayRollDetail', [detail.payload as never])))
  t.same(d3.failList, [{ index: 0, reason: '人员未在项目登记' }])
})

t.test('the call itself: batch size, replay, stale timestamp, unknown serial', async (t) => {
  const { platform, settings, clock } = await start(t)
  const good = everyKind()[4]!.payload
  const fixed = new PlatformClient({ settings: { ...settings, batchSizeMax: 10 }, clock, nonce: () => 'n-1' })
  t.match(await fixed.add('WorkerAttendance', Array(6).fill(good) as never), { outcome: 'refused', code: -1, message: /at most 5/ }, 'a batch over the platform limit')
  t.match(await fixed.add('WorkerAttendance', [good as never]), { outcome: 'refused', code: -1, message: 'nonce already used' }, 'a nonce is used once')
  const client = new PlatformClient({ settings, clock })
  clock.advance(11 * 60_000)
  const late = new PlatformClient({ settings, clock: new ManualClock(NOW) })
  t.match(await late.add('WorkerAttendance', [good as never]), { outcome: 'refused', code: -1, message: /timestamp/ }, 'a timestamp too far from the platform clock')
  t.match(await client.query('no-such-serial'), { outcome: 'refused', code: -1, message: 'unknown requestSerialCode' })
  t.equal(platform.pendingJobs, 0)
})

t.test('slow and down', async (t) => {
  const { platform, settings, clock } = await start(t)
  const good = everyKind()[4]!.payload
  platform.down = true
  const r = await new PlatformClient({ settings, clock }).add('WorkerAttendance', [good as never])
  t.equal(r.outcome, 'unreachable', 'down: no answer')
  t.equal(platform.pendingJobs, 0)
  platform.down = false
  platform.slowMs = 300
  const impatient = new PlatformClient({ settings, clock, timeoutMs: 100 })
  t.match(await impatient.add('WorkerAttendance', [good as never]), { outcome: 'unreachable', error: /TimeoutError|aborted/i }, 'slow past the timeout: no answer')
  const patient = new PlatformClient({ settings, clock, timeoutMs: 5_000 })
  t.equal((await patient.add('WorkerAttendance', [good as never])).outcome, 'taken', 'slow within the timeout: taken')
})
