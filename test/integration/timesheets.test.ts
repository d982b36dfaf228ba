/**
 * Timesheets over real components: punches published over MQTT, the run's
 * database engine, the HTTP API. Corrections, confirmation by the labour manager
 * and the workers, a late punch into a confirmed month, a suspect clock, the
 * attendance sheet, and delivery order that never changes a timesheet.
 */
import t, { type Test } from 'tap'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth, type SimFrame, type SitePlan } from '../../simulators/site.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock, parseLocalDateTime } from '../../src/kernel/time.ts'
import { failure, settled, startTestServer } from '../helpers/server.ts'

const TZ = 'Asia/Shanghai'

/** A device speaking the canonical format, so a test can say exactly what was punched. */
class Terminal {
  private seq = 0
  constructor(
    readonly serial: string,
    private readonly siteCode: string,
  ) {}

  frame(idNumber: string, local: string, direction: 'in' | 'out' | 'unknown'): SimFrame {
    const recordId = String(++this.seq)
    const deviceTimeMs = parseLocalDateTime(local, TZ) as number
    const deviceTime = `${local.replace(' ', 'T')}+08:00`
    const payload = Buffer.from(
      JSON.stringify({ deviceSerial: this.serial, recordId, person: { kind: 'id_number', value: idNumber }, deviceTime, direction, verifyMethod: 'face', channel: direction === 'unknown' ? 'face_terminal' : 'gate' }),
    )
    return { serial: this.serial, recordId, topic: `wl/v1/${this.siteCode}/${this.serial}/punch`, payload, kind: 'punch', deviceTimeMs }
  }
}

interface Day {
  workDate: string
  status: string
  creditHalves: number
  workedMinutes: number
  needsReview: boolean
  reviewReasons: string[]
  decidedBy: string
  fromCorrections: boolean
  corrections: string[]
  pairs: Array<{ inLocal: string; outLocal: string; minutes: number; rule: string; fromCorrection: boolean }>
  punches: Array<{ punchId: number | null; use: string; reason: string | null; local: string; clockSuspect: string | null }>
}
interface WorkerMonth {
  frozen: boolean
  totals: { creditHalves: number; credit: string; workedMinutes: number; daysNeedingReview: number }
  adjustmentHalves: number
  adjustments: Array<{ workDate: string; cause: string; beforeHalves: number; afterHalves: number; recordedMonth: string }>
  answer: { decision: string; channel: string } | null
  days: Day[]
  corrections: Array<{ id: string; kind: string; author: string; reason: string }>
}

async function setUp(t: Test, clock: ManualClock, spec: Partial<SitePlan['spec']> = {}) {
  const server = await startTestServer(t, { clock })
  const plan = planSite({ ...DEFAULT_SITE, workers: 6, teams: 2, seed: 11, ...spec })
  const site = await registerSite(server.api, plan)
  const cn = await server.api.post<{ mqtt: { password: string } }>(`/api/projects/${site.projectId}/devices`, { serial: 'CN-01', model: 'canonical', installedAt: '2026-09-01T00:00:00Z' })
  site.secrets.set('CN-01', cn.mqtt.password)
  const terminal = new Terminal('CN-01', plan.spec.siteCode)
  const send = async (frames: SimFrame[]): Promise<void> => {
    await publishFrames(server.mqttUrl, frames, { secrets: site.secrets })
    await settled(server)
  }
  return { server, api: server.api, plan, site, terminal, send }
}

