/**
 * (Found by review.) README "channel=hotline_12333 imports the hotline's own export under that channel, so tickets already
 * entered by hand count as existing". A ticket entered by hand naming the complaining worker (whose employer then
 * becomes the clue's) must count as existing when the hotline's export lists it by its site code.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { registerRegions } from './helpers/regions.ts'

const NOW_MS = Date.parse('2026-12-02T02:00:00Z')

t.test('hotline export after a ticket entered by hand', async (t) => {
  const { api: admin, services } = await startTestServer(t, { clock: new ManualClock(NOW_MS) })
  const r = await registerRegions(admin, 191)
  const w = await services.db.get<{ workerId: string }>({ text: 'SELECT worker_id AS "workerId" FROM enrolments WHERE project_id = ?', params: [r.hz.projectId] })

  await t.test('the same ticket in the export is existing, not a conflict', async (t) => {
    // The operator takes the call and enters it, naming the worker (as README's clue example does).
    const byHand = await admin.post<{ outcome: string; clue: { id: string } }>('/api/clues', {
      channel: 'hotline_12333',
      projectId: r.hz.projectId,
      workerId: w!.workerId,
      month: '2026-10',
      summary: '十月工资没发',
      headcount: 1,
      amountFen: 1_050_000,
      externalRef: 'GD-77',
      receivedAt: '2026-11-27T07:00:00.000Z',
    })
    t.equal(byHand.outcome, 'clue_created')
    // The hotline's own export of the day: the same ticket, same facts, by site code (the hotline knows no worker ids).
    const csv = ['工单编号,受理时间,项目编号,统一社会信用代码,涉及人数,涉及金额,诉求内容,欠薪月份', 'GD-77,2026-11-27 15:00,HZ191,,1,10500.00,十月工资没发,2026-10'].join('\r\n') + '\r\n'
    const res = await admin.fetch('/api/clues/imports?channel=hotline_12333&filename=12333.csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: Buffer.from(csv, 'utf8') })
    const body = (await res.json()) as Record<string, unknown>
    t.equal(res.status, 200, `the ticket is already held: ${JSON.stringify(body)}`)
    t.match(body, { outcome: 'clues_exist', created: 0, existing: 1, rows: [{ clueId: byHand.clue.id, outcome: 'clue_exists' }] })
  })
})
