/**
 * An explicit requestedOn (ReqdExctnDt) before today is refused, as the default never picks one: a stored instruction
 * asking the bank to pay on a day gone by is rejected by the bank (ISO reason DT01). Today itself is taken.
 */
import t from 'tap'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3) // 2026-11-03

t.test('an instruction asking for execution in the past is refused', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'RV-P', regionCode: '330106', bankCode: '103331000011', seed: 3201 })
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, netFen: 3_000_00, answer: 'confirm' }] })
  await t.rejects(services.instructions.instruct(site.projectId, site.teamId, MONTH, { requestedOn: '2026-11-02' }, 'test'), { code: 'instruction_requested_on_past', details: { requestedOn: '2026-11-02', today: '2026-11-03' } })
  const made = await services.instructions.instruct(site.projectId, site.teamId, MONTH, { requestedOn: '2026-11-03' }, 'test')
  t.equal(made.instruction.requestedOn, '2026-11-03', 'today is taken')
})
