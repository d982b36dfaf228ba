/**
 * (Found by review.) A punch's `unknown` direction is no claim about the direction, not a different claim: a record id
 * read again with the same person and time, once with a direction and once without, is the same record (a duplicate),
 * not a record_id_conflict. A Hikvision terminal in attendance mode pushes each event with attendanceStatus; its
 * AcsEvent search answer (DS-K1T342MWX, santanapedro/ha-hikvision-access tests/fixtures/acs_event_search.json
 * @4802cc0) carries no attendanceStatus in InfoList entries, so the same event read by push and again by the poller's
 * search must be stored once (devices/README.md: "an event seen both ways is stored once"). Punches are append-only:
 * the stored punch is not changed, the first reading's direction stands. Two different directions still conflict.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { reviewSite } from '../timesheets/helpers/site.ts'

const topic = 'wl/v1/S1/HK1/punch'
const push = (serialNo: number, attendanceStatus: string) => ({
  ipAddress: '10.20.0.31', dateTime: '2026-11-03T07:31:12+08:00', eventType: 'AccessControllerEvent',
  AccessControllerEvent: { majorEventType: 5, subEventType: 75, cardReaderNo: 1, employeeNoString: 'W1', serialNo, currentVerifyMode: 'cardOrFace', attendanceStatus },
})
// The search entry of the same event, fields as the real capture writes them (no attendanceStatus).
const searchEntry = (serialNo: number) => ({ major: 5, minor: 75, time: '2026-11-03T07:31:12+08:00', cardType: 1, cardReaderNo: 1, doorNo: 1, employeeNoString: 'W1', serialNo, userType: 'normal', currentVerifyMode: 'cardOrFace', mask: 'no' })

t.test('an event pushed with attendanceStatus and read again by search is a duplicate, not a conflict', async (t) => {
  const { roster, project, inbox, services } = await reviewSite(t, { nowIso: '2026-11-03T02:00:00Z' })
  await roster.createDevice(project.id, { serial: 'HK1', model: 'hikvision-isapi', installedAt: '2025-01-01T00:00:00Z' })
  const submit = (frame: object) => inbox.submit({ topic, payload: Buffer.from(JSON.stringify(frame)), clientId: undefined, source: 'http' })
  const direction = async (recordId: string): Promise<string[]> =>
    (await services.db.all<{ direction: string }>(q('SELECT direction FROM punches WHERE record_id = ?', recordId))).map((r) => r.direction)

  t.same(await submit(push(1234, 'checkIn')), { kind: 'stored' })
  t.same(await submit(searchEntry(1234)), { kind: 'duplicate' }, 'the search re-read of a pushed event is a duplicate')
  t.same(await direction('1234'), ['in'], 'stored once, with the push\'s direction')

  t.same(await submit(searchEntry(1235)), { kind: 'stored' }, 'searched first (the push was lost meanwhile)')
  t.same(await submit(push(1235, 'checkOut')), { kind: 'duplicate' }, 'the push that arrives late is a duplicate')
  t.same(await direction('1235'), ['unknown'], 'the stored punch is not edited: the first reading\'s direction stands')

  t.same(await submit(push(1236, 'checkIn')), { kind: 'stored' })
  t.match(await submit(push(1236, 'checkOut')), { kind: 'rejected', reason: 'record_id_conflict' }, 'in then out is still a conflict')
})
