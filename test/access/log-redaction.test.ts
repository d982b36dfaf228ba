/**
 * Logs never carry an ID number, a card or a secret (issue 9). A busy scenario runs with the service's log captured at
 * debug level: workers registered, devices connecting (with their secrets, with wrong ones, with an ID number for a
 * user name) and publishing frames that carry ID numbers (some refused, one on a topic made of one), a payout file
 * refused for a card on its first line, failed and successful logins, requests with session tokens, API keys and
 * forgeries, a listing filtered by a card in its URL, and an error logged with personal data in its message and
 * fields. The whole log output is then searched for every number and secret used: none may appear.
 */
import { PassThrough } from 'node:stream'
import t from 'tap'
import mqtt from 'mqtt'
import { cardNumber } from '../../simulators/identities.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { createKey, MONTH, registerAccessSite } from './helpers/site.ts'

const withCheck = (first17: string): string => first17 + idCheckChar(first17)

/**
 * Any ID number (17 digits and a valid check character) or card number (16 to 19 digits, whole or in groups of four;
 * Luhn or not, as the log's masking takes every long run for an account) standing alone in a text, whoever's it is: not
 * only the numbers a test used. Runs inside longer digit or letter runs (hex ids, hashes) and a number's decimals
 * (a response time's) are not numbers a person could read off the log; instants (13 digits) are too short for a card.
 */
function personalNumbersIn(text: string): { ids: string[]; cards: string[] } {
  const alone = (re: RegExp): string[] => [...text.matchAll(re)].map((m) => m[1] ?? '')
  const ids = alone(/(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])/g).filter((s) => idCheckChar(s.slice(0, 17)) === s.slice(17).toUpperCase())
  const cards = alone(/(?<![0-9A-Za-z.])(\d{4}(?:[ -]?\d{3,4}){3,4})(?![0-9A-Za-z])/g)
    .map((s) => s.replace(/[ -]/g, ''))
    .filter((d) => d.length >= 16 && d.length <= 19)
  return { ids, cards }
}
const ID = withCheck('33010619870704213')
const ID_B = withCheck('51032219950911384')
const CARD = cardNumber(333_001)
const PHONE = '15858123456'
const PASSWORD = 'Sup3r-secret horse 4417'
const WRONG_PASSWORD = 'Wr0ng-guess battery 9921'

/** Waits for a client's connection to close (the broker cut it), or gives up after 30 s (a loaded machine is slow, not a second). */
const closed = (c: mqtt.MqttClient): Promise<void> => new Promise((resolve) => (c.disconnected ? resolve() : (c.once('close', () => resolve()), setTimeout(resolve, 30_000).unref())))

