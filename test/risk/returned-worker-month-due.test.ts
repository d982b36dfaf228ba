/**
 * (Found by review.) The monthly risk run read a worker who left and came back (再次进场) as on the roster in every
 * month from their first entry on: after the return the enrolment has no exit in force. A month due they spent wholly
 * away, between the exit and the return, raised "sheet not made" for their team (whose only worker was away: nobody to
 * pay) and counted them unpaid in the month's unpaid share. Now the run reads the month's roster by the spells.
 *
 * The worker: entered 2026-09-01, exited 2026-09-30, back on 2026-11-02: on site in September, away all of October.
 * Pay day the 10th, so October's run has September due and November's has October due.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

interface Ranking {
  scores: Array<{ subjectId: string; parts: Array<{ part: string; reasons: Array<{ signal: { kind: string; month?: string; unpaid?: number; onRoster?: number } }> }> }>
}

t.test("the risk run: a month due spent away is none of the worker's", async (t) => {
  const clock = new ManualClock(Date.parse('2026-12-05T02:00:00Z'))
  const { api, services } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'RK-BRK', regionCode: '330106', bankCode: '103331000011', seed: 4712 })
  const E = `/api/projects/${site.projectId}/enrolments/${site.enrolmentId}`
  await api.post(`${E}/exit`, { exitDate: '2026-09-30' })
  await api.post(`${E}/return`, { returnDate: '2026-11-02' })

  const signals = async (month: string): Promise<Array<{ kind: string; month?: string; unpaid?: number; onRoster?: number }>> => {
    await services.riskRuns.run(month, 'test')
    const ranking = await api.get<Ranking>(`/api/risk/projects?month=${month}`)
    const project = ranking.scores.find((s) => s.subjectId === site.projectId)
    return (project?.parts ?? []).flatMap((p) => p.reasons.map((r) => r.signal)).filter((s) => s.kind === 'sheet_missing' || s.kind === 'unpaid_headcount')
  }

  t.match(
    await signals('2026-10'),
    [{ kind: 'unpaid_headcount', unpaid: 1, onRoster: 1 }, { kind: 'sheet_missing', month: '2026-09' }],
    'September due, a month on site: the team owes a sheet, the worker is unpaid',
  )
  t.same(await signals('2026-11'), [], 'October due, spent away: no sheet owed, nobody unpaid')
})
