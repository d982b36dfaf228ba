/**
 * A site's month end to end over real components: punches published over
 * MQTT to the embedded broker, a real database (SQLite or PostgreSQL), the bank's GBK file posted
 * over HTTP, and the flags read back.
 */
import t from 'tap'
import { bankResultFile } from '../../simulators/bank.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth } from '../../simulators/site.ts'
import { ApiError, type Api } from '../../simulators/api.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { startTestServer } from '../helpers/server.ts'

/** A rejected input's bytes as received: its download masks personal numbers, a reveal with a purpose gives them whole. */
async function revealed(api: Api, id: number): Promise<Buffer> {
  const res = await api.fetch(`/api/rejected-inputs/${id}/reveal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },
    body: JSON.stringify({ purpose: 'checking what the device sent' }),
  })
  if (!res.ok) throw new Error(`reveal of rejected input ${id}: HTTP ${res.status} ${await res.text()}`)
  if (res.headers.get('x-payload-masked') !== 'false') throw new Error('a reveal answered masked bytes')
  return Buffer.from(await res.arrayBuffer())
}

t.test('gate punch → timesheet → pay due → payout file → flags', async (t) => {
  // The month is replayed on 5 November: what arrives is counted in November, the punches belong to October.
  const clock = new ManualClock(Date.UTC(2026, 10, 5, 2, 0, 0))
  const server = await startTestServer(t, { clock })
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, workers: 14, teams: 3, seed: 7 })
  const site = await registerSite(api, plan)
  const month = simulateMonth(plan)
  const { acked, refused } = await publishFrames(server.mqttUrl, month.frames, { secrets: site.secrets })
  t.equal(acked, month.frames.length - month.expected.unregistered.frames, 'every frame of a registered device was acknowledged')
  t.same(refused, [month.expected.unregistered.serial], 'the unregistered gate is refused at CONNECT')

  type Summary = { punches: number; duplicates: number; rejectedByReason: Record<string, number>; workers: number; flagsByKind: Record<string, number>; dueFen: number; paidFen: number }
  const before = await api.get<Summary>(`/api/projects/${site.projectId}/summary/${plan.spec.month}`)
  t.equal(before.punches, month.expected.punches, 'every genuine punch stored once')
  const received = await api.get<Summary>(`/api/projects/${site.projectId}/summary/2026-11`)
  t.equal(received.duplicates, month.expected.duplicates, 're-sent records counted, not stored, in the month they arrived')
  t.same(received.rejectedByReason, month.expected.rejected, 'refusals kept with their reasons, in the month they arrived')

  const rejected = await api.get<Array<{ id: number; reason: string; detail: string; payloadUrl: string }>>(`/api/rejected-inputs?projectId=${site.projectId}`)
  const garbled = rejected.find((r) => r.reason === 'malformed_payload')
  const garbledFrame = month.frames.find((f) => f.kind === 'malformed')
  t.ok(garbled && garbledFrame)
  t.equal((await api.fetch(garbled!.payloadUrl)).headers.get('x-payload-masked'), 'true', 'its download has personal numbers masked')
  t.same(await revealed(api, garbled!.id), Buffer.from(garbledFrame!.payload), 'the garbled frame is kept as it came, and revealed on purpose')

  // The terminal that was offline replayed its day late; the day is there as if it had arrived in order.
  type TeamMonth = { workers: Array<{ days: Array<{ workDate: string; status: string; punches: Array<{ use: string; reason: string | null }> }> }> }
  const teamMonths = await Promise.all(site.teamIds.map((id) => api.get<TeamMonth>(`/api/projects/${site.projectId}/teams/${id}/timesheets/${plan.spec.month}`)))
  const days = teamMonths.flatMap((tm) => tm.workers.flatMap((w) => w.days))
  const offlineDay = days.filter((d) => d.workDate === month.expected.offlineDay && d.status === 'present')
  t.ok(offlineDay.length > 0, 'the offline day has attendance')
  const listed = days.flatMap((d) => d.punches)
  t.equal(listed.length, month.expected.punches, 'every stored punch of the month is listed on exactly one day')
  t.ok(listed.every((p) => p.use === 'paired' || p.use === 'debounced' || p.reason !== null), 'each one used, debounced, or listed with its reason')

  const due = await api.get<{ payDate: string; workers: Array<{ workerId: string; name: string; dueFen: number; dueHalves: number; dailyRateFen: number }> }>(
    `/api/projects/${site.projectId}/payroll/${plan.spec.month}`,
  )
  t.equal(due.payDate, '2026-11-10')
  for (const w of due.workers) t.equal(w.dueFen, (w.dailyRateFen * w.dueHalves) / 2, `due of ${w.name} is rate × days`)

  const bank = bankResultFile(plan, site, due)
  const path = `/api/projects/${site.projectId}/payout-files?period=${plan.spec.month}&filename=result.txt`
  const posted = await api.request<{ outcome: string; reconciliation: { flags: Array<{ kind: string; evidence: Record<string, unknown> }> } }>('POST', path, bank.file, 'text/plain')
  t.equal(posted.outcome, 'payout_file_stored')
  const byKind: Record<string, number> = {}
  for (const f of posted.reconciliation.flags) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1
  t.same(byKind, bank.expectedFlags, 'every planted fault is flagged, and nothing else')
  // A run of digits inside a hex id (a case id is 32 hex characters) is not a card: a card number stands alone.
  t.notMatch(JSON.stringify(posted.reconciliation.flags), /(?<![0-9a-f])\d{15,19}(?![0-9a-f])/, 'card numbers in evidence are masked')

  const again = await api.request<{ outcome: string }>('POST', path, bank.file, 'text/plain')
  t.equal(again.outcome, 'payout_file_exists', 'the same file twice is recognised')
  t.equal((await api.get<unknown[]>(`/api/projects/${site.projectId}/payout-files`)).length, 1, 'and stored once')

  // The bank re-sends the batch as a file with other bytes (a CRLF export): its payments are not counted twice.
  const resent = Buffer.from(bank.file.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')
  const dup = await api.request('POST', path.replace('result.txt', 'result-resent.txt'), resent, 'text/plain').catch((e: unknown) => e)
  t.equal((dup as ApiError).status, 422)
  const dupErrors = ((dup as ApiError).body as { error: { details: { errors: Array<{ code: string }> } } }).error.details.errors
  t.equal(dupErrors.length, bank.lines.length, 'every line of the re-sent file is named')
  t.ok(dupErrors.every((e) => e.code === 'bank_ref_already_posted'))

  const flags = await api.get<{ flags: Array<{ kind: string; workerName: string | null }> }>(`/api/projects/${site.projectId}/flags/${plan.spec.month}`)
  t.equal(flags.flags.length, posted.reconciliation.flags.length, 'flags listed by the API with names')
  t.ok(flags.flags.filter((f) => f.kind !== 'UNKNOWN_PAYEE').every((f) => f.workerName))
})

t.test('a broken payout file is refused whole, with every line error, and kept', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, workers: 3, teams: 1, seed: 11 })
  const site = await registerSite(api, plan)
  const file = Buffer.from(
    [
      'seq|payee_card|payee_name|amount|status|bank_ref|value_date',
      `1|${plan.workers[0]!.cardNo}|${plan.workers[0]!.name}|7000.00|success|R1|2026-11-08`,
      `2|12ab|${plan.workers[1]!.name}|7000.0|success|R2|2026-11-08`,
      `3|${plan.workers[2]!.cardNo}|${plan.workers[2]!.name}|6500.00|paid|R3|2026-13-01`,
    ].join('\n'),
  )
  const err = await api.request('POST', `/api/projects/${site.projectId}/payout-files?period=2026-10`, file, 'text/plain').catch((e: unknown) => e)
  t.ok(err instanceof ApiError)
  const body = (err as ApiError).body as { error: { code: string; details: { errors: Array<{ line: number; code: string }> } } }
  t.equal((err as ApiError).status, 422)
  t.equal(body.error.code, 'payout_file_invalid')
  t.same(
    body.error.details.errors.map((e) => e.line).sort(),
    [3, 3, 4, 4],
    'two errors on line 3 (card, amount) and two on line 4 (status, date)',
  )
  t.same(await api.get(`/api/projects/${site.projectId}/payout-files`), [], 'nothing stored')
  const kept = await api.get<Array<{ id: number; reason: string; payloadUrl: string }>>(`/api/rejected-inputs?projectId=${site.projectId}&reason=payout_file_invalid`)
  t.equal(kept.length, 1, 'the file is kept in rejected inputs')
  const res = await api.fetch(kept[0]!.payloadUrl)
  t.equal(res.headers.get('content-type'), 'application/octet-stream')
  t.equal(res.headers.get('x-payload-masked'), 'true', 'its download has card numbers masked')
  t.same(await revealed(api, kept[0]!.id), file, 'byte for byte, revealed on purpose')
})