t.test('a worker month, corrections, confirmation, a late punch and a suspect clock', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api, plan, site, terminal, send } = await setUp(t, clock)
  const team0 = plan.workers.filter((w) => w.team === 0)
  const [a, b] = team0 as [(typeof team0)[0], (typeof team0)[0]]
  const idA = site.workerIds.get(a.key) as string
  const idB = site.workerIds.get(b.key) as string
  const team = site.teamIds[0] as string
  const P = `/api/projects/${site.projectId}`

  await send([
    terminal.frame(a.idNumber, '2026-10-08 07:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-08 07:01:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-08 12:00:00', 'out'),
    terminal.frame(a.idNumber, '2026-10-08 13:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-08 17:30:00', 'out'),
    terminal.frame(a.idNumber, '2026-10-09 20:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-10 06:00:00', 'out'),
    terminal.frame(a.idNumber, '2026-10-12 07:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-31 20:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-11-01 06:00:00', 'out'),
    terminal.frame(b.idNumber, '2026-10-08 07:00:00', 'unknown'),
    terminal.frame(b.idNumber, '2026-10-08 17:00:00', 'unknown'),
  ])

  const month = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-10`)
  const day = (m: WorkerMonth, d: string): Day => m.days.find((x) => x.workDate === d) as Day
  t.match(day(month, '2026-10-08'), { status: 'present', creditHalves: 2, workedMinutes: 300 + 270, pairs: [{ rule: 'direction' }, { rule: 'direction' }] })
  t.match(
    day(month, '2026-10-08').punches.find((p) => p.use === 'debounced'),
    { reason: 'repeat', local: '2026-10-08 07:01:00' },
    'the double tap is listed as debounced',
  )
  t.match(day(month, '2026-10-09'), { status: 'present', workedMinutes: 600, pairs: [{ inLocal: '2026-10-09 20:00:00', outLocal: '2026-10-10 06:00:00' }] }, 'a night shift belongs to the day it started')
  t.notOk(day(month, '2026-10-10'), 'and the morning it ended has no day of its own')
  t.match(day(month, '2026-10-12'), { status: 'incomplete', creditHalves: 0, needsReview: true, decidedBy: 'policy_needs_review', punches: [{ use: 'unpaired', reason: 'no_out' }] })
  t.match(day(month, '2026-10-31'), { status: 'present', workedMinutes: 600 }, 'a night shift across the month end stays in October')
  t.equal(month.totals.credit, '3')
  const bMonth = await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-10`)
  t.match(day(bMonth, '2026-10-08'), { status: 'present', pairs: [{ rule: 'order', minutes: 600 }] }, 'a face terminal pairs by order')

  // Confirmation waits for review.
  const refused = await failure(api.post(`${P}/teams/${team}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员 王芳' }))
  t.match(refused, { status: 409, code: 'timesheet_needs_review', details: { count: 1, days: [{ workerId: idA, workDate: '2026-10-12', reasons: ['incomplete'] }] } })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-10-12/corrections`, { kind: 'add_punch', at: '2026-10-12 17:00', reason: '' , author: 'x' })), { status: 400, code: 'validation_failed' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-10-12/corrections`, { kind: 'add_punch', reason: '忘打卡', author: '王芳' })), { status: 400, code: 'correction_invalid' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-10-12/corrections`, { kind: 'add_punch', at: '2026-10-15 17:00', direction: 'out', reason: '忘打卡', author: '王芳' })), { status: 400, code: 'correction_invalid' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-02-30/corrections`, { kind: 'set_status', status: 'present', reason: 'x', author: 'y' })), { status: 400, code: 'validation_failed', details: [{ field: 'params/date', message: /format "date"/ }] }, 'a day the calendar does not have')
  const fix = await api.post<{ id: string; author: string }>(`${P}/workers/${idA}/days/2026-10-12/corrections`, { kind: 'add_punch', at: '2026-10-12 17:00', direction: 'out', reason: '出口闸机故障，班组长证明17:00离场', author: '王芳' })
  t.match(fix.author, /^王芳 \(wlk_[0-9a-f]+\)$/, 'the name typed, with the key that recorded it')
  const corrected = day(await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-10`), '2026-10-12')
  t.match(corrected, { status: 'present', creditHalves: 2, fromCorrections: true, corrections: [fix.id], pairs: [{ fromCorrection: true, minutes: 600 }] }, 'the figure shows it comes from a correction')

  t.match(await failure(api.post(`${P}/teams/${team}/timesheets/2026-11/confirmation`, { confirmedBy: '王芳' })), { status: 409, code: 'month_not_ended' })
  t.match(await failure(api.post(`${P}/workers/${idA}/timesheets/2026-10/answer`, { decision: 'confirm', channel: 'paper' })), { status: 409, code: 'timesheet_not_confirmed' })
  const confirmed = await api.post<{ state: string; confirmation: { confirmedBy: string }; workers: Array<{ frozen: boolean }> }>(`${P}/teams/${team}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员 王芳', note: '十月考勤' })
  t.match(confirmed, { state: 'manager_confirmed', confirmation: { confirmedBy: '劳资员 王芳' } })
  t.ok(confirmed.workers.every((w) => w.frozen))
  clock.advance(60_000)
  t.match(await failure(api.post(`${P}/teams/${team}/timesheets/2026-10/confirmation`, { confirmedBy: '王芳' })), { status: 409, code: 'timesheet_already_confirmed' })

  // Each worker answers, with time and channel.
  await api.post(`${P}/workers/${idA}/timesheets/2026-10/answer`, { decision: 'confirm', channel: 'paper' })
  t.match(await failure(api.post(`${P}/workers/${idB}/timesheets/2026-10/answer`, { decision: 'dispute', channel: 'paper' })), { status: 400, code: 'correction_invalid' })
  await api.post(`${P}/workers/${idB}/timesheets/2026-10/answer`, { decision: 'dispute', channel: 'paper', note: '20号我也在岗' })
  const teamOct = await api.get<{ state: string; workers: Array<{ workerId: string; answer: { decision: string; channel: string } | null }> }>(`${P}/teams/${team}/timesheets/2026-10`)
  t.equal(teamOct.state, 'manager_confirmed', 'a dispute keeps the month from being worker-confirmed')
  t.match(teamOct.workers.find((w) => w.workerId === idA)?.answer, { decision: 'confirm', channel: 'paper' })

  // B was right: the face terminal was offline on the 20th and replays now. October stays as confirmed.
  const dueOctBefore = await api.get<{ workers: Array<{ workerId: string; dueFen: number }> }>(`${P}/payroll/2026-10`)
  const late = [terminal.frame(b.idNumber, '2026-10-20 07:00:00', 'unknown'), terminal.frame(b.idNumber, '2026-10-20 17:00:00', 'unknown')]
  await send(late)
  const bOct = await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-10`)
  t.ok(bOct.frozen)
  t.notOk(day(bOct, '2026-10-20'), 'the confirmed month does not change')
  t.same(await api.get(`${P}/payroll/2026-10`), dueOctBefore, "nor does October's pay due")
  const bNov = await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-11`)
  t.match(bNov.adjustments, [{ workDate: '2026-10-20', cause: 'late_punch', beforeHalves: 0, afterHalves: 2, recordedMonth: '2026-11' }], 'an adjustment is carried into the open month')
  t.equal(bNov.adjustmentHalves, 2)
  const flagsNov = await api.get<Array<{ kind: string; workerId: string; workDate: string }>>(`${P}/attendance-flags/2026-11`)
  const flagged = (k: string) => flagsNov.filter((f) => f.kind === k && f.workerId === idB && f.workDate === '2026-10-20').length
  t.equal(flagged('late_punch_in_confirmed_month'), 2, 'each late punch raises a flag')
  t.equal(flagged('change_to_confirmed_month'), 1, 'and so does the change it made')
  const dueNov = await api.get<{ workers: Array<{ workerId: string; dueFen: number; dailyRateFen: number; adjustmentHalves: number }> }>(`${P}/payroll/2026-11`)
  const bDue = dueNov.workers.find((w) => w.workerId === idB)
  t.match(bDue, { adjustmentHalves: 2 })
  t.equal(bDue?.dueFen, bDue?.dailyRateFen, 'and is paid with November')
  await send(late)
  t.equal((await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-11`)).adjustments.length, 1, 'a re-sent record changes nothing')

  // A correction to a confirmed day is an adjustment too.
  const aOct = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-10`)
  const lunchOut = day(aOct, '2026-10-08').punches.find((p) => p.local === '2026-10-08 12:00:00')
  await api.post(`${P}/workers/${idA}/days/2026-10-08/corrections`, { kind: 'set_status', status: 'half_day', reason: '下午请假', author: '王芳' })
  t.match((await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-11`)).adjustments, [{ workDate: '2026-10-08', cause: 'correction', beforeHalves: 2, afterHalves: 1 }])
  t.ok(lunchOut?.punchId)

  // A clock running an hour fast: kept, marked, left out until accepted.
  await send([terminal.frame(a.idNumber, '2026-11-03 11:00:00', 'in'), terminal.frame(a.idNumber, '2026-11-03 11:30:00', 'out')])
  let aNov = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-11`)
  const suspect = day(aNov, '2026-11-03')
  t.match(suspect, { needsReview: true, reviewReasons: ['clock_suspect'] })
  t.equal(suspect.punches.filter((p) => p.reason === 'clock_suspect').length, 2, 'both readings are kept and marked')
  const punchesToday = await api.get<Array<{ id: number; clockSuspect: string | null }>>(`${P}/punches?date=2026-11-03`)
  t.same(punchesToday.map((p) => p.clockSuspect), ['ahead_of_receipt', 'ahead_of_receipt'], 'the raw punches say so too')
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-11-03/corrections`, { kind: 'accept_punch', punchId: lunchOut?.punchId, reason: 'x', author: 'y' })), { status: 400, code: 'correction_invalid' })
  for (const p of punchesToday) await api.post(`${P}/workers/${idA}/days/2026-11-03/corrections`, { kind: 'accept_punch', punchId: p.id, reason: '设备时钟快1小时，已核实', author: '王芳' })
  aNov = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-11`)
  t.match(day(aNov, '2026-11-03'), { status: 'present', workedMinutes: 30, needsReview: false, fromCorrections: true })
  t.equal(aNov.corrections.length, 2, "the worker's month lists the corrections in full")

  // Policy
  t.same(await api.get(`${P}/attendance-policy`), { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay: 'needs_review', clockAheadMinutes: 10 })
  t.match(await failure(api.put(`${P}/attendance-policy`, { debounceMinutes: 500, maxShiftMinutes: 960, incompleteDay: 'needs_review', clockAheadMinutes: 10 })), { status: 400, code: 'validation_failed' })
  await send([terminal.frame(b.idNumber, '2026-11-02 07:00:00', 'in')])
  t.match(day(await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-11`), '2026-11-02'), { creditHalves: 0, decidedBy: 'policy_needs_review' })
  await api.put(`${P}/attendance-policy`, { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay: 'count_half', clockAheadMinutes: 10 })
  t.match(day(await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-11`), '2026-11-02'), { creditHalves: 1, decidedBy: 'policy_count_half' }, 'open months follow the new policy')
  t.match(day(await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-10`), '2026-10-12'), { creditHalves: 2 }, 'confirmed months keep theirs')

  // The attendance sheet
  const csv = await api.fetch(`${P}/teams/${team}/timesheets/2026-10/attendance-sheet.csv`)
  t.equal(csv.status, 200)
  t.match(csv.headers.get('content-type'), /text\/csv/)
  const bytes = Buffer.from(await csv.arrayBuffer())
  t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM')
  t.match(bytes.toString('utf8'), a.name)
  t.notMatch(bytes.toString('utf8'), a.idNumber, 'ID numbers masked')
  const html = await api.fetch(`${P}/teams/${team}/timesheets/2026-10/attendance-sheet.html`)
  t.match(html.headers.get('content-type'), /text\/html/)
  const page = await html.text()
  t.match(page, '<table')
  t.match(page, a.name)

  // The project's month
  const summary = await api.get<{ teams: Array<{ teamId: string; state: string; workersDisputed: number }> }>(`${P}/timesheets/2026-10`)
  t.match(summary.teams.find((x) => x.teamId === team), { state: 'manager_confirmed', workersDisputed: 1 })
  await api.post(`${P}/workers/${idB}/timesheets/2026-10/answer`, { decision: 'confirm', channel: 'paper', note: '补差已见11月' })
  t.equal((await api.get<{ state: string }>(`${P}/teams/${team}/timesheets/2026-10`)).state, 'worker_confirmed', 'the newest answer counts')
})

