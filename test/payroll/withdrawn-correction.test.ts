/**
 * An approved sheet, then a correction started (version 2, which supersedes version 1) and abandoned (withdrawn):
 * version 1 is in force again and the bank can be instructed to pay it (it stayed `superseded`, and the month could not
 * be paid until another copy was made, sent, submitted and approved). The next correction supersedes version 1.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('withdrawing a correction leaves the approved sheet payable', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'RVW', regionCode: '330106', bankCode: '103331000011', seed: 73 })
  const P = `/api/projects/${site.projectId}`
  const T = `${P}/teams/${site.teamId}/payroll-sheets`
  await admin.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
  await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
  await admin.post(`${T}/2026-10`, {})
  for (const step of ['send', 'submit', 'approve']) await admin.post(`${T}/2026-10/${step}`, {})

  await admin.post(`${T}/2026-10`, { reason: '补录一笔' })
  await admin.post(`${T}/2026-10/withdraw`, { reason: '不需要了' })

  const inForce = await server.services.sheets.approvedForMonth(site.projectId, '2026-10')
  t.match(inForce, [{ version: 1, state: 'approved' }], 'version 1 is the approved sheet in force')
  const res = await admin.fetch(`${T}/2026-10/instruction`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  const body = await res.text()
  t.equal(res.status, 201, `the approved sheet in force can be instructed: ${body.slice(0, 200)}`)

  // The next correction supersedes the sheet in force, version 1, and is version 3.
  const v3 = await admin.post<{ version: number; supersedesId: string | null }>(`${T}/2026-10`, { reason: '再次更正' })
  t.equal(v3.version, 3)
  t.equal(v3.supersedesId, inForce[0]!.sheetId, 'version 3 supersedes version 1')
})
