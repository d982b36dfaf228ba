/**
 * Complaint clues, major incidents and credit records over HTTP on a real database (issue 15): a clue's full route
 * (received → checked → routed → bureau_received → resolved) with actors and times; steps out of order and a route
 * against the cause refused; the routing clock across a weekend and November's end in Asia/Shanghai escalating once,
 * with its webhook; a clue of 12 workers a major incident at once with its webhook and 2-hour clock, then reported;
 * arrears confirmed becoming a credit record, repaired by the rule's months and expired by its term; the 12333
 * reference never taken twice; an auditor of another region seeing nothing.
 */
import t from 'tap'
import type { Api } from '../../simulators/api.ts'
import type { CaseRun, RunFlag } from '../../src/flags/cases.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { Api as ApiClient } from '../../simulators/api.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Clue {
  id: string
  state: string
  cause: string | null
  routedTo: string | null
  outcome: string | null
  month: string | null
  overdue: boolean
  employerCreditCode: string | null
  clocks: Array<{ clock: string; startedOn: string; dueOn: string; overdueAt: string; metAt: string | null; overdue: boolean; daysLeft: number | null }>
  steps: Array<{ seq: number; type: string; actor: string; at: string; body: Record<string, unknown> }>
  incidentId: string | null
  evidence: unknown
}

/** Friday 27 November 2026, 15:00 in Hangzhou. */
const RECEIVED_MS = Date.parse('2026-11-27T07:00:00Z')
const HOUR = 3_600_000

async function deliveries(api: { services: { db: { all<T>(q: { text: string; params: unknown[] }): Promise<T[]> } } }, type: string): Promise<Array<{ body: string; projectId: string }>> {
  return api.services.db.all({ text: 'SELECT body AS "body", project_id AS "projectId" FROM webhook_deliveries WHERE type = ? ORDER BY created_at_ms', params: [type] })
}