t.test('entry and exit dates: punches outside are flagged, not counted', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api, plan, site, terminal, send } = await setUp(t, clock)
  const w = plan.workers[0] as SitePlan['workers'][0]
  const id = site.workerIds.get(w.key) as string
  const P = `/api/projects/${site.projectId}`
  const enrolments = await api.get<Array<{ id: string; workerId: string }>>(`${P}/enrolments`)
  const e = enrolments.find((x) => x.workerId === id) as { id: string }
  await api.post(`${P}/enrolments/${e.id}/exit`, { exitDate: '2026-10-15' })
  await send([terminal.frame(w.idNumber, '2026-10-16 07:00:00', 'in'), terminal.frame(w.idNumber, '2026-10-16 17:00:00', 'out')])
  const m = await api.get<WorkerMonth>(`${P}/workers/${id}/timesheets/2026-10`)
  t.match(m.days, [{ workDate: '2026-10-16', status: 'absent', creditHalves: 0, punches: [{ use: 'excluded', reason: 'after_exit' }, { use: 'excluded', reason: 'after_exit' }] }])
  const flags = await api.get<Array<{ kind: string }>>(`${P}/attendance-flags/2026-10`)
  t.equal(flags.filter((f) => f.kind === 'punch_after_exit').length, 2)
  t.match(await failure(api.post(`${P}/workers/${id}/days/2026-10-16/corrections`, { kind: 'set_status', status: 'present', reason: 'x', author: 'y' })), { status: 400, code: 'date_outside_enrolment' })
})

