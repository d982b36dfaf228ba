/**
 * The idempotent repeat of a registration (same facts: 200 with the worker) answers with what is stored, whatever rules
 * came after: a worker stored with a 20-23 digit account (the route once allowed up to 23 characters) is found before
 * the card rule (12-19 digits) is applied to new workers. It was 400 invalid_card_no (found by review).
 */
import t from 'tap'
import { idCheckChar } from '../../src/roster/identity.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test('the same registration again, for a worker registered with a 20-digit account before the rule', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const first17 = '33010619900101011'
  const idNumber = first17 + idCheckChar(first17)
  const body = { name: '老工人', idNumber, bankName: '农村信用社', cardNo: '62301234567890123456' }
  // As the service stored it before 9c0c1d8 (the pattern ^[\d ]{12,23}$ took 20 digits).
  const w = await api.post<{ id: string }>('/api/workers', { ...body, cardNo: '623012345678901234' })
  await services.db.run({ text: 'UPDATE workers SET card_no = ? WHERE id = ?', params: [body.cardNo, w.id] })
  const res = await api.fetch('/api/workers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  t.equal(res.status, 200, `the repeat answers with the worker: ${res.status} ${await res.text()}`)
})
