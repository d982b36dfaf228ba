/**
 * Personal data is masked in every reply (issue 9): a worker registered with a known ID number, card and phone; the
 * leaks the issue names driven (refused frames carrying the ID number, a payout file whose first line is a payment, bad
 * lines quoting a card, a bank's failure reason naming the account, a note with the phone), then every reply of every
 * GET route touched is scanned for the full numbers: none may hold one, and the masks are where the numbers were.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { luhnValid } from '../../src/access/masking.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { startTestServer } from '../helpers/server.ts'
import { MONTH, registerAccessSite } from './helpers/site.ts'

const id17 = '34012119880512047'
/** The worker's ID number, card (fails the Luhn check, as the simulators' cards do) and mobile number. */
const ID = id17 + idCheckChar(id17)
const CARD = cardNumber(771_001)
const PHONE = '13957112345'
/** A second person, registered but enrolled nowhere; and a stranger's card (Luhn-valid) the bank paid. */
const id17b = '41152519910203056'
const ID_B = id17b + idCheckChar(id17b)
const STRANGER_CARD = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => `621700999988877766${d}`).find(luhnValid) as string
const SECRETS = [ID, CARD, PHONE, ID_B, STRANGER_CARD]

/** 2026-10-12 08:00 and 17:30 in Shanghai, as Unix seconds (gate-ts200 frames). */
const IN_S = Date.UTC(2026, 9, 12, 0, 0) / 1000
const OUT_S = Date.UTC(2026, 9, 12, 9, 30) / 1000

