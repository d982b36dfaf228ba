/**
 * /metrics in Prometheus format, and the limits that keep hostile volume out:
 * an MQTT packet over the broker's limit is refused on its header (the
 * connection closed, its first bytes kept under the project its topic
 * names), an HTTP body over the limit is refused before it is buffered.
 */
import mqtt from 'mqtt'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { q } from '../../src/db/database.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { gateRecords, publishGateRecords } from '../ingest/helpers/gates.ts'

/** One sample's value from the exposition text (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)))
  return line ? Number(line.split(' ').pop()) : 0
}

t.test('/metrics: ingest, refusals, commits, backlog, database and connections', async (t) => {
  const server = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, workers: 4, teams: 1, seed: 91 })
  const { secrets } = await registerSite(server.api, plan)
  const serials = plan.devices.filter((d) => d.model === 'gate-ts200').map((d) => d.serial)
  const gates = gateRecords(plan.spec.siteCode, serials, 10, plan.workers.map((w) => w.idNumber), Date.now())
  await publishGateRecords(server.mqttUrl, gates, { inFlightPerDevice: 5, secrets })
  // Re-sent, and refused: a frame that is no gate record, and a device that cannot connect.
  await publishGateRecords(server.mqttUrl, [gates[0]!.slice(0, 3)], { inFlightPerDevice: 1, secrets })
  const gate = await mqtt.connectAsync(server.mqttUrl, { clientId: serials[0], username: serials[0], password: secrets.get(serials[0]!), reconnectPeriod: 0 })
  await gate.publishAsync(`wl/v1/${plan.spec.siteCode}/${serials[0]!}/punch`, '{}', { qos: 1 })
  await gate.endAsync()
  const stranger = await mqtt.connectAsync(server.mqttUrl, { clientId: 'NOT-REGISTERED', username: 'NOT-REGISTERED', password: 'wld_guess', reconnectPeriod: 0 }).catch((err: unknown) => err)
  t.match(stranger, { code: 4 }, 'an unregistered device is refused at CONNECT')
  await settled(server)

  const res = await server.api.fetch('/metrics')
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await res.text()
  const total = serials.length * 10
  t.equal(sample(text, 'wl_ingest_frames_received_total'), total + 4, 'frames in')
  t.equal(sample(text, 'wl_ingest_punches_stored_total'), total, 'stored')
  t.equal(sample(text, 'wl_ingest_duplicates_total'), 3, 'duplicates')
  t.equal(sample(text, 'wl_ingest_refused_total', '{reason="malformed_payload"}'), 1, 'refused, by reason')
  t.equal(sample(text, 'wl_mqtt_refused_total', '{stage="connect",reason="bad_credentials"}'), 1, 'connections refused, by reason')
  t.ok(sample(text, 'wl_ingest_commit_seconds_count', '{outcome="committed"}') >= 1, 'commit latency histogram')
  t.ok(sample(text, 'wl_ingest_batch_frames_count') >= 1, 'batch size histogram')
  t.ok(sample(text, 'wl_ingest_batch_frames_sum') === total + 4, 'every frame in some batch')
  t.equal(sample(text, 'wl_ingest_backlog_frames'), 0, 'backlog')
  t.equal(sample(text, 'wl_ingest_oldest_pending_seconds'), 0, 'oldest pending age')
  t.equal(sample(text, 'wl_db_failing'), 0, 'database not failing')
  t.match(text, /# TYPE wl_db_errors_total counter/, 'database errors')
  t.match(text, /# TYPE wl_mqtt_connections gauge/, 'MQTT connections')
  t.match(text, /wl_nodejs_eventloop_lag_seconds/, 'process metrics (event-loop lag shows a blocked loop)')
})

t.test('an MQTT packet over the limit is refused on its header and kept under its project', async (t) => {
  const server = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, workers: 2, teams: 1, seed: 93 })
  const { projectId, secrets } = await registerSite(server.api, plan)
  const serial = plan.devices.find((d) => d.model === 'gate-ts200')!.serial
  const credentials = { clientId: serial, username: serial, password: secrets.get(serial), reconnectPeriod: 0 }

  const client = await mqtt.connectAsync(server.mqttUrl, credentials)
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()))
  client.on('error', () => {})
  client.publish(`wl/v1/${plan.spec.siteCode}/${serial}/punch`, Buffer.alloc(LIMITS.mqtt_packet_bytes_max + 1, 0x7b), { qos: 1 })
  await closed
  t.pass('the broker closed the connection')
  await settled(server)

  // Under the limit but over a punch's size: still read, refused with its reason (the existing rule).
  const second = await mqtt.connectAsync(server.mqttUrl, credentials)
  await second.publishAsync(`wl/v1/${plan.spec.siteCode}/${serial}/punch`, Buffer.alloc(LIMITS.punch_payload_bytes_max + 1, 0x7b), { qos: 1 })
  await second.endAsync()
  await settled(server)

  const rows = await server.services.db.all<Record<string, string>>(q('SELECT reason, project_id AS "projectId", sender, channel, detail FROM rejected_inputs ORDER BY id'))
  t.match(rows, [
    { reason: 'packet_too_large', projectId, sender: serial, channel: `wl/v1/${plan.spec.siteCode}/${serial}/punch`, detail: /announced \d+ bytes; the broker reads at most 262144/ },
    { reason: 'payload_too_large', projectId },
  ])
  t.equal(rows.length, 2)
  const metrics = await (await server.api.fetch('/metrics')).text()
  t.equal(sample(metrics, 'wl_ingest_refused_total', '{reason="packet_too_large"}'), 1)
})

t.test('an HTTP body over the limit is refused with request_too_large, a payout file with its own code', async (t) => {
  const server = await startTestServer(t)
  const res = await server.api.fetch('/api/organisations', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'subcontractor', name: 'x'.repeat(LIMITS.http_body_bytes_max), creditCode: 'x' }),
  })
  t.equal(res.status, 413)
  t.match(await res.json(), { error: { code: 'request_too_large' } })
})
