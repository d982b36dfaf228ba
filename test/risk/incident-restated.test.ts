/**
 * (Found by review.) A case that becomes major by headcount and is then found to be ¥5,000,000 or more never counts as a
 * "case of ¥5 million or more": /api/incidents keeps the receipt's amount and reasons, and the 无欠薪 targets page
 * says 达标 for "500 万元以上欠薪案件" while the bureau's own check found ¥6,000,000.
 *
 * What is wrong: src/risk/incident-service.ts raise() inserts once per source (ON CONFLICT DO NOTHING); the check's
 * restated figures (src/risk/clue-service.ts step, 'checked' with amountFen) call raise() again, which is dropped
 * because the clue already became an incident on its 12 workers. The same holds for a project-month's arrears that
 * pass 10 workers first and grow past ¥5M later (casesChanged). src/oversight/targets.ts then judges largeCases from
 * the incident's stale amountFen.
 *
 * What the README says: "A major incident is a case of 10 or more workers or ¥5,000,000: a clue by the figures it was
 * received with (or those its check found: `checked` may restate headcount and amountFen)"; the targets page: "no case
 * of ¥5 million or more (major incidents, by the month they became major)". The programme's target (domain.md): no case
 * of ¥5 million or more.
 *
 * What should happen: once the check finds ¥6,000,000 the incident (or the targets' reading of it) carries the amount
 * reason and figure, and the month's "500 万元以上欠薪案件" target is 未达标 with the case listed.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'
import { creditCode } from '../helpers/upstream.ts'

const NOW = Date.parse('2026-12-11T01:00:00Z')

t.test('a clue major by headcount and found at ¥6M counts against "no case of ¥5M"', async (t) => {
  const clock = new ManualClock(NOW)
  const { api, adminKey, services } = await startTestServer(t, { clock })
  // An endpoint that never answers: what matters here is what is queued for it.
  await api.post('/api/webhooks', { url: 'http://127.0.0.1:9/hooks' })
  const queued = async (type: string) =>
    (await services.db.all<{ body: string }>({ text: 'SELECT body AS "body" FROM webhook_deliveries WHERE type = ? ORDER BY created_at_ms', params: [type] })).map((d) => JSON.parse(d.body) as { incident: Record<string, unknown> })
  const r = await api.post<{ clue: { id: string; incidentId: string | null } }>('/api/clues', {
    channel: 'hotline_12333',
    employerCreditCode: creditCode(77),
    summary: '班组12人工资未发',
    headcount: 12,
    amountFen: 10_000_000,
    externalRef: 'BIG-1',
  })
  t.ok(r.clue.incidentId, 'major at receipt: 12 workers')
  clock.advance(30 * 60_000)
  const checked = await api.post<{ found: { amountFen: number } | null }>(`/api/clues/${r.clue.id}/steps`, { type: 'checked', cause: 'illegal_contracting', note: '核实：欠薪总额 600 万元', amountFen: 600_000_000 })
  t.match(checked.found, { amountFen: 600_000_000 }, 'the check found ¥6,000,000')
  const restated = await queued('incident.restated')
  t.equal(restated.length, 1, 'the reason gained is notified')
  t.match(restated[0]?.incident, { id: r.clue.incidentId, headcount: 12, amountFen: 600_000_000, amountYuan: '6000000.00', reasons: ['headcount', 'amount'], gained: ['amount'] })

  const incidents = await api.get<Array<{ id: string; amountFen: number; reasons: string[] }>>('/api/incidents')
  t.equal(incidents.length, 1)
  t.ok(incidents[0]!.amountFen >= 500_000_000 && incidents[0]!.reasons.includes('amount'), 'the incident carries the amount its check found (¥5M or more)')

  const page = await fetch(`${api.baseUrl}/pages/oversight/targets?month=2026-12`, { headers: { authorization: `Bearer ${adminKey}` } })
  t.equal(page.status, 200)
  const html = await page.text()
  const row = /500 万元以上欠薪案件<\/th>[\s\S]*?<\/tr>/.exec(html)?.[0] ?? ''
  t.ok(row !== '', 'the row is on the page')
  t.match(row, /未达标/, 'a ¥6M case this month: the target is not met')

  const kept = await services.db.all<{ amountFen: number | string }>({ text: 'SELECT amount_fen AS "amountFen" FROM major_incidents', params: [] })
  t.same(kept.map((k) => Number(k.amountFen)), [10_000_000], 'the incident keeps what it became major with; the restatement is a row of its own')
  await t.rejects(services.db.run({ text: 'UPDATE major_incident_figures SET amount_fen = 1', params: [] }), /append-only/)
  clock.advance(60_000)
  await services.incidents.raise({ kind: 'clue', id: r.clue.id, projectId: null, headcount: 12, amountFen: 300_000_000, atMs: clock.nowMs() })
  const after = await api.get<Array<{ amountFen: number }>>('/api/incidents')
  t.equal(after[0]!.amountFen, 600_000_000, 'a lower figure later does not make the incident smaller than it was')
  await services.incidents.raise({ kind: 'clue', id: r.clue.id, projectId: null, headcount: 14, amountFen: 700_000_000, atMs: clock.nowMs() })
  t.equal((await queued('incident.restated')).length, 1, 'figures that grow within the reasons it has are restated, not notified again')
  t.equal((await queued('incident.major')).length, 1, 'incident.major once')
})