t.test('no reply carries a full ID, card or phone number', async (t) => {
  const server = await startTestServer(t)
  const { api, services } = server
  const site = await registerAccessSite(api, { tag: 'PD1', regionCode: '330106', bankCode: '103331000001', seed: 91 })
  const worker = await api.post<{ id: string; idNumberMasked: string }>('/api/workers', { name: '王建国', idNumber: ID, bankName: '农行', cardNo: CARD, phone: PHONE })
  await api.post('/api/workers', { name: '李芳', idNumber: ID_B, bankName: '农行', cardNo: cardNumber(771_002) })
  // Some sites enrol workers on the gates under their ID number.
  await api.post(`/api/projects/${site.projectId}/enrolments`, { workerId: worker.id, teamId: site.teamId, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: ID, contractNo: `HT-${PHONE}` })

  // Frames, through the inbox the brokers hand them to: two punches, and three refusals that carry the ID numbers.
  const topic = `wl/v1/PD1/GT-PD1/punch`
  const frame = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ sn: 'GT-PD1', lane: 1, idNo: ID, ts: IN_S, mode: 'card', ...fields }))
  const submit = (f: { topic: string; payload: Buffer; clientId: string }) => services.inbox.submit(f)
  t.match(await submit({ topic, payload: frame({ seq: 1 }), clientId: 'GT-PD1' }), { kind: 'stored' })
  t.match(await submit({ topic, payload: frame({ seq: 2, lane: 2, ts: OUT_S }), clientId: 'GT-PD1' }), { kind: 'stored' })
  t.match(await submit({ topic, payload: frame({ seq: 3, mode: ID }), clientId: 'GT-PD1' }), { kind: 'rejected', reason: 'malformed_payload' }, 'a field holding the ID number')
  t.match(await submit({ topic, payload: frame({ seq: 4, idNo: ID_B }), clientId: 'GT-PD1' }), { kind: 'rejected', reason: 'worker_not_enrolled' })
  t.match(await submit({ topic: `wl/v1/PD1/${ID}/punch`, payload: frame({ seq: 5, sn: ID }), clientId: PHONE }), { kind: 'rejected', reason: 'unknown_device' }, 'a topic and client id made of personal numbers')

  // Payout files: two refused (422), one stored.
  const post = async (body: string, query = '') => {
    const res = await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}${query}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
    return { status: res.status, text: await res.text() }
  }
  const header = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'
  const refusals = [
    await post(`1|${CARD}|王建国|350.00|success|B0001|2026-11-08|\n`, `&filename=${CARD}.txt&postedBy=${PHONE}`),
    await post(`${header}\n1|${CARD}|王建国|${CARD}|success|${ID}|2026-11-08|\n2|${CARD}|王建国|1.00|success|${ID}|2026-11-08|\n3|${CARD}X|王建国${PHONE}${'很长'.repeat(40)}|1.00|success|B3|2026-11-08|\n`),
  ]
  for (const [i, r] of refusals.entries()) {
    t.equal(r.status, 422, `refused file ${i + 1}: 422`)
    t.notOk(SECRETS.some((s) => r.text.includes(s)), `refused file ${i + 1}: no full number in the 422 (${r.text.slice(0, 200)}…)`)
  }
  t.match(refusals[0]?.text, /\*\*\*\*0001|\*{4}\d{4}/, 'the first line read as a header names the card masked')
  const stored = await post(
    `${header}\n` +
      `1|${CARD}|王建国|100.00|success|B1001|2026-11-08|\n` +
      `2|${CARD}|王建国|250.00|failed|B1002|2026-11-08|账户${CARD}已冻结，联系${PHONE}\n` +
      `3|${STRANGER_CARD}|包工头|500.00|success|B1003|2026-11-08|\n`,
  )
  t.equal(stored.status, 201, 'a valid file is stored')
  t.notOk(SECRETS.some((s) => stored.text.includes(s)), 'nor in the reply that stores one (its flags and evidence)')

  // A correction whose reason quotes the phone.
  await api.post(`/api/projects/${site.projectId}/workers/${worker.id}/days/2026-10-13/corrections`, { kind: 'set_status', status: 'present', reason: `worker called from ${PHONE}, ID ${ID}`, author: '劳资员' })

  const bodies: Array<{ path: string; text: string }> = []
  const read = async (path: string): Promise<string> => {
    const res = await api.fetch(path)
    const text = await res.text()
    t.ok(res.ok, `GET ${path}: ${res.status}`)
    bodies.push({ path, text })
    return text
  }
  const p = `/api/projects/${site.projectId}`
  await read('/api/workers')
  const one = JSON.parse(await read(`/api/workers/${worker.id}`)) as { idNumberMasked: string; cardMasked: string; phoneMasked: string }
  t.same([one.idNumberMasked, one.cardMasked, one.phoneMasked], [`340121********${ID.slice(-4)}`, `****${CARD.slice(-4)}`, '139****2345'])
  const roster = await read(`${p}/enrolments`)
  t.match(roster, `"deviceUserId":"340121********${ID.slice(-4)}"`, 'an enrolment under the ID number shows it masked')
  await read(`${p}/punches?date=2026-10-12`)
  const rejected = JSON.parse(await read(`/api/rejected-inputs?projectId=${site.projectId}`)) as Array<{ id: number; reason: string; payloadUrl: string; detail: string; deviceSerial: string | null; sender: string | null }>
  await read('/api/rejected-inputs')
  t.equal(rejected.length, 5, 'three frames and two files refused')
  const unknownDevice = rejected.find((r) => r.reason === 'unknown_device')
  t.match(unknownDevice, { deviceSerial: `340121********${ID.slice(-4)}`, sender: '139****2345' }, 'serial and client id masked')
  for (const r of rejected) {
    await read(`/api/rejected-inputs/${r.id}`)
    const res = await api.fetch(r.payloadUrl)
    const text = await res.text()
    t.equal(res.headers.get('x-payload-masked'), 'true', `payload ${r.id}: X-Payload-Masked`)
    bodies.push({ path: r.payloadUrl, text })
    if (r.reason !== 'payout_file_invalid') t.doesNotThrow(() => void JSON.parse(text), `payload ${r.id}: a JSON frame masked is still JSON`)
  }
  const files = JSON.parse(await read(`${p}/payout-files`)) as Array<{ id: string }>
  for (const f of files) await read(`${p}/payout-files/${f.id}/lines`)
  await read(`${p}/payouts/${MONTH}/lines`)
  const byCard = JSON.parse(await read(`${p}/payouts/${MONTH}/lines?card=${CARD}`)) as unknown[]
  t.equal(byCard.length, 2, "the card's lines are found by the full number, and shown masked")
  const flags = await read(`${p}/flags/${MONTH}`)
  t.match(flags, `****${STRANGER_CARD.slice(-4)}`, "the stranger's card is in the evidence, masked")
  await read(`${p}/summary/${MONTH}`)
  await read(`${p}/payroll/${MONTH}`)
  await read(`${p}/timesheets/${MONTH}`)
  const month = await read(`${p}/workers/${worker.id}/timesheets/${MONTH}`)
  t.match(month, 'worker called from 139****2345', "a correction's reason: the phone masked, the words kept")
  await read(`${p}/teams/${site.teamId}/timesheets/${MONTH}`)
  await read(`${p}/teams/${site.teamId}/timesheets/${MONTH}/attendance-sheet.csv`)
  await read(`${p}/teams/${site.teamId}/timesheets/${MONTH}/attendance-sheet.html`)
  await read(`${p}/attendance-flags/${MONTH}`)
  // A card change whose reason quotes the card and the phone; last, so the reads above see the card the files name.
  await api.post(`/api/workers/${worker.id}/card-changes`, { bankName: '工行', cardNo: cardNumber(771_003), reason: `卡号${CARD}挂失，联系${PHONE}` })
  await read(`/api/workers/${worker.id}/card-changes`)

  const leaks = bodies.flatMap(({ path, text }) => SECRETS.filter((s) => text.includes(s)).map((s) => `${path} holds ${s}`))
  t.same(leaks, [], `${bodies.length} replies of ${new Set(bodies.map((b) => b.path.split('?')[0])).size} routes scanned: no full ID, card or phone number`)
})
