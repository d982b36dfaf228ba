/**
 * The site the top-up tests (补发) start from: a service on a fixed clock at 3 November 2026, a project at bank 103
 * with one worker on one team, and a labour manager of the general contractor logged in. The sheets themselves are
 * each test's own (insertApprovedSheet with `line(netFen)`).
 */
import type { Test } from 'tap'
import { fen } from '../../../src/kernel/money.ts'
import { formatPayoutFile } from '../../../src/payouts/file-format.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../../access/helpers/site.ts'
import { startTestServer } from '../../helpers/server.ts'

export const AT_MS = Date.UTC(2026, 10, 3)

export async function oneWorkerSite(t: Test, tag: string, seed: number) {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag, regionCode: '330106', bankCode: '103331000011', seed })
  const login = `lm.${tag.toLowerCase().replaceAll('-', '')}`
  await createLogin(api, login, 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, login))
  const worker = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  /** The worker's confirmed line on a sheet, netting `netFen`. */
  const line = (netFen: number) => ({
    workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: worker.name, idNumber: worker.idNumber,
    bankName: worker.bankName, cardNo: worker.cardNo, answer: 'confirm' as const, netFen,
  })
  const post = (path: string, body: unknown) => lm.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  let ref = 0
  /** The bank's result file of one line to the worker's card (our EndToEndId, or null for a report without it), posted for the month; its status. */
  const report = async (endToEndId: string | null, amountFen: number, status: 'success' | 'failed'): Promise<number> => {
    const file = formatPayoutFile(
      [{ seq: 1, payeeCard: worker.cardNo, payeeName: worker.name, amountFen: fen(amountFen), status, bankRef: `VCH-${tag}-${++ref}`, valueDate: '2026-11-08', failureReason: status === 'failed' ? '账户状态异常' : null, endToEndId }],
      { encoding: 'utf-8' },
    )
    return (await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })).status
  }
  return { api, services, site, P: `/api/projects/${site.projectId}`, lm, worker, line, post, report }
}
