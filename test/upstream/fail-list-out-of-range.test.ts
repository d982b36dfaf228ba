/**
 * A verdict's failList names records by their index in the batch. An index outside the batch (negative, or past its
 * end: a platform counting from 1, say) names no record we sent. A failed batch (status 10) whose failList named only
 * such indexes had every record sent again at once, the platform failed it again the same way, and so on: a resend
 * loop. Now such an answer is a protocol fault, kept for the log; the records it names in range are refused as
 * before, and a failed batch's other records are refused with the fault as their reason (the answer cannot say which
 * one failed it) instead of going out again; a handled batch's others are accepted as before. (Found by review.)
 */
import t from 'tap'
import type { Test } from 'tap'
import { openDatabase } from '../../src/db/client.ts'
import { insertInto } from '../../src/db/rows.ts'
import { organisations, projects } from '../../src/db/schema/index.ts'
import { HOUR_MS, ManualClock } from '../../src/kernel/time.ts'
import { PlatformClient } from '../../src/upstream/client.ts'
import { UPSTREAM_LIMITS } from '../../src/upstream/outbox.ts'
import { UpstreamOutbox } from '../../src/upstream/outbox-service.ts'
import { nationalSettings } from '../../src/upstream/protocol.ts'
import { workerAttendanceRecord } from '../../src/upstream/records.ts'
import { UpstreamSender } from '../../src/upstream/sender.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { UpstreamPlatform } from '../../simulators/upstream-platform.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

const APP_ID = '330106202601010001'
const SECRET = 'Wl0Test5ecret0fThePlatform2026AB'
const START = Date.UTC(2026, 10, 20, 1, 0, 0)

/** Three attendance records sent in one batch to a platform that answers every batch with `outcome`. */
async function batchOfThree(t: Test, outcome: { status: '10' | '20'; result: string; failList: Array<{ index: number; reason: string }> }) {
  const db = await openDatabase(await testDatabaseUrl(t))
  t.teardown(() => db.close())
  const clock = new ManualClock(START)
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: 10, pendingQueries: 0 })
  const url = await platform.listen()
  t.teardown(() => platform.close())
  ;(platform as unknown as { handleJob: () => unknown }).handleJob = () => outcome
  await db.run(
    insertInto(organisations, [
      { id: 'o-cu', kind: 'construction_unit', name: '建设单位', creditCode: '91330106MA2YYYYYY2', createdAtMs: START },
      { id: 'o-gc', kind: 'general_contractor', name: '总包', creditCode: '91330106MA2ZZZZZZ3', createdAtMs: START },
    ]),
  )
  await db.run(
    insertInto(projects, [
      { id: 'p-f', siteCode: 'F-1', name: 'F', regionCode: '330106', timeZone: 'Asia/Shanghai', payDay: 15, constructionUnitId: 'o-cu', generalContractorId: 'o-gc', accountBank: '工行', accountNo: '1202000000000000001', accountName: '专户', createdAtMs: START },
    ]),
  )
  const first17 = '33010619800101001'
  const w = { idType: 'resident_id' as const, idNumber: first17 + idCheckChar(first17) }
  const punch = (punchId: number, h: number) =>
    workerAttendanceRecord({ projectCode: 'F-1', timeZone: 'Asia/Shanghai' }, { name: '木工班' }, w, { kind: 'device', punchId, deviceSerial: 'G', channel: 'gate', atMs: START - h * HOUR_MS, direction: 'in' })
  const outbox = new UpstreamOutbox(clock)
  await db.tx((tx) => outbox.enqueue(tx, 'p-f', [punch(1, 3), punch(2, 2), punch(3, 1)]))
  const sender = new UpstreamSender(db, new PlatformClient({ settings: nationalSettings(url, APP_ID, SECRET, 10), clock }), clock, { random: () => 0.5 })
  // Ten poll intervals: enough for a loop to show.
  for (let i = 0; i < 10; i++) {
    await sender.pass()
    clock.advance(UPSTREAM_LIMITS.poll_interval_ms)
  }
  const rows = (await outbox.records(db, 'p-f')).sort((a, b) => (a.key < b.key ? -1 : 1))
  const adds = (await outbox.attempts(db, 'p-f')).filter((a) => a.action === 'add').length
  return { rows, adds, sender }
}

t.test('a failed batch whose failList names only records outside it is not sent again and again', async (t) => {
  const { rows, adds, sender } = await batchOfThree(t, { status: '10', result: '处理失败', failList: [{ index: 3, reason: 'IDCardNumber: 人员未登记' }] })
  t.equal(adds, 3, 'the three records went out once, not in a loop')
  t.same(rows.map((r) => r.state), ['refused', 'refused', 'refused'], 'each refused: the answer cannot say which one failed the batch')
  t.ok(rows.every((r) => /index 3/.test(r.reason ?? '') && /batch of 3/.test(r.reason ?? '')), 'with the fault as the reason')
  t.match(sender.protocolFaults, [{ projectId: 'p-f', kind: 'WorkerAttendance', status: '10', size: 3, indexes: [3] }], 'the fault is kept for the log, once')
  t.equal(sender.protocolFaults.length, 1)
})

t.test('a failed batch naming one record in range and one outside refuses the named one with its reason', async (t) => {
  const { rows, adds, sender } = await batchOfThree(t, {
    status: '10',
    result: '处理失败',
    failList: [
      { index: 1, reason: 'CheckTime: 格式错误' },
      { index: -1, reason: '未知' },
    ],
  })
  t.equal(adds, 3, 'no resend loop')
  t.equal(rows[1]?.reason, 'CheckTime: 格式错误', 'the record named in range is refused with its reason, as before')
  t.same(rows.map((r) => r.state), ['refused', 'refused', 'refused'])
  t.match(sender.protocolFaults, [{ status: '10', indexes: [-1] }])
})

t.test('a handled batch with an index outside it: the one in range refused, the others accepted, the fault logged', async (t) => {
  const { rows, adds, sender } = await batchOfThree(t, {
    status: '20',
    result: '2 条成功, 1 条失败',
    failList: [
      { index: 0, reason: 'IDCardNumber: 人员未登记' },
      { index: 7, reason: '未知' },
    ],
  })
  t.equal(adds, 3)
  t.same(rows.map((r) => [r.state, r.reason]), [['refused', 'IDCardNumber: 人员未登记'], ['accepted', null], ['accepted', null]], 'handled as the in-range entries say')
  t.match(sender.protocolFaults, [{ status: '20', size: 3, indexes: [7] }], 'the out-of-range index is logged as a protocol fault')
})

t.test('a well-formed answer is no protocol fault', async (t) => {
  const { rows, sender } = await batchOfThree(t, { status: '20', result: '2 条成功, 1 条失败', failList: [{ index: 2, reason: 'x' }] })
  t.same(rows.map((r) => r.state), ['accepted', 'accepted', 'refused'])
  t.same(sender.protocolFaults, [])
})
