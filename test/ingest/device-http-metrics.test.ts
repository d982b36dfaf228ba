/**
 * (Found by review.) What anyone reaching the device port sends cannot grow /metrics without bound or put a card
 * number in it: an unknown ADMS table is counted as `other`.
 */
/** Review: /metrics label cardinality from unauthenticated input on the device edge (ZKTeco ADMS `table=`). */
import t from 'tap'
import { startTestServer } from '../helpers/server.ts'

t.test('an unregistered sender cannot grow wl_device_http_ignored_total without bound, nor put a card number in /metrics', async (t) => {
  const server = await startTestServer(t)
  // No device is registered under this serial: anyone who can reach DEVICE_HTTP_PORT.
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${server.deviceUrl}/iclock/cdata?SN=NOBODY1&table=T${String(i).padStart(5, '0')}`, { method: 'POST', body: 'x\n' })
    t.equal(res.status, 200)
  }
  await fetch(`${server.deviceUrl}/iclock/cdata?SN=NOBODY1&table=6217000000000001`, { method: 'POST', body: 'x\n' })
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text()
  const series = text.split('\n').filter((l) => l.startsWith('wl_device_http_ignored_total{'))
  t.ok(series.length <= 20, `series of wl_device_http_ignored_total stay bounded (got ${series.length})`)
  t.notMatch(text, /6217000000000001/, 'no card-shaped number in /metrics')
})
