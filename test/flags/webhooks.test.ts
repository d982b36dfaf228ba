import { webcrypto } from 'node:crypto'
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { applyClock, applyRun, foldCase, type CaseEvent, type FlagCase } from '../../src/flags/cases.ts'
import {
  SIGNATURE_TOLERANCE_S,
  WEBHOOK_ATTEMPTS_MAX,
  WEBHOOK_BACKOFF_BASE_MS,
  WEBHOOK_BACKOFF_CAP_MS,
  WEBHOOK_GIVE_UP_AFTER_MS,
  casePayload,
  isNotified,
  nextAttempt,
  payloadBody,
  publicCaseId,
  retryDelayMs,
  signatureHeader,
  verifySignature,
} from '../../src/flags/webhooks.ts'

const CARD = '6217999900000000001'
const ID_NUMBER = '330106199001011234'
const SECRET = 'whsec_test_0123456789abcdef'

function caseWith(events: CaseEvent[]): FlagCase {
  const r = foldCase(events)
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.case
}

const opened = applyRun([], {
  runId: 'r1',
  projectId: 'p1',
  month: '2026-03',
  atMs: Date.UTC(2026, 3, 16, 4),
  flags: [
    {
      kind: 'UNKNOWN_PAYEE',
      workerId: null,
      payeeCard: CARD,
      dueFen: null,
      paidFen: fen(80_000),
      // Evidence as a careless rule might write it: a full card and an ID number in free text.
      evidence: { payeeCard: CARD, note: `收款人身份证 ${ID_NUMBER}，卡号 ${CARD}`, amountFen: 80_000 },
    },
  ],
}).events[0] as CaseEvent

t.test('the payload: case fields, masked card, no full card or ID number anywhere', async (t) => {
  const c = caseWith([opened])
  const payload = casePayload(opened, { eventId: 'ev-1', case: c, severity: 'red', ageDays: 0 })
  t.match(payload, {
    id: 'ev-1',
    type: 'case.opened',
    occurredAt: '2026-04-16T04:00:00.000Z',
    case: { id: publicCaseId(c.key), kind: 'UNKNOWN_PAYEE', payeeCard: '****0001', state: 'open', severity: 'red', paidFen: 80_000, paidYuan: '800.00', dueYuan: null },
    detail: { runId: 'r1', evidence: { payeeCard: '****0001', amountFen: 80_000 } },
  })
  const body = payloadBody(payload)
  t.notMatch(body, CARD)
  t.notMatch(body, ID_NUMBER)
  t.notMatch(body, /\d{12,}/, 'no run of twelve digits or more at all')
  t.match(publicCaseId(c.key), /^[0-9a-f]{32}$/)
  t.equal(publicCaseId(c.key), publicCaseId(c.key))
})

t.test('which events notify: opened, escalated, reopened', async (t) => {
  const c = caseWith([opened])
  const [escalated] = applyClock([c], opened.atMs + 8 * 86_400_000)
  t.ok(escalated && isNotified(escalated))
  t.ok(isNotified(opened))
  t.notOk(isNotified({ caseKey: c.key, atMs: 0, type: 'acknowledged', actor: { id: 'u', role: 'labour_manager', label: 'x' } }))
  if (escalated) t.match(casePayload(escalated, { eventId: 'ev-2', case: caseWith([opened, escalated]), severity: 'red', ageDays: 8 }), { type: 'case.escalated', detail: { clock: 'handling', thresholdDays: 7 } })
})