/** Ids differ between two databases; what a person reads must not. */
function readable(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (k, x: unknown) => (['punchId', 'inPunchId', 'outPunchId', 'workerId', 'teamId', 'projectId', 'id'].includes(k) ? undefined : x))
}

t.test('delivery order, duplicates and batches never change a timesheet', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const spec = { workers: 12, teams: 2, seed: 5 }
  const inOrder = await setUp(t, clock, spec)
  const shuffled = await setUp(t, clock, spec)
  const month = simulateMonth(inOrder.plan)
  const punches = month.frames.filter((f) => f.kind === 'punch' || f.kind === 'replay')
  t.ok(punches.length > 500)

  await inOrder.send([...punches].sort((x, y) => x.deviceTimeMs - y.deviceTimeMs))
  const rng = new Rng(99)
  const mixed = [...punches, ...punches.filter(() => rng.chance(0.1))]
  for (let i = mixed.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    ;[mixed[i], mixed[j]] = [mixed[j] as SimFrame, mixed[i] as SimFrame]
  }
  const third = Math.ceil(mixed.length / 3)
  for (let i = 0; i < mixed.length; i += third) await shuffled.send(mixed.slice(i, i + third))

  for (const [i, teamId] of inOrder.site.teamIds.entries()) {
    const x = await inOrder.api.get(`/api/projects/${inOrder.site.projectId}/teams/${teamId}/timesheets/${inOrder.plan.spec.month}`)
    const y = await shuffled.api.get(`/api/projects/${shuffled.site.projectId}/teams/${shuffled.site.teamIds[i]}/timesheets/${shuffled.plan.spec.month}`)
    t.same(readable(y), readable(x), `team ${i}: the same timesheet`)
  }
})

