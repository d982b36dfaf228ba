/**
 * card_held_by_another_worker is decided under a lock per card: two registrations, or two card changes, of one card at
 * once (two requests, or two instances) cannot both pass and put 一卡多人 on the roster (they did: a read, then a
 * write, with nothing behind it; found by review).
 */
import t from 'tap'
import { idCheckChar } from '../../src/roster/identity.ts'
import { cardNumber } from '../../simulators/identities.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)
const id = (birth: string, order: string): string => {
  const first17 = `330106${birth}${order}`
  return first17 + idCheckChar(first17)
}

t.test('two registrations of one card at once: one is refused', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const card = cardNumber(2601)
  const results = await Promise.allSettled([
    api.post('/api/workers', { name: '甲', idNumber: id('19900101', '011'), bankName: '农行', cardNo: card }),
    api.post('/api/workers', { name: '乙', idNumber: id('19900101', '013'), bankName: '农行', cardNo: card }),
  ])
  const holders = await services.db.all<{ id: string }>({ text: 'SELECT id AS "id" FROM workers WHERE card_no = ?', params: [card] })
  t.equal(holders.length, 1, `one worker holds the card (registrations: ${results.map((r) => r.status).join(', ')})`)
})

t.test('two workers changed to one new card at once: one is refused', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RC-1', regionCode: '330106', bankCode: '103331000011', seed: 2611 })
  await createLogin(api, 'lm.rc', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.rc'))
  const other = await api.post<{ id: string }>('/api/workers', { name: '丙', idNumber: id('19900101', '015'), bankName: '农行', cardNo: cardNumber(2612) })
  await api.post(`/api/projects/${site.projectId}/enrolments`, { workerId: other.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RCX-1' })
  const card = cardNumber(2613)
  const results = await Promise.allSettled([
    lm.post(`/api/workers/${site.workerId}/card-changes`, { bankName: '建行', cardNo: card, reason: '换卡' }),
    lm.post(`/api/workers/${other.id}/card-changes`, { bankName: '建行', cardNo: card, reason: '换卡' }),
  ])
  const holders = await services.db.all<{ id: string }>({ text: 'SELECT id AS "id" FROM workers WHERE card_no = ?', params: [card] })
  t.equal(holders.length, 1, `one worker holds the card (changes: ${results.map((r) => r.status).join(', ')})`)
})
