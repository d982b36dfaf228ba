/**
 * (Found by review.) A worker's confirmation (工资确认) is attached to whatever version is current when it is *recorded*, not to
 * the figures the worker saw or signed.
 *
 * The answer route (POST …/workers/{w}/payroll/{month}/answer) takes only decision, channel and note; the service
 * (sheet-service.ts answer → currentLine) writes it on the newest sent version, re-read under the lock ("a new version
 * made meanwhile is the one to answer"). So when version 1 is sent, the worker signs its paper copy (实发 ¥350), the
 * sheet is withdrawn and version 2 is made with a ¥200 deduction and sent, the manager who then records the signed
 * paper records a confirmation of version 2's ¥150 — figures the worker never saw. The same happens to a worker who
 * presses "confirm" in the app on the page showing version 1 a moment after version 2 is sent. The confirmation is
 * the evidence the law asks for (条例 Art. 31: the payroll sheet confirmed by the worker; Art. 15 the ledger shows it),
 * and it now stands on the ledger and pay slip as the worker's assent to a deduction they never saw.
 *
 * What should happen: the answer names the line (or sheet version) it answers — the worker's own lines listing gives
 * each lineId — and an answer naming a line that is no longer the current one is refused (409, naming the current
 * version) instead of being written on another version's figures.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test('a paper confirmation of version 1 does not become a confirmation of version 2', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RAV', regionCode: '330106', bankCode: '103331000011', seed: 92 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  const W = `${P}/workers/${site.workerId}`
  await admin.post(`${W}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })

  type Sheet = { sheetId: string; version: number; lines: Array<{ lineId: string; netFen: number; answer: { decision: string } | null }> }
  await admin.post(`${T}/2026-10`, {})
  const v1 = await admin.post<Sheet>(`${T}/2026-10/send`, {})
  const v1Line = v1.lines[0]!
  t.equal(v1Line.netFen, 35_000, 'the worker signs a paper copy of version 1: 实发 ¥350')

  // Before the paper comes back: version 1 withdrawn, a deduction entered, version 2 made and sent.
  await admin.post(`${T}/2026-10/withdraw`, { reason: '漏了扣款' })
  await admin.post(`${W}/pay-items`, { period: '2026-10', side: 'deduction', reason: 'other', amountFen: 20_000, note: '工具损坏' })
  await admin.post(`${T}/2026-10`, {})
  const v2 = await admin.post<Sheet>(`${T}/2026-10/send`, {})
  t.equal(v2.lines[0]!.netFen, 15_000)

  // The manager records the paper the worker signed — the paper of version 1, and says so.
  clock.advance(60_000)
  const res = await failure(admin.post(`${W}/payroll/2026-10/answer`, { decision: 'confirm', channel: 'paper', note: '纸质签字（第1版）', lineId: v1Line.lineId }))
  t.equal(res.status, 409, `an answer naming version 1's line is refused as stale, not written on version 2 (got ${res.status} ${res.code})`)
  const now = await admin.get<Sheet>(`${T}/2026-10`)
  t.equal(now.version, 2)
  t.equal(now.lines[0]!.answer, null, "version 2's ¥150 line carries no confirmation the worker never gave")
})
