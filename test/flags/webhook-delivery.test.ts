/**
 * Case notifications delivered (issue 11), on the run's engine: a real HTTP receiver checks every delivery's signature
 * as a receiver would (verifySignature); the clock is the test's, so retries come due when the test says.
 * A posted payout file opens cases: each opened event is delivered once, signed; a receiver answering 500 gets the
 * same delivery again after the back-off; a 410 stops it; a receiver that hangs or is not there does not hold up the
 * next payout file; two passes at once (and another instance) send each delivery once; a delivery left unfinished
 * past the give-up age (the service down for days) ends given up in the log.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import t, { type Test } from 'tap'
import { WebhookService, type WebhookEndpointView } from '../../src/flags/webhook-service.ts'
import { SIGNATURE_HEADER, verifySignature, type WebhookPayload } from '../../src/flags/webhooks.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { cardNumber } from '../../simulators/identities.ts'
import { createKey, postPayoutFile, registerAccessSite, type AccessSite } from '../access/helpers/site.ts'
import { freePort } from '../helpers/free-port.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)

interface Received {
  headers: IncomingHttpHeaders
  body: string
}

type Answer = number | 'hang'

/** A receiver on a free port: what it got, in order, and what it answers to the nth request. */
async function receiver(t: Test, answer: (n: number) => Answer): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      const a = answer(got.length)
      if (a !== 'hang') res.writeHead(a, { 'content-type': 'text/plain' }).end('noted')
    })
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { url: `http://127.0.0.1:${port}/hooks/cases`, got, server }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** How long deliveries may take to settle before the test gives up: only reached when something is wrong. */
const SETTLE_MS_MAX = 60_000

