/**
 * One dead endpoint does not hold up every other endpoint's notifications: due deliveries are taken from the endpoints
 * in turn, so a healthy endpoint's webhooks go out in every pass even when a hanging one (each pass then lasts its 10 s
 * timeout) has a backlog older than theirs. They were taken oldest first across all endpoints, and the healthy one
 * waited behind the hanging one's retries (found by review). A run opens 200 cases; endpoint A (registered first)
 * hangs, endpoint B answers 200 at once.
 */
import t from 'tap'
import { WebhookService } from '../../src/flags/webhook-service.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerAccessSite } from '../access/helpers/site.ts'

t.test('a hanging endpoint delays a healthy endpoint’s notifications', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 9, 4))
  // The test runs the delivery passes itself: the server's own pass (every 5 s) must not take deliveries meanwhile.
  const { api, services } = await startTestServer(t, { clock, periodicRounds: false })
  // The server's own deliverer is stopped (deliverDue then does nothing): only the one below sends.
  await services.webhooks.stop()
  const site = await registerAccessSite(api, { tag: 'WL-HOL', regionCode: '330106', bankCode: '103331000011', seed: 3391 })
  const dead = await api.post<{ id: string }>('/api/webhooks', { url: 'http://dead.example.test/hook', projectId: site.projectId })
  const ok = await api.post<{ id: string }>('/api/webhooks', { url: 'http://ok.example.test/hook', projectId: site.projectId })
  await services.webhooks.enqueue(site.projectId, Array.from({ length: 200 }, (_, i) => ({ id: `evt-${String(i).padStart(4, '0')}`, type: 'case.opened' })))

  let okGot = 0
  const fetchStub = (async (url: string | URL) => {
    if (String(url).startsWith('http://dead.')) {
      // A receiver that never answers: the request ends at the timeout (10 s of the pass, simulated below).
      const e = new Error('The operation was aborted due to timeout')
      e.name = 'TimeoutError'
      throw e
    }
    okGot++
    return new Response(null, { status: 200 })
  }) as typeof fetch
  const deliverer = new WebhookService(services.db, clock, { fetch: fetchStub })

  let passes = 0
  let firstOkAtPass = -1
  for (; passes < 100 && okGot < 200; passes++) {
    await deliverer.deliverDue()
    clock.advance(10_000) // each pass with a hung request in it lasts the 10 s timeout
    if (okGot > 0 && firstOkAtPass < 0) firstOkAtPass = passes + 1
  }
  t.comment(`healthy endpoint: first delivery at pass ${firstOkAtPass} (~${firstOkAtPass * 10} s), ${okGot}/200 after ${passes} passes (~${passes * 10} s)`)
  t.ok(firstOkAtPass === 1, 'the healthy endpoint gets its first notification in the first pass')
  t.equal(okGot, 200, 'the healthy endpoint has all 200 within 100 passes (~17 minutes)')
  void dead
  void ok
})
