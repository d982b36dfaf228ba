/**
 * (Found by review.)
 * AsyncHandleResult status 10 is a failed batch (处理失败): the platform stored none of it. A failed batch whose
 * failList names only the record that made it fail must not have its other records taken as accepted (they would
 * never be sent again): they are refused with the batch's words, or sent again.
 */
import t from 'tap'
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

t.test('a failed batch (status 10) accepts none of its records', async (t) => {
  const db = await openDatabase(await testDatabaseUrl(t))
  t.teardown(() => db.close())
  const clock = new ManualClock(START)
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: 10, pendingQueries: 0 })
  const url = await platform.listen()
  t.teardown(() => platform.close())
  // The platform fails the whole batch at its first bad record and names only that one.
  ;(platform as unknown as { handleJob: () => unknown }).handleJob = () => ({ status: '10', result: '批次处理失败', failList: [{ index: 0, reason: 'IDCardNumber: 人员未登记' }] })
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
  await sender.pass()
  clock.advance(UPSTREAM_LIMITS.poll_interval_ms)
  await sender.pass()
  const rows = await outbox.records(db, 'p-f')
  t.same(rows.filter((r) => r.state === 'accepted').map((r) => r.key), [], 'nothing of a failed batch is accepted')
  t.same(rows.filter((r) => r.state === 'refused').map((r) => r.reason), ['IDCardNumber: 人员未登记'], 'the record it named is refused with its reason')
  const log = await outbox.attempts(db, 'p-f')
  t.equal(log.filter((a) => a.action === 'result' && a.outcome === 'requeued').length, 2, 'the two it did not name went back in the queue')
  t.equal(log.filter((a) => a.action === 'add').length, 3 + 2, 'and out again with the next pass (three in the batch, then those two)')
})