t.test('a punch stored but not yet adjusted (a crash in between) is found by the sweep at start', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { server, api, plan, site, terminal, send } = await setUp(t, clock)
  const w = plan.workers.find((x) => x.team === 1) as SitePlan['workers'][0]
  const id = site.workerIds.get(w.key) as string
  const team = site.teamIds[1] as string
  const P = `/api/projects/${site.projectId}`
  await send([terminal.frame(w.idNumber, '2026-10-05 07:00:00', 'in'), terminal.frame(w.idNumber, '2026-10-05 17:00:00', 'out')])
  await api.post(`${P}/teams/${team}/timesheets/2026-10/confirmation`, { confirmedBy: '王芳' })
  clock.advance(60_000)

  // Stored the way the inbox stores it, but without the after-commit step.
  const { enrolment } = await server.services.roster.enrolmentOf(site.projectId, id)
  const devices = await server.services.roster.listDevices(site.projectId)
  const base = { projectId: site.projectId, deviceId: devices.find((d) => d.serial === 'CN-01')?.id as string, workerId: id, enrolmentId: enrolment.id, receivedAtMs: clock.nowMs(), workDate: '2026-10-06', verifyMethod: 'face' as const, channel: 'gate' as const, clockSuspect: null }
  await server.services.punches.append({ ...base, recordId: 'x1', deviceTimeMs: Date.parse('2026-10-05T23:00:00Z'), direction: 'in' })
  await server.services.punches.append({ ...base, recordId: 'x2', deviceTimeMs: Date.parse('2026-10-06T09:00:00Z'), direction: 'out' })
  t.same((await api.get<WorkerMonth>(`${P}/workers/${id}/timesheets/2026-11`)).adjustments, [], 'not adjusted yet')
  t.equal(await server.services.timesheets.sweep(), 1, 'the sweep finds the day')
  t.equal(await server.services.timesheets.sweep(), 0, 'and running it again finds nothing new')
  t.match((await api.get<WorkerMonth>(`${P}/workers/${id}/timesheets/2026-11`)).adjustments, [{ workDate: '2026-10-06', afterHalves: 2 }])
})

