/**
 * The early warning's smaller promises (found by review) — a denied employer read is logged; an incident reported late leaves the
 * overdue list; a run counts every employer it scores; a hand-made ranking cursor is a 4xx.
 */
import t from 'tap'
import { creditCode } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { registerRegions, signalCsv } from './helpers/regions.ts'

const NOW_MS = Date.parse('2026-11-20T02:00:00Z')

t.test('early warning: logging, overdue list, run counts, cursors', async (t) => {
  const clock = new ManualClock(NOW_MS)
  const { api: admin, services } = await startTestServer(t, { clock })
  const r = await registerRegions(admin, 181)

  await t.test("an auditor asking for another region's employer: 404 as unknown, and the denial logged", async (t) => {
    const denied = await failure(r.as.auditorSz.get(`/api/employers/${r.hz.codes.generalContractor}/signals`))
    t.match(denied, { status: 404, code: 'employer_not_found' })
    const logged = await services.db.all<{ reason: string }>({
      text: `SELECT reason AS "reason" FROM access_log WHERE action = 'denied' AND route = '/api/employers/:creditCode/signals'`,
      params: [],
    })
    t.equal(logged.length, 1, 'the attempt on an existing, out-of-scope employer is written to the access log')
  })

  await t.test('an incident reported late is no longer in the overdue list ("not reported within 2 hours and still not")', async (t) => {
    const c = await admin.post<{ clue: { incidentId: string | null } }>('/api/clues', { channel: 'hotline_12333', projectId: r.hz.projectId, summary: '12人没发工资', headcount: 12, amountFen: 3_600_000, externalRef: 'RV-INC-1' })
    t.ok(c.clue.incidentId)
    clock.advance(2 * 3_600_000 + 1_000)
    t.same((await admin.get<Array<{ id: string }>>('/api/incidents?overdue=true')).map((i) => i.id), [c.clue.incidentId], 'unreported after 2 hours: overdue')
    await admin.post(`/api/incidents/${c.clue.incidentId}/reports`, { reportedTo: '市住建局', note: '迟报' })
    t.same((await admin.get<Array<{ id: string }>>('/api/incidents?overdue=true')).map((i) => i.id), [], 'reported now: no longer waiting for a report')
  })

  await t.test("a run's employerCount counts every employer it scores (one known only from a credit record)", async (t) => {
    const code = creditCode(new Rng(77_181))
    // A second, also on no roster, that a department reported this month too: scored once, with its record.
    const reportedToo = creditCode(new Rng(77_182))
    for (const [i, employer] of [code, reportedToo].entries()) {
      const c = await admin.post<{ clue: { id: string } }>('/api/clues', { channel: 'hotline_12333', employerCreditCode: employer, month: '2026-10', summary: '某劳务公司欠薪', headcount: 2, amountFen: 800_000, externalRef: `RV-CR-${i + 1}` })
      for (const body of [{ type: 'checked', cause: 'other', note: '核实' }, { type: 'routed', to: 'hrss_bureau' }, { type: 'resolved', outcome: 'arrears_confirmed', note: '查实', employerName: '某劳务公司' }]) {
        await admin.post(`/api/clues/${c.clue.id}/steps`, body)
      }
    }
    const imported = await admin.fetch('/api/signals/imports', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: signalCsv([[reportedToo, '某劳务公司', '欠缴社保', '人社', '2026-11', '350000', '较重']]) })
    t.equal(imported.status, 201, 'the signal imported')
    clock.set(Date.parse('2026-12-02T02:00:00Z'))
    const run = await admin.post<{ employerCount: number }>('/api/risk/runs', { month: '2026-11' })
    const employers = await admin.get<{ scores: Array<{ subjectId: string }> }>('/api/risk/employers?month=2026-11&limit=100')
    t.ok(employers.scores.some((s) => s.subjectId === code), 'the employer with a credit record is scored')
    t.equal(employers.scores.filter((s) => s.subjectId === reportedToo).length, 1, 'the one also reported is scored once')
    t.equal(run.employerCount, employers.scores.length, 'and counted in the run')
  })

  await t.test('a ranking cursor that is not one the service gave: 4xx, not 500', async (t) => {
    const cursor = Buffer.from(JSON.stringify([1.5, 'x'])).toString('base64url')
    const res = await admin.fetch(`/api/risk/projects?month=2026-11&after=${cursor}`)
    t.ok(res.status < 500, `answered ${res.status}`)
  })
})