t.test('complaint clues, incidents and credit records', async (t) => {
  const clock = new ManualClock(RECEIVED_MS)
  const server = await startTestServer(t, { clock })
  const { services } = server
  // Keys made at the clock's time: the test moves it by years, past any key's life.
  const keyed = async (role: 'admin' | 'auditor', regionCode?: string): Promise<{ api: Api; label: string }> => {
    const k = await services.access.createKey({ name: `${role} ${regionCode ?? ''}`, role, ...(regionCode === undefined ? {} : { regionCode }) }, 'test')
    return { api: new ApiClient(server.httpUrl, k.key), label: k.row.prefix }
  }
  const admin = await keyed('admin')
  const api = admin.api
  const OP = admin.label
  const site = await registerAccessSite(api, { tag: 'CL-1', regionCode: '330106', bankCode: '103331000011', seed: 1501 })
  await api.post('/api/webhooks', { url: 'http://127.0.0.1:9/hook' })
  const bureau: Api = (await keyed('auditor', '3301')).api
  const elsewhere: Api = (await keyed('auditor', '34')).api

  const hotline = (over: Record<string, unknown> = {}) =>
    api.post<{ outcome: string; clue: Clue }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, workerId: site.workerId, month: '2026-10', summary: '十月工资没发', headcount: 3, amountFen: 1_200_000, externalRef: 'T-1', ...over })

  let clueId = ''
  await t.test('received from 12333: the 7-day clock runs over the weekend and November’s end', async (t) => {
    const r = await hotline()
    t.equal(r.outcome, 'clue_created')
    clueId = r.clue.id
    t.match(r.clue, { state: 'received', month: '2026-10', overdue: false, incidentId: null })
    t.ok(r.clue.employerCreditCode, "the worker's employer is the clue's")
    t.same(r.clue.clocks.map((c) => [c.clock, c.startedOn, c.dueOn, c.overdueAt, c.daysLeft]), [['routing', '2026-11-27', '2026-12-04', '2026-12-04T16:00:00.000Z', 7]])
    t.match(r.clue.steps, [{ seq: 1, type: 'received', actor: OP, at: new Date(RECEIVED_MS).toISOString(), body: { channel: 'hotline_12333' } }])
    t.match(r.clue.evidence, { month: '2026-10', sheetLines: [] }, 'the evidence: what the ledger holds for the worker and month')

    // The same ticket with the same facts is the same clue; with other facts it is refused.
    t.match(await hotline(), { outcome: 'clue_exists', clue: { id: clueId } })
    t.match(await hotline({ externalRef: ' T-1 ' }), { outcome: 'clue_exists', clue: { id: clueId, externalRef: 'T-1' } }, 'a reference is trimmed: the same ticket')
    t.match(await failure(hotline({ externalRef: '   ' })), { status: 400, code: 'clue_invalid', details: { problem: 'external_ref_blank' } })
    t.match(await failure(hotline({ summary: '别的事' })), { status: 409, code: 'clue_external_ref_taken', details: { clueId } })
    t.match(await failure(api.post('/api/clues', { channel: 'import', projectId: site.projectId, summary: 'x', headcount: 1, amountFen: 0 })), { status: 400, code: 'clue_invalid', details: { problem: 'external_ref_required' } })
    t.match(await failure(api.post('/api/clues', { channel: 'hotline_12333', summary: 'x', headcount: 1, amountFen: 0 })), { status: 400, code: 'clue_invalid', details: { problem: 'project_or_employer_required' } })
  })

  await t.test('steps out of order, and a route against the cause, are refused', async (t) => {
    const step = (body: Record<string, unknown>) => api.post<Clue>(`/api/clues/${clueId}/steps`, body)
    t.match(await failure(step({ type: 'routed', to: 'construction_bureau' })), { status: 409, code: 'clue_step_refused', details: { code: 'clue_step_order', reason: 'routed cannot follow received' } })
    t.match(await failure(step({ type: 'resolved', outcome: 'withdrawn', note: 'x' })), { status: 409, code: 'clue_step_refused', details: { code: 'clue_step_order' } })
    t.match(await failure(step({ type: 'checked', note: '核实' })), { status: 400, code: 'clue_step_invalid', details: { problem: 'cause_required' } })
    t.match(await failure(step({ type: 'linked', caseRef: 'WF-1' })), { status: 409, code: 'clue_step_refused', details: { code: 'link_needs_illegal_contracting' } })
    clock.advance(HOUR)
    const checked = await step({ type: 'checked', cause: 'real_name_failure', note: '闸机未录入，实名制未落实' })
    t.match(checked, { state: 'checked', cause: 'real_name_failure' })
    t.match(await failure(step({ type: 'routed', to: 'hrss_bureau' })), { status: 409, code: 'clue_step_refused', details: { code: 'route_contradicts_cause', expected: 'construction_bureau' } })
    t.match(await failure(step({ type: 'checked', cause: 'other', note: '再查' })), { status: 409, code: 'clue_step_refused', details: { code: 'clue_step_order' } })
  })

  await t.test('the routing clock: not overdue a minute before 00:00 on the 5th (Beijing), escalated once after', async (t) => {
    clock.set(Date.parse('2026-12-04T15:59:00Z'))
    t.equal(await services.clues.tick(), 0, 'Friday 4 December 23:59 in Hangzhou: still in time')
    t.same((await bureau.get<Clue[]>('/api/clues?overdue=true')).map((c) => c.id), [])
    clock.set(Date.parse('2026-12-04T16:00:00Z'))
    t.equal(await services.clues.tick(), 1, 'Saturday 00:00: overdue, escalated')
    t.equal(await services.clues.tick(), 0, 'once')
    const c = await bureau.get<Clue>(`/api/clues/${clueId}`)
    t.match(c, { overdue: true, clocks: [{ clock: 'routing', overdue: true, metAt: null, daysLeft: -1 }] })
    t.match(c.steps.at(-1), { type: 'escalated', actor: 'clock', body: { clock: 'routing', dueOn: '2026-12-04' } })
    t.same((await bureau.get<Clue[]>('/api/clues?overdue=true')).map((x) => x.id), [clueId])
    t.same(await bureau.get('/api/clues/figures'), [{ month: '2026-11', received: 1, closedInTime: 0, late: 1, openInTime: 0 }], 'November: one clue, late')
    t.same(await elsewhere.get('/api/clues/figures'), [])
    const sent = await deliveries(server, 'clue.escalated')
    t.equal(sent.length, 1, 'the escalation is notified')
    t.match(JSON.parse(sent[0]!.body), { type: 'clue.escalated', clue: { id: clueId, state: 'checked' }, detail: { clock: 'routing', dueOn: '2026-12-04' } })
    t.notOk(sent[0]!.body.includes('十月工资没发'), "the complainant's words are not sent")
  })

  await t.test("the full route, each step with its actor and time; the bureau's 15-day clock; arrears confirmed make a credit record", async (t) => {
    const step = (body: Record<string, unknown>) => api.post<Clue>(`/api/clues/${clueId}/steps`, body)
    clock.set(Date.parse('2026-12-05T02:00:00Z'))
    t.match(await step({ type: 'routed', to: 'construction_bureau', note: '转住建局' }), { state: 'routed', routedTo: 'construction_bureau', clocks: [{ clock: 'routing', metAt: '2026-12-05T02:00:00.000Z', overdue: true }] })
    clock.set(Date.parse('2026-12-06T01:00:00Z'))
    const atBureau = await step({ type: 'bureau_received' })
    t.match(atBureau.clocks[1], { clock: 'resolution', startedOn: '2026-12-06', dueOn: '2026-12-21', overdueAt: '2026-12-21T16:00:00.000Z', metAt: null, overdue: false })
    t.match(await step({ type: 'commented', text: '已约谈劳务分包' }), { state: 'at_bureau' })
    clock.set(Date.parse('2026-12-10T03:00:00Z'))
    t.match(await failure(step({ type: 'resolved', outcome: 'arrears_confirmed', note: '查实欠薪', periodFrom: '2026-10', periodTo: '2026-09' })), { status: 400, code: 'clue_step_invalid', details: { problem: 'period_invalid' } })
    const resolved = await step({ type: 'resolved', outcome: 'arrears_confirmed', note: '查实拖欠十月工资', amountFen: 1_150_000 })
    t.match(resolved, { state: 'resolved', outcome: 'arrears_confirmed', overdue: false })
    t.same(
      resolved.steps.map((s) => [s.type, s.actor, s.at]),
      [
        ['received', OP, '2026-11-27T07:00:00.000Z'],
        ['checked', OP, '2026-11-27T08:00:00.000Z'],
        ['escalated', 'clock', '2026-12-04T16:00:00.000Z'],
        ['routed', OP, '2026-12-05T02:00:00.000Z'],
        ['bureau_received', OP, '2026-12-06T01:00:00.000Z'],
        ['commented', OP, '2026-12-06T01:00:00.000Z'],
        ['resolved', OP, '2026-12-10T03:00:00.000Z'],
      ],
    )
    t.match(resolved.clocks[1], { clock: 'resolution', metAt: '2026-12-10T03:00:00.000Z', overdue: false })
    t.match(await failure(step({ type: 'resolved', outcome: 'withdrawn', note: 'x' })), { status: 409, code: 'clue_step_refused' })

    const records = await bureau.get<Array<Record<string, unknown>>>(`/api/credit-records?creditCode=${resolved.employerCreditCode}`)
    t.equal(records.length, 1, 'one credit record on the employer')
    t.match(records[0], { creditCode: resolved.employerCreditCode, periodFrom: '2026-10', periodTo: '2026-10', amountFen: 1_150_000, amountYuan: '11500.00', recordedOn: '2026-12-10', expiresOn: '2029-12-10', state: 'active', sourceKind: 'clue', sourceId: clueId, ruleVersion: 'credit-2026.1' })
    t.equal((await services.credit.activeCreditRecords(resolved.employerCreditCode!, '2026-12-10')).length, 1)
    t.equal((await services.credit.activeCreditRecords(resolved.employerCreditCode!, '2026-12-09')).length, 0, 'not before it was recorded')
  })

  await t.test('a clue of 12 workers is a major incident at once: its webhook, its 2-hour clock, its report', async (t) => {
    clock.set(Date.parse('2026-12-11T01:00:00Z'))
    const r = await api.post<{ clue: Clue }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '班组12人三个月没发工资', headcount: 12, amountFen: 36_000_000, externalRef: 'T-2' })
    t.ok(r.clue.incidentId, 'the clue names its incident')
    const incidents = await bureau.get<Array<Record<string, unknown>>>('/api/incidents')
    t.equal(incidents.length, 1)
    t.match(incidents[0], { id: r.clue.incidentId, sourceKind: 'clue', sourceId: r.clue.id, projectId: site.projectId, headcount: 12, reasons: ['headcount'], becameMajorAt: '2026-12-11T01:00:00.000Z', reportDueAt: '2026-12-11T03:00:00.000Z', reported: false, reportOverdue: false })
    const sent = await deliveries(server, 'incident.major')
    t.equal(sent.length, 1, 'notified at once')
    t.match(JSON.parse(sent[0]!.body), { type: 'incident.major', incident: { id: r.clue.incidentId, headcount: 12, reportDueAt: '2026-12-11T03:00:00.000Z' } })
    t.equal(sent[0]!.projectId, site.projectId)

    clock.set(Date.parse('2026-12-11T03:00:01Z'))
    t.same((await bureau.get<Array<{ id: string }>>('/api/incidents?overdue=true')).map((i) => i.id), [r.clue.incidentId], 'two hours passed unreported')
    const reported = await api.post<Record<string, unknown>>(`/api/incidents/${r.clue.incidentId}/reports`, { reportedTo: '市住建局（电话）', note: '已电话报告' })
    t.match(reported, { reported: true, reportOverdue: true, reports: [{ reportedTo: '市住建局（电话）', actor: OP, at: '2026-12-11T03:00:01.000Z' }] })
    t.same(await bureau.get('/api/incidents?reported=false'), [])
    t.match(await failure(bureau.post(`/api/incidents/${r.clue.incidentId}/reports`, { reportedTo: 'x' })), { status: 403, code: 'role_forbidden' }, 'the bureau reads; the operator records')
  })

  await t.test('a clue the check finds to reach 11 workers becomes a major incident then', async (t) => {
    const r = await api.post<{ clue: Clue }>('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: '几个人没拿到工资', headcount: 3, amountFen: 900_000, externalRef: 'T-3' })
    t.equal(r.clue.incidentId, null, '3 workers claimed: not major')
    clock.advance(HOUR)
    const checked = await api.post<Clue & { found: unknown }>(`/api/clues/${r.clue.id}/steps`, { type: 'checked', cause: 'real_name_failure', note: '核查：整个班组11人', headcount: 11 })
    t.same(checked.found, { headcount: 11, amountFen: 900_000 })
    t.ok(checked.incidentId, 'major from the check')
    t.match(await services.incidents.get(checked.incidentId!, undefined), { sourceKind: 'clue', sourceId: r.clue.id, headcount: 11, becameMajorAtMs: clock.nowMs() })
    t.equal((await deliveries(server, 'incident.major')).length, 2)
  })

  await t.test('the ledger’s own arrears: 10 workers unpaid in a project-month become one incident', async (t) => {
    const flags: RunFlag[] = Array.from({ length: 10 }, (_, i) => ({ kind: 'UNPAID', workerId: `w-${i}`, payeeCard: null, dueFen: fen(500_000), paidFen: fen(0), evidence: {} }))
    const run: CaseRun = { runId: 'run-x', projectId: site.projectId, month: '2026-11', atMs: clock.nowMs(), flags: flags.slice(0, 9) }
    const onRun = (r: CaseRun) => services.db.tx(async (tx) => {
      await tx.lock(`reconcile:${site.projectId}:2026-11`)
      await services.cases.onRun(r)
    })
    await onRun(run)
    t.equal(await services.incidents.bySource('flag_case', `${site.projectId}:2026-11`), undefined, '9 workers: not major')
    await onRun({ ...run, runId: 'run-y', flags })
    const id = await services.incidents.bySource('flag_case', `${site.projectId}:2026-11`)
    t.ok(id, '10 workers: major')
    t.match(await services.incidents.get(id!, undefined), { headcount: 10, amountFen: 5_000_000, reasons: ['headcount'] })
    await onRun({ ...run, runId: 'run-z', flags })
    t.equal((await deliveries(server, 'incident.major')).length, 3, 'once per project-month')
  })

  await t.test("a credit record on the general contractor raises its deposit rate (#7)", async (t) => {
    await api.post(`/api/projects/${site.projectId}/contract`, { contractAmountFen: 5_000_000_000, labourCostFen: 1_000_000_000, funderAccountNos: ['330100001111'], signedOn: '2026-01-10', reason: '施工合同', periods: [] })
    type Register = { required: { basis: string; rate: string; requiredFen: number }; record: { arrearsInPriorTwoYears: boolean; arrearsInPriorYear: boolean } }
    const before = await bureau.get<Register>(`/api/projects/${site.projectId}/wage-deposits`)
    t.match(before, { required: { basis: 'base', requiredFen: 50_000_000 }, record: { arrearsInPriorTwoYears: false } }, 'a clean record: the base rate')
    const gc = await services.db.get<{ creditCode: string }>({ text: 'SELECT credit_code AS "creditCode" FROM organisations WHERE id = ?', params: [site.generalContractorId] })
    const c = await api.post<{ clue: Clue }>('/api/clues', { channel: 'hotline_12333', employerCreditCode: gc!.creditCode, month: '2026-11', summary: '总包拖欠', headcount: 2, amountFen: 800_000 })
    for (const body of [{ type: 'checked', cause: 'other', note: '总包未支付' }, { type: 'routed', to: 'hrss_bureau' }, { type: 'resolved', outcome: 'arrears_confirmed', note: '查实' }]) {
      await api.post(`/api/clues/${c.clue.id}/steps`, body)
    }
    const after = await bureau.get<Register>(`/api/projects/${site.projectId}/wage-deposits`)
    t.match(after, { required: { basis: 'raised_arrears', requiredFen: 75_000_000 }, record: { arrearsInPriorTwoYears: true, arrearsInPriorYear: true } }, 'arrears on record: the raised rate')
    t.equal(c.clue.employerCreditCode, gc!.creditCode)
  })

  await t.test('access: the bureau of another region sees nothing; the bureau only reads', async (t) => {
    t.same(await elsewhere.get('/api/clues'), [])
    t.same(await elsewhere.get('/api/incidents'), [])
    t.same(await elsewhere.get('/api/credit-records'), [])
    const denied = await failure(elsewhere.get(`/api/clues/${clueId}`))
    t.match(denied, { status: 404, code: 'clue_not_found' })
    const missing = '00000000-0000-4000-8000-000000000000'
    t.same(JSON.parse(JSON.stringify(denied).replaceAll(clueId, missing)), await failure(elsewhere.get(`/api/clues/${missing}`)), "another region's clue answers as a missing one")
    const logged = await services.db.all<{ route: string; reason: string; recordIds: string }>({
      text: `SELECT route AS "route", reason AS "reason", record_ids AS "recordIds" FROM access_log WHERE action = 'denied' AND route = '/api/clues/:clueId' ORDER BY id`,
      params: [],
    })
    t.equal(logged.length, 1, 'the attempt on the existing clue is logged as a denial, the missing one is not')
    t.match(logged[0], { reason: 'out_of_scope' })
    t.ok(logged[0]?.recordIds.includes(clueId))
    t.ok((await bureau.get<Clue[]>('/api/clues')).some((c) => c.id === clueId), 'the bureau of the region sees its clues')
    t.match(await failure(bureau.post('/api/clues', { channel: 'hotline_12333', projectId: site.projectId, summary: 'x', headcount: 1, amountFen: 0 })), { status: 403, code: 'role_forbidden' })
    t.match(await failure(bureau.post(`/api/clues/${clueId}/steps`, { type: 'commented', text: 'x' })), { status: 403, code: 'role_forbidden' })
  })

  await t.test('credit records: repaired 12 months after paying in full, expired after 36 months, each once', async (t) => {
    // A second confirmed clue, to expire (the first is repaired).
    const second = await api.post<{ clue: Clue }>('/api/clues', { channel: 'import', projectId: site.projectId, workerId: site.workerId, month: '2026-11', summary: '十一月工资', headcount: 1, amountFen: 300_000, externalRef: 'ROW-7' })
    const step = (id: string, body: Record<string, unknown>) => api.post<Clue>(`/api/clues/${id}/steps`, body)
    await step(second.clue.id, { type: 'checked', cause: 'other', note: '工资结算纠纷' })
    t.match(await failure(step(second.clue.id, { type: 'bureau_received' })), { status: 409, code: 'clue_step_refused', details: { code: 'clue_step_order' } })
    await step(second.clue.id, { type: 'routed', to: 'hrss_bureau' })
    const done = await step(second.clue.id, { type: 'resolved', outcome: 'arrears_confirmed', note: '人社查实' })
    t.same(done.clocks.map((c) => c.clock), ['routing'], 'no bureau receipt: no 15-day clock')

    const records = await api.get<Array<{ id: string; sourceId: string; recordedOn: string }>>('/api/credit-records')
    const first = records.find((r) => r.sourceId === clueId)!
    const other = records.find((r) => r.sourceId === second.clue.id)!
    t.match(await failure(api.post(`/api/credit-records/${first.id}/repair`, { paidInFullOn: '2026-12-11', reason: '已全额支付' })), { status: 409, code: 'credit_repair_refused', details: { code: 'too_early', repairableOn: '2027-12-11' } })
    clock.set(Date.parse('2027-12-11T02:00:00Z'))
    const later = await keyed('admin')
    const repaired = await later.api.post<Record<string, unknown>>(`/api/credit-records/${first.id}/repair`, { paidInFullOn: '2026-12-11', reason: '住建局同意信用修复' })
    t.match(repaired, { state: 'repaired', events: [{ type: 'repaired', actor: later.label }] })
    t.match(await failure(later.api.post(`/api/credit-records/${first.id}/repair`, { paidInFullOn: '2026-12-11', reason: 'again' })), { status: 409, code: 'credit_repair_refused', details: { code: 'not_active', state: 'repaired' } })
    const code = done.employerCreditCode!
    t.same((await services.credit.activeCreditRecords(code, '2027-12-11')).map((r) => r.id), [other.id], 'the repaired record no longer counts')

    t.equal(await services.credit.expire(), 0, 'nothing has run its term')
    t.equal(other.recordedOn, '2026-12-11')
    clock.set(Date.parse('2029-12-11T00:00:00+08:00') - 1)
    t.equal(await services.credit.expire(), 0, 'the last day of the third year: still counting')
    clock.advance(1)
    t.equal(await services.credit.expire(), 2, 'the day after: expired (this one and the general contractor’s, recorded the same day)')
    t.equal(await services.credit.expire(), 0, 'once')
    t.match(await (await keyed('admin')).api.get(`/api/credit-records/${other.id}`), { state: 'expired', events: [{ type: 'expired', actor: 'clock' }] })
    t.same(await services.credit.activeCreditRecords(code, '2029-12-31'), [])
  })
})
