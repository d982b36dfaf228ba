/**
 * A worker's wage card changed (换卡) over HTTP against the real service, on either engine: the change recorded with
 * author and reason and shown masked, refused when nothing changes or by a role that may not, append-only; an approved
 * sheet instructed after the change goes to the new card; a payment made to the former card is still the worker's in
 * reconciliation (not UNKNOWN_PAYEE), and the month is paid in full by the two cards together.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { formatPayoutFile, type PayoutFileLineInput } from '../../src/payouts/file-format.ts'
import { cardNumber } from '../../simulators/identities.ts'
import type { Api } from '../../simulators/api.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

interface CardChangeJson { id: string; workerId: string; seq: number; previousBankName: string; previousCardMasked: string; bankName: string; cardMasked: string; reason: string; actor: string; at: string }

async function postResults(bank: Api, projectId: string, period: string, lines: Array<Pick<PayoutFileLineInput, 'seq' | 'payeeCard' | 'amountFen' | 'status' | 'bankRef'>>): Promise<void> {
  const body = formatPayoutFile(
    lines.map((l) => ({ payeeName: '张伟', valueDate: `${period}-28`, failureReason: null, payerAccountNo: null, endToEndId: null, ...l })),
    { encoding: 'utf-8' },
  )
  const res = await bank.fetch(`/api/projects/${projectId}/payout-files?period=${period}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
  if (res.status !== 201) throw new Error(`payout file not stored: ${res.status} ${await res.text()}`)
}

t.test("a worker's card changed: recorded, instructed to, and the former card still the worker's", async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'CC-1', regionCode: '330106', bankCode: '103331000011', seed: 2311 })
  await createLogin(api, 'lm.cc', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(api, 'aud.cc', 'auditor', { regionCode: '3301' })
  const lm = api.as(await logIn(api, 'lm.cc'))
  const auditor = api.as(await logIn(api, 'aud.cc'))
  const bank = api.as((await createKey(api, 'bank CC', 'bank', { bankCode: '103331000011' })).key)
  const worker = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  const oldCard = worker.cardNo
  const newCard = cardNumber(2399)
  const changesUrl = `/api/workers/${site.workerId}/card-changes`

  // The sheet was prepared with the card the worker held then.
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: worker.name, idNumber: worker.idNumber, bankName: worker.bankName, cardNo: oldCard, netFen: 7_000_00, answer: 'confirm' }],
  })

  await t.test('the change: who, why, both cards masked; the worker shows the new card', async (t) => {
    t.match(await failure(auditor.post(changesUrl, { bankName: '中国建设银行', cardNo: newCard, reason: '原卡挂失' })), { status: 403, code: 'role_forbidden' })
    t.match(await failure(lm.post(changesUrl, { bankName: '中国建设银行', cardNo: newCard, reason: '   ' })), { status: 400 }, 'a reason is required')
    const change = await lm.post<CardChangeJson>(changesUrl, { bankName: ' 中国建设银行 ', cardNo: newCard.replace(/(\d{4})/g, '$1 ').trim(), reason: '原卡挂失，换建行卡' })
    t.match(change, { workerId: site.workerId, seq: 1, previousBankName: worker.bankName, bankName: '中国建设银行', reason: '原卡挂失，换建行卡', actor: 'user:lm.cc' })
    t.equal(change.cardMasked.slice(-4), newCard.slice(-4))
    t.equal(change.previousCardMasked.slice(-4), oldCard.slice(-4))
    t.notOk(JSON.stringify(change).includes(newCard) || JSON.stringify(change).includes(oldCard), 'no card in full')
    const shown = await lm.get<{ cardMasked: string; bankName: string }>(`/api/workers/${site.workerId}`)
    t.equal(shown.cardMasked.slice(-4), newCard.slice(-4))
    t.equal(shown.bankName, '中国建设银行')
    const listed = await auditor.get<CardChangeJson[]>(changesUrl)
    t.same(listed.map((c) => c.seq), [1], 'the auditor reads the history')
    t.match(await failure(lm.post(changesUrl, { bankName: '中国建设银行', cardNo: newCard, reason: '再换' })), { status: 409, code: 'worker_card_unchanged' })
  })

  await t.test('append-only: the change cannot be edited or deleted', async (t) => {
    await t.rejects(services.db.run({ text: 'UPDATE worker_card_changes SET reason = ?', params: ['改'] }), /append-only/)
    await t.rejects(services.db.run({ text: 'DELETE FROM worker_card_changes', params: [] }), /append-only/)
  })

  await t.test('the approved sheet instructed after the change goes to the new card', async (t) => {
    const made = await lm.post<{ id: string; lines: Array<{ cardNoMasked: string; bankName: string }> }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, { requestedOn: '2026-11-09' })
    t.equal(made.lines[0]!.cardNoMasked.slice(-4), newCard.slice(-4))
    t.equal(made.lines[0]!.bankName, '中国建设银行')
    const xml = await (await bank.fetch(`/api/projects/${site.projectId}/instructions/${made.id}/pain001`)).text()
    t.ok(xml.includes(`<Id>${newCard}</Id>`) && !xml.includes(`<Id>${oldCard}</Id>`), 'the pain.001 names the new card')
  })

  await t.test("a payment to the former card is still the worker's: the two cards together pay the month", async (t) => {
    // September's sheet, made after the change, names the new card; half had gone to the old card before it was lost.
    const SEPTEMBER = '2026-09'
    await insertApprovedSheet(services.db, {
      projectId: site.projectId,
      teamId: site.teamId,
      period: SEPTEMBER,
      payDate: '2026-10-10',
      atMs: AT_MS,
      lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: worker.name, idNumber: worker.idNumber, bankName: '中国建设银行', cardNo: newCard, netFen: 7_000_00, answer: 'confirm' }],
    })
    await postResults(bank, site.projectId, SEPTEMBER, [
      { seq: 1, payeeCard: oldCard, amountFen: fen(3_000_00), status: 'success', bankRef: 'CC-R-1' },
      { seq: 2, payeeCard: newCard, amountFen: fen(4_000_00), status: 'success', bankRef: 'CC-R-2' },
    ])
    const { flags } = await services.payouts.reconcile(site.projectId, SEPTEMBER, 'test')
    const kinds = flags.map((f) => f.kind)
    t.notOk(kinds.includes('UNKNOWN_PAYEE'), `the former card is known: ${kinds.join(', ')}`)
    t.notOk(kinds.includes('SHORTFALL') || kinds.includes('UNPAID'), 'paid in full by the two cards')
  })
})

t.test('who may be on the roster: no child, a card of 12 to 19 digits, each worker their own card', async (t) => {
  const { api } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'CC-2', regionCode: '330106', bankCode: '103331000011', seed: 2321 })
  await createLogin(api, 'tm.cc', 'team_manager', { organisationId: site.subcontractorId })
  const tm = api.as(await logIn(api, 'tm.cc'))
  const id = (birth: string, order: string): string => {
    const first17 = `330106${birth}${order}`
    return first17 + idCheckChar(first17)
  }
  // 16 on 4 November 2026, the day after the clock's.
  t.match(await failure(api.post('/api/workers', { name: '童工', idNumber: id('20101104', '011'), bankName: '农行', cardNo: cardNumber(2322) })), { status: 422, code: 'worker_under_age', details: { minimumAge: 16 } })
  t.match(await api.post('/api/workers', { name: '刚满十六', idNumber: id('20101103', '013'), bankName: '农行', cardNo: cardNumber(2323) }), { name: '刚满十六' }, 'sixteen today is of working age')
  t.match(await failure(api.post('/api/workers', { name: '空卡', idNumber: id('19900101', '015'), bankName: '农行', cardNo: '            ' })), { status: 400, code: 'invalid_card_no', details: { digits: 0 } })
  const siteCard = (await api.post<{ cardMasked: string }>('/api/workers', { name: '张伟', idNumber: id('19900101', '017'), bankName: '农行', cardNo: cardNumber(2324) })).cardMasked
  t.ok(siteCard)
  t.match(await failure(api.post('/api/workers', { name: '包工头', idNumber: id('19800101', '019'), bankName: '农行', cardNo: cardNumber(2324) })), { status: 409, code: 'card_held_by_another_worker' }, 'a second worker on one card')
  t.match(await failure(api.post(`/api/workers/${site.workerId}/card-changes`, { bankName: '农行', cardNo: cardNumber(2324), reason: '改卡' })), { status: 409, code: 'card_held_by_another_worker' }, 'a change to another worker\'s card')
  t.match(await failure(tm.post(`/api/workers/${site.workerId}/card-changes`, { bankName: '农行', cardNo: cardNumber(2325), reason: '改卡' })), { status: 403, code: 'role_forbidden' }, 'the labour manager changes cards, not a team manager')
})