/** An independent verification: Web Crypto's HMAC, the header parsed by hand, as a receiver in another stack would. */
async function receiverAccepts(header: string, body: string, secret: string): Promise<boolean> {
  const parts = Object.fromEntries(header.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]))
  const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = await webcrypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${parts.t}.${body}`))
  return Buffer.from(mac).toString('hex') === parts.v1
}

t.test('the signature: t=<seconds>,v1=<hex HMAC-SHA256 of "t.body">, checked independently', async (t) => {
  const body = payloadBody(casePayload(opened, { eventId: 'ev-1', case: caseWith([opened]), severity: 'red', ageDays: 0 }))
  const ts = 1_776_312_000
  const header = signatureHeader([SECRET], body, ts)
  t.match(header, /^t=1776312000,v1=[0-9a-f]{64}$/)
  t.ok(await receiverAccepts(header, body, SECRET), 'Web Crypto agrees')
  t.notOk(await receiverAccepts(header, body.replace('800.00', '900.00'), SECRET), 'a changed body does not verify')
  t.notOk(await receiverAccepts(header, body, 'another secret'))

  t.same(verifySignature(header, body, SECRET, ts + 10), { ok: true })
  t.same(verifySignature(header, body, SECRET, ts + SIGNATURE_TOLERANCE_S + 1), { ok: false, reason: 'timestamp_out_of_tolerance' }, 'a replay after five minutes')
  t.same(verifySignature(header, `${body} `, SECRET, ts), { ok: false, reason: 'no_matching_signature' })
  t.same(verifySignature(header.replace(/t=\d+/, `t=${ts + 1}`), body, SECRET, ts), { ok: false, reason: 'no_matching_signature' }, 'the timestamp is signed')
  t.same(verifySignature('v1=abc', body, SECRET, ts), { ok: false, reason: 'malformed_header' })
  t.same(verifySignature('garbage', body, SECRET, ts), { ok: false, reason: 'malformed_header' })

  const rotating = signatureHeader(['new secret', SECRET], body, ts)
  t.equal(rotating.split(',v1=').length, 3, 'one v1 per active secret')
  t.same(verifySignature(rotating, body, SECRET, ts), { ok: true }, 'a receiver still on the old secret accepts')
  t.same(verifySignature(rotating, body, 'new secret', ts), { ok: true })
})

t.test('retry waits: exponential, capped, jittered within the upper half of the step', async (t) => {
  const at = (attempt: number, r: number): number => retryDelayMs(attempt, () => r)
  t.same(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => at(n, 0.999999999)),
    [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_840_000, 7_200_000, 7_200_000].map((ms) => ms - 1),
  )
  t.same([1, 2, 9, 50].map((n) => at(n, 0)), [15_000, 30_000, 3_600_000, 3_600_000])
  t.equal(at(1_000_000, 0.5), 5_400_000, 'no overflow however many attempts')
  t.equal(at(0, 0), WEBHOOK_BACKOFF_BASE_MS / 2, 'attempt 0 or less reads as the first')
  t.equal(at(Number.NaN, 0), WEBHOOK_BACKOFF_BASE_MS / 2)
  t.equal(at(3, 7), 120_000, 'a random above 1 is clamped')
  t.equal(at(3, -1), 60_000)
  t.equal(at(3, Number.NaN), 60_000)
  let seed = 42
  const lcg = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  for (let n = 1; n <= 40; n++) {
    const step = Math.min(WEBHOOK_BACKOFF_CAP_MS, WEBHOOK_BACKOFF_BASE_MS * 2 ** (n - 1))
    const d = retryDelayMs(n, lcg)
    if (d < step / 2 || d >= step) t.fail(`attempt ${n}: ${d} outside [${step / 2}, ${step})`)
  }
})

t.test('give up after the documented attempts or age; 410 stops at once; 2xx is delivered', async (t) => {
  const first = 1_000_000
  const base = { firstAttemptAtMs: first, nowMs: first, random: () => 0.5 }
  t.same(nextAttempt({ ...base, attempt: 1, outcome: { status: 204 } }), { kind: 'delivered' })
  t.same(nextAttempt({ ...base, attempt: 1, outcome: { status: 410 } }), { kind: 'give_up', reason: 'gone' })
  t.same(nextAttempt({ ...base, attempt: 1, outcome: { status: 503 } }), { kind: 'retry', atMs: first + 22_500, attempt: 2 })
  t.same(nextAttempt({ ...base, attempt: 1, outcome: { error: 'timeout' } }), { kind: 'retry', atMs: first + 22_500, attempt: 2 })
  t.same(nextAttempt({ ...base, attempt: WEBHOOK_ATTEMPTS_MAX, outcome: { status: 500 } }), { kind: 'give_up', reason: 'attempts_exhausted' })
  t.same(nextAttempt({ ...base, nowMs: first + WEBHOOK_GIVE_UP_AFTER_MS - 60_000, attempt: 5, outcome: { status: 500 } }), { kind: 'give_up', reason: 'too_old' })

  // A dead endpoint, walked to the end with the slowest and the quickest jitter: the documented span of 8 to 16 hours.
  for (const r of [0, 0.999999]) {
    let attempt = 1
    let now = first
    for (;;) {
      const next = nextAttempt({ attempt, firstAttemptAtMs: first, nowMs: now, outcome: { error: 'network' }, random: () => r })
      if (next.kind !== 'retry') {
        t.same(next, { kind: 'give_up', reason: 'attempts_exhausted' })
        break
      }
      attempt = next.attempt
      now = next.atMs
    }
    t.equal(attempt, WEBHOOK_ATTEMPTS_MAX)
    const hours = (now - first) / 3_600_000
    t.ok(hours >= 8 && hours <= 16.2, `last attempt ${hours.toFixed(2)} h after the first`)
  }
})
