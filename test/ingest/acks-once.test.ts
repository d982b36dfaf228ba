/**
 * (Found by review.) One ack could name the same record id twice: as done (a re-send of a record already stored, a
 * duplicate) and as refused (a conflicting reuse of the id, record_id_conflict) when both readings came in one batch,
 * or twice in recordIds when a record was re-sent twice in it. A vendor cannot tell what the service meant.
 *
 * The rule (devices/README.md, Delivery): a record id appears once per ack. Both lists mean done (delete it), so only
 * what the ack tells differs: a refusal wins, because it is the news the device must act on (a reused id is a
 * firmware fault); the stored record stays stored, and was acknowledged when it was stored.
 */
import t from 'tap'
import { acksFor } from '../../src/ingest/acks.ts'
import type { CommittedFrame } from '../../src/ingest/inbox.ts'
import type { KnownDevice } from '../../src/punches/admit.ts'

const device = { id: 'd1', serial: 'GT-0001', projectId: 'p1', siteCode: 'HZ-1', timeZone: 'Asia/Shanghai', settings: {} } as unknown as KnownDevice
const frame = (recordId: string, outcome: CommittedFrame['outcome']): CommittedFrame => ({ device, recordId, outcome })
const conflict = { kind: 'rejected', reason: 'record_id_conflict', detail: 'stored with another time' } as const

t.test('a record id appears once per ack; a refusal wins over done', async (t) => {
  const acks = acksFor([
    frame('10233', { kind: 'stored' }),
    frame('10234', { kind: 'duplicate' }),
    frame('10234', conflict),
    frame('10235', conflict),
    frame('10235', { kind: 'duplicate' }),
    frame('10236', { kind: 'duplicate' }),
    frame('10236', { kind: 'duplicate' }),
    frame('10237', conflict),
    frame('10237', { kind: 'rejected', reason: 'unknown_worker', detail: 'x' }),
  ])
  t.equal(acks.length, 1)
  t.equal(acks[0]!.topic, 'wl/v1/HZ-1/GT-0001/ack')
  t.same(JSON.parse(acks[0]!.payload), {
    recordIds: ['10233', '10236'],
    rejected: [
      { recordId: '10234', reason: 'record_id_conflict' },
      { recordId: '10235', reason: 'record_id_conflict' },
      { recordId: '10237', reason: 'record_id_conflict' },
    ],
  })
})

t.test('an ack without refusals is as before', async (t) => {
  t.same(JSON.parse(acksFor([frame('1', { kind: 'stored' }), frame('2', { kind: 'duplicate' })])[0]!.payload), { recordIds: ['1', '2'] })
})