t.test('the whole log of a busy run holds no ID number, card, phone, password or token', async (t) => {
  const chunks: Buffer[] = []
  const logStream = new PassThrough()
  logStream.on('data', (c: Buffer) => chunks.push(c))
  const server = await startTestServer(t, { logStream, config: { logLevel: 'debug' } })
  const { api: admin, services } = server
  const site = await registerAccessSite(admin, { tag: 'LG1', regionCode: '330106', bankCode: '103331000001', seed: 71 })
  const worker = await admin.post<{ id: string }>('/api/workers', { name: '孙志强', idNumber: ID, bankName: '农行', cardNo: CARD, phone: PHONE })
  await admin.post('/api/workers', { name: '周海燕', idNumber: ID_B, bankName: '农行', cardNo: cardNumber(333_002), phone: '13600001111' })
  await admin.post(`/api/projects/${site.projectId}/enrolments`, { workerId: worker.id, teamId: site.teamId, dailyRate: '320.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: ID })

  // A gate of its own, with the MQTT secret its registration issues.
  const gate = await admin.post<{ id: string; serial: string; mqtt?: { password: string } }>(`/api/projects/${site.projectId}/devices`, {
    serial: 'GT-LG1-B',
    model: 'gate-ts200',
    settings: { lanes: { '1': 'in', '2': 'out' } },
    installedAt: '2026-09-01T00:00:00.000Z',
  })
  const deviceSecret = gate.mqtt?.password ?? (await services.access.issueDeviceSecret({ id: gate.id, serial: gate.serial }, 'test'))
  const device = await mqtt.connectAsync(server.mqttUrl, { clientId: gate.serial, username: gate.serial, password: deviceSecret, clean: true, reconnectPeriod: 0 })
  const topic = `wl/v1/LG1/${gate.serial}/punch`
  t.equal(await device.subscribeAsync(`wl/v1/LG1/${ID}/ack`, { qos: 1 }).then(() => 'granted', () => 'refused'), 'refused', "another's topic: refused, and logged")
  const frame = (fields: Record<string, unknown>) => JSON.stringify({ sn: gate.serial, lane: 1, idNo: ID, ts: Date.UTC(2026, 9, 12) / 1000, mode: 'card', ...fields })
  await device.publishAsync(topic, frame({ seq: 1 }), { qos: 1 })
  await device.publishAsync(topic, frame({ seq: 2, mode: ID }), { qos: 1 })
  await device.publishAsync(topic, frame({ seq: 3, idNo: ID_B }), { qos: 1 })
  // Outside its own topic: refused, logged, and the connection cut.
  // A QoS 1 publish outstanding when the connection drops waits for a reconnect that never comes: end(true) fails it.
  const foreign = device.publishAsync(`wl/v1/LG1/${ID}/punch`, frame({ seq: 4, sn: ID }), { qos: 1 }).catch(() => undefined)
  await closed(device)
  device.end(true)
  await foreign
  // Refusals are logged the first of each kind at once (then counted): the one with an ID number for a name first.
  for (const options of [
    { clientId: ID, username: ID, password: PHONE },
    { clientId: gate.serial, username: gate.serial, password: CARD },
    { clientId: gate.serial, username: gate.serial, password: `${deviceSecret}x` },
  ]) {
    const refused = await mqtt.connectAsync(server.mqttUrl, { ...options, clean: true, reconnectPeriod: 0, connectTimeout: 30_000 }).then(
      (c) => c.endAsync().then(() => 'connected'),
      () => 'refused',
    )
    t.equal(refused, 'refused', `a connection as ${options.username === ID ? 'an ID number' : 'the gate'} with a wrong secret is refused`)
  }
  await settled(server)

  // A payout file whose first line is a payment, and a listing filtered by the card in its URL.
  const file = await admin.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}&postedBy=${PHONE}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `1|${CARD}|孙志强|320.00|success|B1|2026-11-08|\n` })
  t.equal(file.status, 422)
  t.equal((await admin.fetch(`/api/projects/${site.projectId}/payouts/${MONTH}/lines?card=${CARD}`)).status, 200)
  t.equal((await admin.fetch(`/api/workers/${worker.id}`)).status, 200)

  // People: a login with its password, failed attempts, a session token and an API key used, forgeries refused.
  await admin.post('/api/users', { login: 'lm.log', displayName: '劳资员', password: PASSWORD, role: 'labour_manager', organisationId: site.generalContractorId })
  for (let i = 0; i < 3; i++) t.equal((await admin.as(undefined).fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'lm.log', password: WRONG_PASSWORD }) })).status, 401)
  const session = await admin.as(undefined).post<{ token: string }>('/api/session', { login: 'lm.log', password: PASSWORD, mode: 'bearer' })
  const manager = admin.as(session.token)
  t.equal((await manager.fetch(`/api/projects/${site.projectId}/enrolments`)).status, 200)
  t.equal((await manager.fetch(`/api/workers/${worker.id}/reveal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ purpose: `call back on ${PHONE}`, fields: ['idNumber'] }) })).status, 200)
  const bankKey = (await createKey(admin, 'bank.log', 'bank', { bankCode: '103331000001' })).key
  t.equal((await admin.as(bankKey).fetch(`/api/projects/${site.projectId}/payout-files`)).status, 200)
  const forged = `wls_${'F'.repeat(43)}`
  t.equal((await admin.as(forged).fetch('/api/me')).status, 401)
  t.equal((await admin.as(`${bankKey.slice(0, -4)}AAAA`).fetch('/api/me')).status, 401)
  t.equal((await admin.fetch('/api/me', { headers: { cookie: `wl_session=${session.token}` } })).status, 200)

  // Whatever the code logs next: an error whose message, fields and cause quote personal data.
  const err = Object.assign(new Error(`could not pay ${CARD} for ${ID}`), { detail: `Key (id_number)=(${ID_B}) already exists`, cause: new Error(`token ${session.token}`) })
  server.app.log.error({ err, topic: `wl/v1/LG1/${ID}/punch`, detail: { cardNo: CARD, phone: Number(PHONE), password: PASSWORD } }, `payment to ${CARD} failed; worker phone ${PHONE}`)

  const log = Buffer.concat(chunks).toString('utf8')
  const lines = log.split('\n').filter((l) => l !== '')
  t.ok(lines.length > 50, `the run logged (${lines.length} lines)`)
  t.ok(lines.every((l) => { try { return typeof JSON.parse(l) === 'object' } catch { return false } }), 'every line is JSON')
  for (const [what, pattern] of [
    ['requests', /incoming request/],
    ['failed logins', /login_failed/],
    ['refused credentials', /access_unauthenticated/],
    ['refused MQTT', /"mqtt_connect_refused".*"username":"330106\*{8}\d{3}[\dX]"/],
    ['a refused subscription', /"mqtt_subscribe_refused".*"topic":"wl\/v1\/LG1\/330106\*{8}/],
    ['the error', /could not pay \*{4}\d{4} for 330106\*{8}/],
  ] as const) t.match(log, pattern, `the log has ${what}, masked`)
  const secrets: Array<[string, string]> = [
    ['ID number', ID],
    ['second ID number', ID_B],
    ['card', CARD],
    ['phone', PHONE],
    ['password', PASSWORD],
    ['wrong password', WRONG_PASSWORD],
    ['session token', session.token],
    ['API key', bankKey],
    ["the admin's API key", server.adminKey],
    ['forged token', forged],
    ['device secret', deviceSecret],
  ]
  t.same(secrets.filter(([, s]) => log.includes(s)).map(([what]) => what), [], 'none of them is in the log')

  // Beyond the numbers this run used: no ID or card number of anyone, in any form the masks might have missed.
  t.same(personalNumbersIn(`x ${ID} y ${CARD.replace(/(\d{4})(?=\d)/g, '$1 ')} z`), { ids: [ID], cards: [CARD] }, 'the search finds them when they are there')
  t.same(personalNumbersIn(log), { ids: [], cards: [] }, 'no 18-digit ID number and no card number anywhere in the log')
})
