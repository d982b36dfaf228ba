/**
 * (Found by review.) A correction after approval (a new version of the team-month) made every worker of the team answer
 * again, also those whose line did not change at all: answers were read from the version they were given on only.
 *
 * What users expect: a worker whose line is the same on the new version (days, hours, payable, deductions, net, card)
 * keeps their answer, carried from the version they gave it on (nothing written or rewritten: the answer stays the
 * record of what they answered, the new version reads it); a worker whose line changed answers again. The sheet's
 * view and counts, the worker's own lines, the approved lines reconciliation (NOT_WORKER_CONFIRMED) and the upstream
 * report read, the bank instruction's holds and the ledger / pay slip all read the same rule.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { LedgerRepository } from '../../src/payroll/ledger-repository.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { startTestServer } from '../helpers/server.ts'

type Answer = { decision: string; carriedFromVersion: number | null; sheetId: string } | null
type Line = { lineId: string; workerId: string; netFen: number; answer: Answer }
type Sheet = { sheetId: string; version: number; lines: Line[]; counts: { confirmed: number; disputed: number; unanswered: number } }

t.test("a new version keeps the answers of workers whose line did not change; the others answer again", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RCA', regionCode: '330106', bankCode: '103331000011', seed: 93 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  const rng = new Rng(9393)
  const li = await admin.post<{ id: string }>('/api/workers', { name: '李娜', idNumber: idNumber(rng, 9393), bankName: '农行', cardNo: cardNumber(9393) })
  await admin.post(`${P}/enrolments`, { workerId: li.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-RCA-2' })
  const W1 = `${P}/workers/${site.workerId}`
  const W2 = `${P}/workers/${li.id}`
  for (const W of [W1, W2]) await admin.post(`${W}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })

  await admin.post(`${T}/2026-10`, {})
  const v1 = await admin.post<Sheet>(`${T}/2026-10/send`, {})
  clock.advance(60_000)
  const answeredAt = clock.nowMs()
  await admin.post(`${W1}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper' })
  await admin.post(`${W2}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper' })
  for (const step of ['submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})

  // A correction after approval: a deduction for 李娜 only, then version 2.
  clock.advance(3_600_000)
  await admin.post(`${W2}/pay-items`, { period: '2026-10', side: 'deduction', reason: 'other', amountFen: 5_000, note: '工具损坏' })
  await admin.post(`${T}/2026-10`, { reason: '补录扣款' })
  const v2 = await admin.post<Sheet>(`${T}/2026-10/send`, {})
  t.equal(v2.version, 2)
  const same = v2.lines.find((l) => l.workerId === site.workerId)!
  const changed = v2.lines.find((l) => l.workerId === li.id)!
  t.equal(same.answer?.decision, 'confirm', "张伟's line is unchanged: their confirmation stands on version 2")
  t.equal(same.answer?.carriedFromVersion, 1, 'carried from version 1, where it was given')
  t.equal(same.answer?.sheetId, v1.sheetId, 'the answer is the one recorded on version 1, not a copy written on version 2')
  t.equal(changed.answer, null, "李娜's line changed (a deduction): she answers again")
  t.same(v2.counts, { confirmed: 1, disputed: 0, unanswered: 1 })

  const month = await admin.get<{ teams: Array<{ sheet: { counts: Sheet['counts'] } | null }> }>(`${P}/payroll-sheets?month=2026-10`)
  t.same(month.teams[0]?.sheet?.counts, { confirmed: 1, disputed: 0, unanswered: 1 }, "the project's month counts the same")

  const own = await admin.get<{ lines: Array<Line & { version: number }> }>(`${W1}/payroll/2026-10`)
  const ownV2 = own.lines.find((l) => l.version === 2)
  t.equal(ownV2?.answer?.decision, 'confirm', "the worker's own lines show the confirmation on version 2")
  t.equal(ownV2?.answer?.carriedFromVersion, 1)
  const ownV1 = own.lines.find((l) => l.version === 1)
  t.equal(ownV1?.answer?.carriedFromVersion, null, 'on version 1 it is their own answer')

  for (const step of ['submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})
  const approved = await server.services.sheets.approvedForMonth(site.projectId, '2026-10')
  t.equal(approved[0]?.version, 2)
  const byWorker = new Map(approved[0]!.lines.map((l) => [l.workerId, l]))
  t.equal(byWorker.get(site.workerId)?.answer, 'confirm', 'reconciliation and the upstream report read 张伟 as confirmed (no NOT_WORKER_CONFIRMED)')
  t.equal(byWorker.get(site.workerId)?.answeredAtMs, answeredAt, 'answered when they answered version 1')
  t.equal(byWorker.get(li.id)?.answer, null, '李娜 has not answered version 2')

  const ledger = await new LedgerRepository(server.services.db).month(site.projectId, '2026-10')
  const slips = new Map(ledger!.lines.map((l) => [l.workerId, l.slip.answer]))
  t.equal(slips.get(site.workerId)?.decision, 'confirm', 'the ledger and pay slip show the carried confirmation')
  t.equal(slips.get(site.workerId)?.carriedFromVersion, 1, 'and say it was given on version 1')
  t.equal(slips.get(li.id), null)
})

t.test('a dispute is carried too, and a new answer on the new version replaces it', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RCB', regionCode: '330106', bankCode: '103331000011', seed: 94 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  const W = `${P}/workers/${site.workerId}`
  await admin.post(`${W}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  await admin.post(`${T}/2026-10`, {})
  await admin.post(`${T}/2026-10/send`, {})
  clock.advance(60_000)
  await admin.post(`${W}/payroll/2026-10/answer`, { decision: 'dispute', channel: 'paper', note: '少算一天' })
  for (const step of ['submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})
  clock.advance(60_000)
  // A version 2 with the same figures (nothing changed for this worker): the dispute still holds the line.
  await admin.post(`${T}/2026-10`, { reason: '重新生成' })
  const v2 = await admin.post<Sheet>(`${T}/2026-10/send`, {})
  t.equal(v2.lines[0]?.answer?.decision, 'dispute', 'the dispute stands on the unchanged line')
  t.equal(v2.lines[0]?.answer?.carriedFromVersion, 1)
  clock.advance(60_000)
  await admin.post(`${W}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper', lineId: v2.lines[0]!.lineId })
  const now = await admin.get<Sheet>(`${T}/2026-10`)
  t.equal(now.lines[0]?.answer?.decision, 'confirm', 'an answer given on version 2 is the one that counts')
  t.equal(now.lines[0]?.answer?.carriedFromVersion, null)
})