t.test('what the review found: undoing, empty months, wrong clocks, exits after confirmation, bad dates', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api, plan, site, terminal, send } = await setUp(t, clock)
  const team0 = plan.workers.filter((w) => w.team === 0)
  const [a, b] = team0 as [(typeof team0)[0], (typeof team0)[0]]
  const idA = site.workerIds.get(a.key) as string
  const idB = site.workerIds.get(b.key) as string
  const [team, emptyTeam] = site.teamIds as [string, string]
  const P = `/api/projects/${site.projectId}`
  const day = (m: WorkerMonth, d: string): Day | undefined => m.days.find((x) => x.workDate === d)

  await send([
    terminal.frame(a.idNumber, '2026-10-30 20:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-31 06:00:00', 'out'),
    terminal.frame(b.idNumber, '2026-10-08 07:00:00', 'in'),
    terminal.frame(b.idNumber, '2026-10-08 17:00:00', 'out'),
    terminal.frame(b.idNumber, '2026-10-09 07:00:00', 'in'),
    terminal.frame(b.idNumber, '2026-10-09 17:00:00', 'out'),
  ])
  t.match(await failure(api.post(`${P}/teams/${team}/timesheets/2026-10/confirmation`, { confirmedBy: '   ' })), { status: 400, code: 'validation_failed' }, 'a blank name does not confirm')
  t.match(await failure(api.post(`${P}/teams/${emptyTeam}/timesheets/2026-10/confirmation`, { confirmedBy: '王芳' })), { status: 409, code: 'timesheet_empty' }, 'nothing to confirm')
  t.match(await failure(api.post(`${P}/teams/${team}/timesheets/2025-10/confirmation`, { confirmedBy: '王芳' })), { status: 409, code: 'timesheet_empty' })
  await api.post(`${P}/teams/${team}/timesheets/2026-10/confirmation`, { confirmedBy: '王芳' })
  clock.advance(60_000)

  // Void the night shift's out on the morning it fell on, then withdraw the void: the month nets to nothing.
  const aOct = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-10`)
  const out = day(aOct, '2026-10-30')?.punches.find((p) => p.local === '2026-10-31 06:00:00')
  const voided = await api.post<{ id: string }>(`${P}/workers/${idA}/days/2026-10-31/corrections`, { kind: 'void_punch', punchId: out?.punchId, reason: '误刷', author: '王芳' })
  let aNov = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-11`)
  t.equal(aNov.adjustmentHalves, -2, 'voiding the out takes the night back')
  await api.post(`${P}/workers/${idA}/days/2026-10-31/corrections`, { kind: 'revoke', revokesId: voided.id, reason: '核实无误，撤销', author: '王芳' })
  aNov = await api.get<WorkerMonth>(`${P}/workers/${idA}/timesheets/2026-11`)
  t.equal(aNov.adjustmentHalves, 0, 'withdrawing the void gives it back')
  t.same(aNov.adjustments.map((x) => [x.workDate, x.beforeHalves, x.afterHalves]), [['2026-10-30', 2, 0], ['2026-10-30', 0, 2]])
  const aOctAfter = await api.get<WorkerMonth & { laterAdjustments: Array<{ workDate: string; recordedMonth: string; detail: { correctionId?: string } }> }>(`${P}/workers/${idA}/timesheets/2026-10`)
  t.match(aOctAfter.laterAdjustments, [{ workDate: '2026-10-30', recordedMonth: '2026-11', detail: { correctionId: voided.id } }, { workDate: '2026-10-30' }], 'the confirmed month shows what changed after, and why')

  // A late repeat changes no figure, and is still flagged: the month was signed without it.
  await send([terminal.frame(b.idNumber, '2026-10-08 17:00:30', 'out')])
  const flags = await api.get<Array<{ kind: string; workerId: string; workDate: string }>>(`${P}/attendance-flags/2026-11`)
  t.equal(flags.filter((f) => f.kind === 'late_punch_in_confirmed_month' && f.workerId === idB).length, 1)
  t.equal((await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-11`)).adjustments.length, 0)

  // An exit recorded after the month was confirmed, back-dated before a worked day.
  const enrolments = await api.get<Array<{ id: string; workerId: string }>>(`${P}/enrolments`)
  const exitUrl = `${P}/enrolments/${enrolments.find((e) => e.workerId === idB)?.id}/exit`
  t.match(await failure(api.post(exitUrl, { exitDate: '2026-10-08' })), { status: 409, code: 'exit_before_attendance', details: { exitDate: '2026-10-08', lastAttendedOn: '2026-10-09' } }, 'an exit before attendance the gates recorded needs a reason')
  await api.post(exitUrl, { exitDate: '2026-10-08', reason: '10月9日为他人持卡打卡，本人8日已离场' })
  t.match(await api.get(`${exitUrl}s`), [{ exitDate: '2026-10-08', lastAttendedOn: '2026-10-09', reason: '10月9日为他人持卡打卡，本人8日已离场' }], 'kept with the exit')
  const teamOct = await api.get<{ workers: Array<{ workerId: string }> }>(`${P}/teams/${team}/timesheets/2026-10`)
  t.ok(teamOct.workers.some((w) => w.workerId === idB), 'the frozen month still lists the worker it was confirmed with')
  t.match((await api.get<WorkerMonth>(`${P}/workers/${idB}/timesheets/2026-11`)).adjustments, [{ workDate: '2026-10-09', beforeHalves: 2, afterHalves: 0 }], 'and the day after the exit becomes an adjustment')

  // A clock reset to 2000: kept, suspect (not "before entry"), and flagged in the month it arrived.
  await send([terminal.frame(a.idNumber, '2000-01-01 08:00:00', 'in')])
  const novFlags = await api.get<Array<{ kind: string; workDate: string; detail: { clockSuspect?: string } }>>(`${P}/attendance-flags/2026-11`)
  t.match(novFlags.filter((f) => f.kind === 'clock_suspect'), [{ workDate: '2000-01-01', detail: { clockSuspect: 'before_install' } }])

  // Bad dates and times are refused, never a 500.
  t.match(await failure(api.get(`${P}/timesheets/9999-12`)), { status: 400, code: 'validation_failed' })
  t.match(await failure(api.get(`${P}/workers/${idA}/timesheets/9999-12`)), { status: 400, code: 'validation_failed' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-11-02/corrections`, { kind: 'add_punch', at: '+275760-09-13T00:00:00Z', direction: 'in', reason: 'x', author: 'y' })), { status: 400, code: 'correction_invalid' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-11-02/corrections`, { kind: 'add_punch', at: 'Mon, 02 Nov 2026 08:00:00 Z', direction: 'in', reason: 'x', author: 'y' })), { status: 400, code: 'correction_invalid' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-12-01/corrections`, { kind: 'set_status', status: 'present', reason: 'x', author: 'y' })), { status: 400, code: 'date_in_future' })
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-11-02/corrections`, { kind: 'set_status', status: 'present', punchId: 1, reason: 'x', author: 'y' })), { status: 400, code: 'correction_invalid' }, 'a field of another kind is refused, not ignored')
  t.match(await failure(api.post(`${P}/workers/${idA}/days/2026-11-02/corrections`, { kind: 'add_punch', at: '2026-11-03 18:00', direction: 'in', reason: 'x', author: 'y' })), { status: 400, code: 'correction_invalid' }, 'not a time that has not come yet')
})
