/**
 * One worker enrolled on two projects in one month (moved sites mid-month). The EndToEndId is worker + month + attempt,
 * the same on both projects' instructions, sent from two dedicated accounts: it is unique per project, so the second
 * project's instruction is made too (it was refused whole as instruction_live when the id was unique table-wide).
 */
import t from 'tap'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)

t.test('a worker on two projects in one month: both projects can instruct their sheets', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const p1 = await registerAccessSite(api, { tag: 'RV-1', regionCode: '330106', bankCode: '103331000011', seed: 3101 })
  const p2 = await registerAccessSite(api, { tag: 'RV-2', regionCode: '330106', bankCode: '103331000011', seed: 3102 })
  const w = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [p1.workerId],
  }))!
  // The same person also worked on project 2 this month (moved sites), beside project 2's own worker.
  const e2 = await api.post<{ id: string }>(`/api/projects/${p2.projectId}/enrolments`, { workerId: p1.workerId, teamId: p2.teamId, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-10-15', deviceUserId: 'W-RV-X' })
  const w2 = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [p2.workerId],
  }))!
  await insertApprovedSheet(services.db, { projectId: p1.projectId, teamId: p1.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ workerId: p1.workerId, enrolmentId: p1.enrolmentId, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, netFen: 3_000_00, answer: 'confirm' }] })
  await insertApprovedSheet(services.db, {
    projectId: p2.projectId, teamId: p2.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS,
    lines: [
      { workerId: p2.workerId, enrolmentId: p2.enrolmentId, workerName: w2.name, idNumber: w2.idNumber, bankName: w2.bankName, cardNo: w2.cardNo, netFen: 5_000_00, answer: 'confirm' },
      { workerId: p1.workerId, enrolmentId: e2.id, workerName: w.name, idNumber: w.idNumber, bankName: w.bankName, cardNo: w.cardNo, netFen: 4_000_00, answer: 'confirm' },
    ],
  })
  const first = await services.instructions.instruct(p1.projectId, p1.teamId, MONTH, {}, 'test')
  t.equal(first.lines.length, 1, 'project 1 instructed')
  let second: Awaited<ReturnType<typeof services.instructions.instruct>> | undefined
  let error: unknown
  try {
    second = await services.instructions.instruct(p2.projectId, p2.teamId, MONTH, {}, 'test')
  } catch (err) {
    error = err
  }
  t.equal(error, undefined, `project 2's instruction is made (actual: ${String((error as { code?: string })?.code ?? error)})`)
  t.equal(second?.lines.length, 2, "project 2's two workers are instructed")
})
