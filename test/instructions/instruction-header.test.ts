/**
 * An instruction whose header no bank would take (the project has no 联行号 and no dedicated account registered; the
 * general contractor's record fails its checks) is refused before anything is stored: stored, it moved the sheet to
 * `instructed` and every file of it was refused, so the month could neither be sent nor instructed again.
 */
import t from 'tap'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { q } from '../../src/db/database.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test('a header no bank would take is refused with nothing stored; put right, the same sheet is instructed', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'HD-1', regionCode: '330106', bankCode: undefined as unknown as string, seed: 2011 })
  await createLogin(api, 'lm.hd', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.hd'))
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>(
    q('SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?', site.workerId),
  ))!
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, netFen: 5_000_00 }],
  })
  const url = `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`

  // The project's own account has no bank code: refused, the sheet stays approved, no instruction line exists.
  const refused = await failure(lm.post(url, {}))
  t.match(refused, { status: 409, code: 'instruction_payer_refused', details: { reason: 'invalid_bank_code' } })
  const lines = await services.db.all(q('SELECT id FROM instruction_lines WHERE project_id = ?', site.projectId))
  t.equal(lines.length, 0, 'no instruction line stored')

  // A dedicated account whose name carries a stray space is refused where it is registered, not at every file.
  const padded = await failure(
    lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '102331000099', accountNo: '1202020109000012345', accountName: '总包 HD-1 农民工工资专用账户 ', openedOn: '2026-09-01', reason: '开户' }),
  )
  t.match(padded, { status: 400, code: 'dedicated_account_invalid', details: { field: 'accountName' } })

  // Registered as the bank holds it: the same sheet is instructed, and its pain.001 is written.
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '102331000099', accountNo: '1202020109000012345', accountName: '总包 HD-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
  const made = await lm.post<{ id: string; nbOfTxs: number; requestedOn: string }>(url, {})
  t.equal(made.nbOfTxs, 1)
  t.equal(made.requestedOn, '2026-11-10', 'on the pay date, still to come')
  const pain = await lm.fetch(`/api/projects/${site.projectId}/instructions/${made.id}/pain001`)
  t.equal(pain.status, 200, 'its file is written')
})

t.test('an instruction made after the pay date asks the bank to pay today, not on a day gone by', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'HD-2', regionCode: '330106', bankCode: '103331000011', seed: 2013 })
  await createLogin(api, 'lm.hd2', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.hd2'))
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>(
    q('SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?', site.workerId),
  ))!
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-01',
    atMs: AT_MS,
    lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, netFen: 5_000_00 }],
  })
  const made = await lm.post<{ requestedOn: string }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
  t.equal(made.requestedOn, '2026-11-03', 'today in the project time zone')
})
