/**
 * (Found by review.)
 * The platform's kind order holds however many lanes wait: a project's attendance never goes out while a record of an
 * earlier kind of the same project (its team) is unsettled, even when that lane is not among the lanes a pass looks
 * at (lanes_per_pass_max, 100 by default: a province after an outage has far more). Here the limit is 2 and two
 * projects wait, so the effect shows with three records.
 */
import t from 'tap'
import { openDatabase } from '../../src/db/client.ts'
import { insertInto } from '../../src/db/rows.ts'
import { organisations, projects } from '../../src/db/schema/index.ts'
import { HOUR_MS, ManualClock } from '../../src/kernel/time.ts'
import { PlatformClient } from '../../src/upstream/client.ts'
import { UpstreamOutbox } from '../../src/upstream/outbox-service.ts'
import { nationalSettings } from '../../src/upstream/protocol.ts'
import { teamMasterRecord, workerAttendanceRecord } from '../../src/upstream/records.ts'
import { UpstreamSender } from '../../src/upstream/sender.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { UpstreamPlatform } from '../../simulators/upstream-platform.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

const APP_ID = '330106202601010001'
const SECRET = 'Wl0Test5ecret0fThePlatform2026AB'
const START = Date.UTC(2026, 10, 20, 1, 0, 0)
const employer = { name: '杭州某劳务有限公司', creditCode: '91330106MA2XXXXXX1' }
const team = { id: 't-lo', name: '木工班', createdAtMs: Date.UTC(2026, 9, 1, 1, 0, 0) }

t.test('attendance waits for its project team even when the team lane is past the pass limit', async (t) => {
  const db = await openDatabase(await testDatabaseUrl(t))
  t.teardown(() => db.close())
  const clock = new ManualClock(START)
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: 10, pendingQueries: 1 })
  const url = await platform.listen()
  t.teardown(() => platform.close())
  await db.run(
    insertInto(organisations, [
      { id: 'o-cu', kind: 'construction_unit', name: '建设单位', creditCode: '91330106MA2YYYYYY2', createdAtMs: START },
      { id: 'o-gc', kind: 'general_contractor', name: '总包', creditCode: '91330106MA2ZZZZZZ3', createdAtMs: START },
    ]),
  )
  const row = (id: string, siteCode: string) => ({
    id, siteCode, name: siteCode, regionCode: '330106', timeZone: 'Asia/Shanghai', payDay: 15, constructionUnitId: 'o-cu', generalContractorId: 'o-gc',
    accountBank: '工行', accountNo: '1202000000000000001', accountName: '专户', createdAtMs: START,
  })
  await db.run(insertInto(projects, [row('p-a', 'LO-A'), row('p-b', 'LO-B')]))
  const first17 = '33010619800101001'
  const w = { idType: 'resident_id' as const, idNumber: first17 + idCheckChar(first17) }
  const punch = (projectId: string, punchId: number) =>
    workerAttendanceRecord({ projectCode: projectId, timeZone: 'Asia/Shanghai' }, team, w, { kind: 'device', punchId, deviceSerial: 'G', channel: 'gate', atMs: START - HOUR_MS, direction: 'in' })
  const outbox = new UpstreamOutbox(clock)
  // Project A's punch, project B's punch, then project A's team (a team registered after the gate was in use).
  await db.tx((tx) => outbox.enqueue(tx, 'p-a', [punch('p-a', 1)]))
  await db.tx((tx) => outbox.enqueue(tx, 'p-b', [punch('p-b', 2)]))
  await db.tx((tx) => outbox.enqueue(tx, 'p-a', [teamMasterRecord({ projectId: 'p-a', projectCode: 'p-a', timeZone: 'Asia/Shanghai' }, employer, team)]))
  const client = new PlatformClient({ settings: nationalSettings(url, APP_ID, SECRET, 10), clock })
  const sender = new UpstreamSender(db, client, clock, { random: () => 0.5, limits: { lanes_per_pass_max: 2 } })
  await sender.pass()
  const a = await outbox.records(db, 'p-a')
  const attendance = a.find((r) => r.kind === 'WorkerAttendance')!
  const teamRow = a.find((r) => r.kind === 'TeamMaster')!
  t.equal(teamRow.state, 'queued', 'the team not yet sent')
  t.equal(attendance.state, 'queued', "so project A's attendance is not sent before it")
})
