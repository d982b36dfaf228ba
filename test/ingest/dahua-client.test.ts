/**
 * The Dahua stream client (issue 12) end to end: a real service, a simulated Dahua terminal serving its event stream
 * behind Digest authentication over real HTTP, and the client attached to it. Events become punches; a door opened by
 * remote is counted and not stored; the same RecNo written again after a reconnect is stored once; a wrong password
 * stores nothing, is logged once and leaves the device shown as not connected; a stream gone quiet is attached again.
 */
import t from 'tap'
import { Counter, Registry } from 'prom-client'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { DahuaDevice } from '../../simulators/dahua.ts'
import { registeredDahuaDevices, startDahuaClients, type DahuaClientStatus } from '../../src/ingest/dahua-client.ts'
import { digestAuthorization, parseDigestChallenge } from '../../src/ingest/digest.ts'
import { startTestServer } from '../helpers/server.ts'

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

void t.test('Digest: RFC 7616 §3.9.1, and challenges this client can and cannot answer', async (t) => {
  const header =
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
  const challenge = parseDigestChallenge(['Basic realm="x"', header])
  t.same(challenge, { realm: 'http-auth@example.org', nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth', algorithm: 'MD5', opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS' })
  const request = { method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle of Life', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' }
  t.match(digestAuthorization(challenge!, request), /response="8ca523f5e9506fed4657c9700eebdbec"/, 'the RFC\'s MD5 response')
  t.match(digestAuthorization(challenge!, request), /qop=auth, nc=00000001, cnonce="f2\/wE4q74E6zIJEtWaHKaf5wv\/H5QzzpXusqGemxURZJ", opaque="FQhe/)
  const sha = parseDigestChallenge(header.replace('MD5', 'SHA-256'))!
  t.match(digestAuthorization(sha, request), /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/, "the RFC's SHA-256 response")
  t.equal(parseDigestChallenge('Basic realm="x"'), undefined)
  t.equal(parseDigestChallenge(undefined), undefined)
  t.equal(parseDigestChallenge('Digest realm="x", nonce="n", qop="auth-int"'), undefined, 'auth-int only')
  t.equal(parseDigestChallenge('Digest realm="x", nonce="n", algorithm=SHA-512-256'), undefined, 'an algorithm not offered here')
  t.match(parseDigestChallenge('Digest realm="Login to DH-0001", nonce="abc"'), { qop: undefined, algorithm: 'MD5' }, "RFC 2069's form")
  t.notMatch(digestAuthorization(parseDigestChallenge('Digest realm="r", nonce="abc"')!, request), /qop=/)
})

void t.test('Dahua stream client against a simulated terminal, through the real service', async (t) => {
  const device = new DahuaDevice({ serial: 'DH-0001', password: 'secret', heartbeatMs: 200 })
  const locked = new DahuaDevice({ serial: 'DH-0002', password: 'secret', heartbeatMs: 200 })
  await Promise.all([device.listen(), locked.listen()])
  t.teardown(() => Promise.all([device.close(), locked.close()]))

  const server = await startTestServer(t)
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'DAHUA-1', workers: 3, teams: 1, seed: 4242 })
  const site = await registerSite(api, {
    ...plan,
    devices: [
      { serial: 'DH-0001', model: 'dahua-access', settings: { connect: { url: device.url, username: 'admin', passwordEnv: 'WL_DAHUA_DH01_PASSWORD' } }, location: '东大门' },
      { serial: 'DH-0002', model: 'dahua-access', settings: { connect: { url: locked.url, username: 'admin', passwordEnv: 'WL_DAHUA_DH02_PASSWORD' } }, location: '西大门' },
      { serial: 'DH-0003', model: 'dahua-access', settings: {}, location: '项目部' },
    ],
  })
  const [w1, w2] = plan.workers as [(typeof plan.workers)[number], (typeof plan.workers)[number]]
  const count = () => services.punches.countPunches(site.projectId)

  const registry = new Registry()
  const ignored = new Counter({ name: 'dahua_ignored_total', help: 'test', labelNames: ['family', 'table'], registers: [registry] })
  const ignoredTotal = async () => (await ignored.get()).values.reduce((sum, v) => sum + v.value, 0)
  const logs: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = []
  const log = {
    info: (obj: object, msg: string) => logs.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj: object, msg: string) => logs.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  }
  /** The contacts the client reports (the device watch's; src/punches/device-contacts.ts). */
  const heard = new Set<string>()
  const clients = await startDahuaClients({
    inbox: services.inbox,
    lookups: services.lookups,
    listDevices: () => registeredDahuaDevices(services.roster),
    env: { WL_DAHUA_DH01_PASSWORD: 'secret', WL_DAHUA_DH02_PASSWORD: 'not the password' },
    log,
    ignored,
    contacts: { heard: (serial, kind) => heard.add(`${serial} ${kind}`) },
    limits: { heartbeat_seconds: 1, backoff_initial_ms: 50, backoff_max_ms: 400, unauthorized_retry_ms: 100 },
  })
  t.teardown(() => clients.close())
  const status = (serial: string): DahuaClientStatus | undefined => clients.status().find((s) => s.serial === serial)

  t.same(
    clients.status().map((s) => s.serial),
    ['DH-0001', 'DH-0002'],
    'a client for each device with connect settings; DH-0003 has none',
  )
  await waitFor('DH-0001 attached', () => status('DH-0001')?.connected === true && device.attached === 1)
  t.match(device.requests, [{ status: 401 }, { status: 200, query: '?action=attach&codes=[AccessControl]&heartbeat=1' }], 'a Digest handshake, then the stream')

  const at = Date.UTC(2026, 10, 3, 23, 31, 12) // 07:31:12 on 4 November in Shanghai
  const first = device.emit({ userId: w1.deviceUserId, atMs: at })
  device.emit({ userId: w2.deviceUserId, atMs: at + 40_000, type: 'Exit' })
  await waitFor('two punches', async () => (await count()) === 2)
  t.pass('events become punches')
  t.ok(status('DH-0001')?.lastEventAtMs, 'last event seen')
  await waitFor('a heartbeat', () => status('DH-0001')?.lastHeartbeatAtMs !== undefined)
  t.ok(heard.has('DH-0001 dahua_stream'), 'the attached stream and its heartbeats are contacts')

  device.emit({ userId: '', method: 4, atMs: at + 60_000 }) // opened from the platform: nobody verified
  await waitFor('the remote opening counted', async () => (await ignoredTotal()) === 1)
  t.equal(await count(), 2, 'a door opened by remote is no punch')
  const kept = await api.get<Array<{ deviceSerial: string | null }>>(`/api/rejected-inputs?projectId=${site.projectId}`)
  t.notOk(kept.some((r) => r.deviceSerial === 'DH-0001'), 'and is counted, not kept as a refusal')

  // Parts no event should be: one over the size limit (dropped by the splitter, the refusal kept without its bytes)
  // and one that is not an event (kept with the codec's reason). The stream goes on.
  device.writePart(`Code=AccessControl;action=Pulse;index=0;data={"Junk":"${'x'.repeat(70_000)}"}`)
  device.writePart('Code=AccessControl;action=Pulse;index=0;data={"RecNo": "not a number"')
  type Rejected = { deviceSerial: string | null; reason: string; detail: string }
  const rejectedOf = async () => (await api.get<Rejected[]>(`/api/rejected-inputs?projectId=${site.projectId}`)).filter((r) => r.deviceSerial === 'DH-0001')
  await waitFor('two refusals kept', async () => (await rejectedOf()).length === 2)
  t.match(
    (await rejectedOf()).map((r) => r.reason).sort(),
    ['malformed_payload', 'packet_too_large'],
    'the oversized part as packet_too_large, the broken one as malformed_payload',
  )
  t.ok(status('DH-0001')?.connected, 'still attached')

  const duplicates = services.inbox.stats.duplicates
  device.dropConnections()
  await waitFor('DH-0001 attached again', () => status('DH-0001')!.reconnects >= 1 && status('DH-0001')?.connected === true && device.attached === 1)
  device.emit({ recNo: first, userId: w1.deviceUserId, atMs: at })
  await waitFor('the re-sent event seen', () => services.inbox.stats.duplicates === duplicates + 1)
  t.equal(await count(), 2, 'the same RecNo after a reconnect is counted once')

  // DH-0002 was given the wrong password throughout.
  locked.emit({ userId: w1.deviceUserId, atMs: at + 120_000 })
  await waitFor('several refused logins', () => locked.requests.length >= 6)
  t.ok(locked.requests.every((r) => r.status === 401), 'every attempt refused')
  t.match(status('DH-0002'), { connected: false, lastEventAtMs: undefined })
  t.equal(logs.filter((l) => l.obj['code'] === 'dahua_unauthorized' && l.obj['serial'] === 'DH-0002').length, 1, 'logged once, however often retried')
  t.notMatch(JSON.stringify(logs), /not the password|secret/, 'no password in the logs')
  t.equal(await count(), 2, 'nothing from a device whose login failed')
  t.notOk(heard.has('DH-0002 dahua_stream'), 'and a refused login is no contact')

  // The stream goes quiet (no heartbeat, connection open): cut after 3 heartbeats and attached again.
  const before = status('DH-0001')!.reconnects
  device.heartbeats = false
  await waitFor('the silent stream dropped', () => status('DH-0001')!.reconnects > before)
  t.ok(logs.some((l) => l.obj['code'] === 'dahua_stream_lost' && /no heartbeat/.test(String(l.obj['detail']))), 'as a stream gone quiet')
  device.heartbeats = true
  await waitFor('DH-0001 attached once more', () => status('DH-0001')?.connected === true)
  device.emit({ userId: w2.deviceUserId, atMs: at + 3_600_000 })
  await waitFor('a third punch', async () => (await count()) === 3)
  t.pass('and events flow again')

  await clients.close()
  t.match(status('DH-0001'), { connected: false }, 'closed')
})
