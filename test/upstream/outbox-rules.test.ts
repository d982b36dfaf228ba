import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { KIND_ORDER, UPSTREAM_LIMITS, enqueueDecision, kindRank, nextAttemptAtMs, verdicts } from '../../src/upstream/outbox.ts'
import { RECORD_KINDS } from '../../src/upstream/records.ts'

t.test('back-off doubles from the base, is capped, jittered within ±20 %', async (t) => {
  const mid = () => 0.5
  t.equal(nextAttemptAtMs(1, 0, mid), 30_000)
  t.equal(nextAttemptAtMs(2, 0, mid), 60_000)
  t.equal(nextAttemptAtMs(3, 1000, mid), 121_000)
  t.equal(nextAttemptAtMs(50, 0, mid), UPSTREAM_LIMITS.retry_cap_ms)
  t.equal(nextAttemptAtMs(1, 0, () => 0), 24_000)
  t.equal(nextAttemptAtMs(1, 0, () => 1), 36_000)
  holds(
    t,
    'always later than now and never past the cap with its jitter',
    fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempts, now, r) => {
      const at = nextAttemptAtMs(attempts, now, () => r)
      return at > now && at - now <= UPSTREAM_LIMITS.retry_cap_ms * 1.2
    }),
  )
})

t.test('enqueue: once per key and payload; a refused one revised; never over what was accepted', async (t) => {
  t.same(enqueueDecision(undefined, 'a'), { outcome: 'queued', revision: 1 })
  for (const state of ['queued', 'sending', 'sent', 'accepted'] as const) {
    t.same(enqueueDecision({ revision: 1, state, payload: 'a' }, 'a'), { outcome: 'already_queued', revision: null }, `${state}, same payload`)
  }
  t.same(enqueueDecision({ revision: 1, state: 'accepted', payload: 'a' }, 'b'), { outcome: 'differs_from_accepted', revision: null })
  t.same(enqueueDecision({ revision: 2, state: 'sent', payload: 'a' }, 'b'), { outcome: 'differs_in_flight', revision: null })
  t.same(enqueueDecision({ revision: 2, state: 'refused', payload: 'a' }, 'b'), { outcome: 'revised', revision: 3 })
  t.same(enqueueDecision({ revision: 1, state: 'refused', payload: 'a' }, 'a'), { outcome: 'revised', revision: 2 }, 'the same again once its cause is put right')
  t.same(enqueueDecision({ revision: 1, state: 'refused', payload: 'a' }, 'a', { holdRefused: true }), { outcome: 'held_refused', revision: null }, 'a sweep holds a refused record for a person')
  t.same(enqueueDecision({ revision: 1, state: 'refused', payload: 'a' }, 'b', { holdRefused: true }), { outcome: 'revised', revision: 2 }, 'but sends one whose data was fixed')
})

t.test('verdicts by place in the batch', async (t) => {
  t.same(verdicts(3, []), [{ accepted: true }, { accepted: true }, { accepted: true }])
  t.same(verdicts(3, [{ index: 1, reason: 'x' }, { index: 1, reason: 'y' }, { index: 7, reason: 'out of range' }]), [{ accepted: true }, { accepted: false, reason: 'x; y' }, { accepted: true }])
})

t.test('every kind has its place in the order', async (t) => {
  t.same([...KIND_ORDER].sort(), [...RECORD_KINDS].sort())
  t.ok(kindRank('TeamMaster') < kindRank('ProjectWorker') && kindRank('ProjectWorker') < kindRank('WorkerAttendance') && kindRank('PayRoll') < kindRank('PayRollDetail'))
})
