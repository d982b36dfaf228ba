/**
 * (Found by review.)
 * README, Notifications (webhooks) > Delivery: "A delivery that outlived those 72 hours unfinished because no instance
 * ran (the service down for days) is not sent late: within the hour after the service is back it ends given up with
 * reason `too_old`, unsent, and the delivery log says so."
 */
import { createServer } from 'node:http'
import t from 'tap'
import { WebhookService } from '../../src/flags/webhook-service.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { freePort } from '../helpers/free-port.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerAccessSite } from '../access/helpers/site.ts'

t.test('a delivery queued 72 h 2 min ago and never tried (service down) is not sent late', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 9, 4))
  // The test runs the delivery passes itself: the server's own pass (every 5 s) must not take deliveries meanwhile.
  const { api, services } = await startTestServer(t, { clock, periodicRounds: false })
  let got = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      got++
      res.writeHead(200).end()
    })
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))

  const site = await registerAccessSite(api, { tag: 'WL-LATE', regionCode: '330106', bankCode: '103331000011', seed: 3301 })
  const e = await api.post<{ id: string }>('/api/webhooks', { url: `http://127.0.0.1:${port}/hook`, projectId: site.projectId })
  // An event queued while every instance was about to go down: nothing sends it before the outage.
  await services.webhooks.enqueue(site.projectId, [{ id: 'evt-late-1', type: 'case.opened' }])

  // The service was down for 72 hours and 2 minutes; a fresh instance comes back and makes its first pass.
  clock.advance(72 * 3_600_000 + 2 * 60_000)
  const fresh = new WebhookService(services.db, clock)
  await fresh.deliverDue()
  const log = await fresh.log(e.id)
  t.equal(got, 0, 'not sent to the receiver after the 72 hours')
  t.match(log, [{ attempt: 1, outcome: 'give_up', reason: 'too_old', statusCode: null }], 'given up as too_old, unsent')
})