t.test('case notifications delivered from the outbox', async (t) => {
  const clock = new ManualClock(AT_MS)
  // The test delivers itself, at the times it sets: the server's own rounds would run meanwhile once the file outlasts
  // their intervals (a delivery pass every 5 s; every minute a device watch that, after the clock's jumps of hours and
  // days, opens device.offline incidents for the test sites' silent gates and notifies the same endpoints).
  const { api, services } = await startTestServer(t, { clock, periodicRounds: false })
  const { webhooks } = services
  const bank = api.as((await createKey(api, 'bank WH', 'bank', { bankCode: '103' })).key)

  let seed = 1300
  const site = async (tag: string): Promise<AccessSite> => registerAccessSite(api, { tag, regionCode: '330106', bankCode: '103331000011', seed: ++seed })
  const register = (body: Record<string, unknown>) => api.post<WebhookEndpointView & { secret: string }>('/api/webhooks', body)
  const nowS = () => Math.floor(clock.nowMs() / 1000)

  /**
   * Passes until nothing is due and no attempt is in hand (another pass may hold some). Bounded in time, not in passes:
   * on a loaded machine each pass, and an attempt another pass holds, takes longer.
   */
  const settle = async (endpointId: string) => {
    for (const deadline = Date.now() + SETTLE_MS_MAX; Date.now() < deadline; ) {
      const c = await webhooks.deliverDue()
      const log = await webhooks.log(endpointId)
      if (c.delivered + c.failed + c.gave_up === 0 && log.every((a) => a.finishedAtMs !== null)) return log
      await sleep(10)
    }
    throw new Error('deliveries never settled')
  }
  const queued = async (endpointId: string) => (await services.db.all<{ eventId: string }>({ text: 'SELECT event_id AS "eventId" FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY event_id', params: [endpointId] })).map((r) => r.eventId)
  const postFile = (s: AccessSite, fileSeed: number) => postPayoutFile(bank, api, s, fileSeed)

  await t.test('endpoints: registered by the admin, the secret shown once, a bad URL refused, disabled for good', async (t) => {
    const s = await site('WH-0')
    const e = await register({ url: 'https://hooks.example.test/wl', projectId: s.projectId })
    t.match(e, { url: 'https://hooks.example.test/wl', projectId: s.projectId, disabled: null, secret: /^whsec_[A-Za-z0-9_-]{32}$/ })
    const all = await register({ url: 'http://127.0.0.1:9/every', secret: 'a-secret-of-our-own-0001' })
    t.equal(all.secret, 'a-secret-of-our-own-0001', 'a secret given is kept')
    t.equal(all.projectId, null, 'no project: every project')
    const listed = await api.get<Array<Record<string, unknown>>>('/api/webhooks')
    t.notOk(JSON.stringify(listed).includes(e.secret), 'the list never shows a secret')
    t.match(await failure(register({ url: 'ftp://hooks.example.test/' })), { status: 400, code: 'webhook_url_invalid' })
    t.match(await failure(register({ url: 'https://user:pw@hooks.example.test/' })), { status: 400, code: 'webhook_url_invalid' })
    t.match(await failure(register({ url: 'https://hooks.example.test/', projectId: 'no-such-project' })), { status: 404, code: 'project_not_found' })
    t.match(await failure(register({ url: 'https://hooks.example.test/', secret: 'short' })), { status: 400 })
    for (const id of [e.id, all.id]) t.match(await api.post(`/api/webhooks/${id}/disable`, {}), { id, disabled: { by: String } })
    t.match(await api.post(`/api/webhooks/${e.id}/disable`, {}), { disabled: { by: String } }, 'disabling twice is once')
    t.match(await failure(api.post('/api/webhooks/01900000-0000-7000-8000-00000000ffff/disable', {})), { status: 404, code: 'webhook_not_found' })
    await postFile(s, 1390)
    t.same(await queued(e.id), [], 'nothing is queued for a disabled endpoint')
  })

  await t.test('a case opened by a posted payout file: delivered once, signed, cards masked', async (t) => {
    const r = await receiver(t, () => 204)
    const s = await site('WH-1')
    const other = await site('WH-1X')
    const e = await register({ url: r.url, projectId: s.projectId })
    const elsewhere = await register({ url: r.url, projectId: other.projectId })
    await postFile(s, seed)
    const ids = await queued(e.id)
    t.ok(ids.length >= 1, `${ids.length} case events queued`)
    t.same(await queued(elsewhere.id), [], "another project's endpoint gets nothing")
    const log = await settle(e.id)
    t.same(log.map((a) => [a.attempt, a.statusCode, a.outcome]), ids.map(() => [1, 204, 'delivered']), 'one attempt each, delivered')
    t.equal(r.got.length, ids.length, 'each delivered once')
    const seen = new Set<string>()
    for (const g of r.got) {
      t.same(verifySignature(String(g.headers[SIGNATURE_HEADER.toLowerCase()]), g.body, e.secret, nowS()), { ok: true }, 'signed with the endpoint secret')
      t.same(verifySignature(String(g.headers[SIGNATURE_HEADER.toLowerCase()]), g.body, 'whsec_another_secret_0000', nowS()), { ok: false, reason: 'no_matching_signature' })
      t.equal(g.headers['content-type'], 'application/json')
      const p = JSON.parse(g.body) as WebhookPayload
      t.match(p, { type: 'case.opened', case: { projectId: s.projectId, month: '2026-10', state: 'open', id: /^[0-9a-f]{32}$/ } })
      seen.add(p.id)
    }
    t.same([...seen].sort(), ids, "every queued event's id, once each")
    const bodies = r.got.map((g) => g.body).join('\n')
    t.notOk(bodies.includes(cardNumber(seed)) || bodies.includes(cardNumber(900_000 + seed)), 'no full card number leaves')
    await settle(e.id)
    t.equal(r.got.length, ids.length, 'nothing sent again')
    const listed = await api.get<Array<{ outcome: string }>>(`/api/webhooks/${e.id}/deliveries`)
    t.equal(listed.length, ids.length, 'the delivery log over HTTP')
  })

  await t.test('a receiver answering 500 gets the delivery again after the back-off, then it is delivered', async (t) => {
    let failing = true
    const r = await receiver(t, () => (failing ? 500 : 200))
    const s = await site('WH-2')
    const e = await register({ url: r.url, projectId: s.projectId })
    await postFile(s, seed)
    const n = (await queued(e.id)).length
    let log = await settle(e.id)
    t.equal(r.got.length, n, 'each tried once')
    t.ok(log.every((a) => a.statusCode === 500 && a.outcome === 'retry' && a.nextAtMs !== null && a.nextAtMs >= AT_MS), 'each failed, a retry scheduled')
    await settle(e.id)
    t.equal(r.got.length, n, 'not tried again before its time')
    failing = false
    clock.advance(30_000)
    log = await settle(e.id)
    t.equal(r.got.length, 2 * n, 'tried again once each, within the first step (30 s)')
    t.same(log.map((a) => [a.attempt, a.statusCode, a.outcome]).sort(), [...Array.from({ length: n }, () => [1, 500, 'retry']), ...Array.from({ length: n }, () => [2, 200, 'delivered'])].sort())
    const first = r.got.slice(0, n).map((g) => (JSON.parse(g.body) as WebhookPayload).id).sort()
    const again = r.got.slice(n).map((g) => (JSON.parse(g.body) as WebhookPayload).id).sort()
    t.same(again, first, 'a retry sends the same id')
    for (const g of r.got.slice(n)) t.same(verifySignature(String(g.headers[SIGNATURE_HEADER.toLowerCase()]), g.body, e.secret, nowS()), { ok: true }, 'signed again')
    const metric = await services.metrics.registry.getSingleMetricAsString('wl_webhook_deliveries_total')
    t.match(metric, /wl_webhook_deliveries_total\{outcome="failed"\} [1-9]/)
    t.match(metric, /wl_webhook_deliveries_total\{outcome="delivered"\} [1-9]/)
  })

  await t.test('410 Gone stops the delivery', async (t) => {
    const r = await receiver(t, () => 410)
    const s = await site('WH-3')
    const e = await register({ url: r.url, projectId: s.projectId })
    await postFile(s, seed)
    const n = (await queued(e.id)).length
    const log = await settle(e.id)
    t.same(log.map((a) => [a.statusCode, a.outcome, a.reason]), Array.from({ length: n }, () => [410, 'give_up', 'gone']))
    clock.advance(3 * 3_600_000)
    await settle(e.id)
    t.equal(r.got.length, n, 'never tried again')
  })

  await t.test('a receiver that hangs or is not there does not hold up posting payout files', async (t) => {
    let hanging = true
    const hung = await receiver(t, () => (hanging ? 'hang' : 503))
    const nobody = `http://127.0.0.1:${await freePort()}/nobody`
    const s = await site('WH-4')
    const e = await register({ url: hung.url, projectId: s.projectId })
    const dead = await register({ url: nobody, projectId: s.projectId })
    await postFile(s, seed)
    const n = (await queued(e.id)).length
    const pass = webhooks.deliverDue()
    let passEnded = false
    void pass.then(
      () => (passEnded = true),
      () => (passEnded = true),
    )
    while (hung.got.length === 0) await sleep(5)
    // Not a timing: the pass cannot end before the receiver is released (or its WEBHOOK_TIMEOUT_MS passes), so a post
    // that waited for deliveries would come back only after it.
    await postFile(s, 1391)
    t.notOk(passEnded, 'the next file was posted and reconciled while deliveries hang')
    hanging = false
    hung.server.closeAllConnections()
    const cut = await pass
    t.equal(cut.delivered, 0, 'nothing delivered by the cut connections')
    const hungLog = await settle(e.id)
    t.ok(hungLog.some((a) => a.error === 'network'), 'the cut connections are failed attempts (network)')
    t.ok(hungLog.length >= n && hungLog.every((a) => a.outcome === 'retry' && (a.error === 'network' || a.statusCode === 503)), 'retried later, like the 503s of the second file')
    const deadLog = await settle(dead.id)
    t.ok(deadLog.length >= n && deadLog.every((a) => a.outcome === 'retry' && a.error === 'network' && a.statusCode === null), 'a refused connection: network, retried later')
    await api.post(`/api/webhooks/${e.id}/disable`, {})
    await api.post(`/api/webhooks/${dead.id}/disable`, {})
  })

  await t.test('two passes at once, and another instance, deliver each once', async (t) => {
    const r = await receiver(t, () => 200)
    const s = await site('WH-5')
    const e = await register({ url: r.url, projectId: s.projectId })
    await postFile(s, seed)
    const ids = await queued(e.id)
    const another = new WebhookService(services.db, clock)
    const counts = await Promise.all([webhooks.deliverDue(), webhooks.deliverDue(), another.deliverDue(), another.deliverDue()])
    t.ok(counts.reduce((sum, c) => sum + c.delivered, 0) <= ids.length, 'no attempt counted twice')
    const log = await settle(e.id)
    t.equal(log.length, ids.length, 'one attempt per delivery')
    t.same(r.got.map((g) => (JSON.parse(g.body) as WebhookPayload).id).sort(), ids, 'each id received once')
  })

  await t.test("the clock's escalations are notified too, a week later", async (t) => {
    const r = await receiver(t, () => 200)
    const s = await site('WH-6')
    const e = await register({ url: r.url, projectId: s.projectId })
    await postFile(s, seed)
    const opened = (await queued(e.id)).length
    await settle(e.id)
    clock.advance(8 * 86_400_000)
    const escalated = await services.cases.tick()
    t.ok(escalated >= 1, `${escalated} cases escalated (on every site of the test)`)
    await settle(e.id)
    const types = r.got.map((g) => (JSON.parse(g.body) as WebhookPayload).type)
    t.equal(types.filter((x) => x === 'case.opened').length, opened)
    t.ok(types.filter((x) => x === 'case.escalated').length >= 1, 'escalations delivered')
    const late = r.got.slice(opened).map((g) => JSON.parse(g.body) as WebhookPayload)
    t.match(late, late.map(() => ({ type: 'case.escalated', case: { severity: 'red', ageDays: 8 }, detail: { clock: 'handling', thresholdDays: 7 } })))
    for (const g of r.got.slice(opened)) t.same(verifySignature(String(g.headers[SIGNATURE_HEADER.toLowerCase()]), g.body, e.secret, nowS()), { ok: true })
  })

  await t.test('a delivery left unfinished past the give-up age (no instance ran for days) ends given up, unsent, in the log', async (t) => {
    const r = await receiver(t, () => 500)
    const s = await site('WH-7')
    const e = await register({ url: r.url, projectId: s.projectId })
    await postFile(s, seed)
    const n = (await queued(e.id)).length
    await settle(e.id)
    t.equal(r.got.length, n, 'each tried once and failed, a retry scheduled')
    // The whole service down for four days: the retries' time passes with nobody to send them.
    clock.advance(4 * 86_400_000)
    const log = await settle(e.id)
    t.equal(r.got.length, n, 'not sent again')
    t.same(
      log.map((a) => [a.attempt, a.statusCode, a.outcome, a.reason]).sort(),
      [...Array.from({ length: n }, () => [1, 500, 'retry', null]), ...Array.from({ length: n }, () => [2, null, 'give_up', 'too_old'])].sort(),
      'each delivery ends given up as too old',
    )
  })
})
