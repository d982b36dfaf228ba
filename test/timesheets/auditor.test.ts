/**
 * An auditor: a second, deliberately plain implementation of the timesheet
 * rules (考勤规则), written from their description and sharing no code with
 * the engine (only its types). It may be slow; it must be obvious. A seeded
 * month of 300 simulated workers goes through both, and they must agree on
 * every worker-day.
 */
import t from 'tap'
import type { Direction } from '../../src/punches/canonical.ts'
import { DEFAULT_POLICY, type AttendancePolicy } from '../../src/timesheets/policy.ts'
import { buildWorkerDays, type ClockSuspect, type Correction, type RawPunch, type WorkerDay, type WorkerInput } from '../../src/timesheets/rules.ts'

const TZ = 'Asia/Shanghai'
const MONTH_FROM = '2026-10-01'
const MONTH_TO = '2026-10-31'
/** Punches are generated for two days before the month and one after: the dates a month's days depend on. */
const GEN_FROM = '2026-09-29'
const GEN_TO = '2026-11-01'

// ---------------------------------------------------------------------------
// Calendar arithmetic of our own. Asia/Shanghai has been UTC+8 all year since 1991.

const SHANGHAI_OFFSET_MS = 8 * 3600_000

/** Milliseconds of a Shanghai wall-clock time. */
function shanghaiMs(date: string, hour: number, minute: number, second = 0): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return Date.UTC(y, m - 1, d, hour, minute, second) - SHANGHAI_OFFSET_MS
}

/** The Shanghai calendar date of an instant. */
function shanghaiDate(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10)
}

function nextDate(date: string, n = 1): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

function datesBetween(from: string, to: string): string[] {
  const out: string[] = []
  for (let d = from; d <= to; d = nextDate(d)) out.push(d)
  return out
}

// ---------------------------------------------------------------------------
// The auditor.

interface AuditRow {
  punchId: number | null
  correctionId: string | null
  ms: number
  device: Direction
  date: string
  suspect: boolean
  use: 'paired' | 'unpaired' | 'debounced' | 'excluded' | null
  reason: string | null
  dir: 'in' | 'out' | null
  /** debounced: the counted punch just before it */
  repeatOf: AuditRow | null
  /** a paired out: its in */
  inOf: AuditRow | null
  listDay: string
}

interface AuditDay {
  status: string
  creditHalves: number
  workedMinutes: number
  needsReview: boolean
  pairs: Array<[number, number, number]>
  listed: string[]
}

function rowKey(r: { punchId: number | null; correctionId: string | null }): string {
  return r.punchId !== null ? `p${r.punchId}` : `c${r.correctionId}`
}

function listedKey(r: { punchId: number | null; correctionId: string | null; use: string | null; reason: string | null }): string {
  return `${rowKey(r)} ${r.use} ${r.reason ?? '-'}`
}

function directionRank(d: Direction): number {
  if (d === 'in') return 0
  if (d === 'unknown') return 1
  return 2
}

/** a before b? Time, then in < unknown < out, then device punches before added ones, then ids. */
function comesBefore(a: AuditRow, b: AuditRow): number {
  if (a.ms < b.ms) return -1
  if (a.ms > b.ms) return 1
  if (directionRank(a.device) !== directionRank(b.device)) return directionRank(a.device) - directionRank(b.device)
  const aAdded = a.punchId === null ? 1 : 0
  const bAdded = b.punchId === null ? 1 : 0
  if (aAdded !== bAdded) return aAdded - bAdded
  if (a.punchId !== null && b.punchId !== null) return a.punchId - b.punchId
  return String(a.correctionId).localeCompare(String(b.correctionId))
}

function audit(input: WorkerInput, policy: AttendancePolicy): Map<string, AuditDay> {
  const all = input.corrections

  // Corrections a revoke names are withdrawn; revokes themselves do nothing else.
  const withdrawn = new Set<string>()
  for (const c of all) {
    if (c.kind === 'revoke' && c.revokesId !== null) withdrawn.add(c.revokesId)
  }
  const standing: Correction[] = []
  for (const c of all) {
    if (c.kind !== 'revoke' && !withdrawn.has(c.id)) standing.push(c)
  }
  const isVoided = (id: number): boolean => standing.some((c) => c.kind === 'void_punch' && c.punchId === id)
  const isAccepted = (id: number): boolean => standing.some((c) => c.kind === 'accept_punch' && c.punchId === id)

  const entry = input.enrolment.entryDate
  const exit = input.enrolment.exitDate
  const enrolmentReason = (date: string): string | null => {
    if (date < entry) return 'before_entry'
    if (exit !== null && date > exit) return 'after_exit'
    return null
  }

  // Step 1: every punch once, excluded or not.
  const rows: AuditRow[] = []
  const haveId = new Set<number>()
  for (const p of input.punches) {
    if (haveId.has(p.id)) continue
    haveId.add(p.id)
    let reason: string | null = null
    if (isVoided(p.id)) reason = 'voided'
    else if (p.clockSuspect !== null && !isAccepted(p.id)) reason = 'clock_suspect'
    else if (enrolmentReason(p.workDate) !== null) reason = enrolmentReason(p.workDate)
    rows.push({
      punchId: p.id,
      correctionId: null,
      ms: p.deviceTimeMs,
      device: p.direction,
      date: p.workDate,
      suspect: p.clockSuspect !== null,
      use: reason === null ? null : 'excluded',
      reason,
      dir: null,
      repeatOf: null,
      inOf: null,
      listDay: p.workDate,
    })
  }
  for (const c of standing) {
    if (c.kind !== 'add_punch' || c.atMs === null || c.direction === null) continue
    const date = shanghaiDate(c.atMs)
    const reason = enrolmentReason(date)
    rows.push({
      punchId: null,
      correctionId: c.id,
      ms: c.atMs,
      device: c.direction,
      date,
      suspect: false,
      use: reason === null ? null : 'excluded',
      reason,
      dir: null,
      repeatOf: null,
      inOf: null,
      listDay: date,
    })
  }

  // Step 2: device time order.
  rows.sort(comesBefore)

  // Step 3: a punch within the window of the previous counted (not excluded) punch of the same work date, in a direction compatible with it and with the burst's first, repeats it.
  let previous: AuditRow | null = null
  for (const r of rows) {
    if (r.use === 'excluded') continue
    if (previous !== null) {
      const close = previous.date === r.date && r.ms - previous.ms < policy.debounceMinutes * 60_000
      const fits = (a: AuditRow): boolean => a.device === r.device || a.device === 'unknown' || r.device === 'unknown'
      // And with the first punch of the burst: a face tap between a gate's in and out does not join them.
      let first = previous
      while (first.repeatOf !== null) first = first.repeatOf
      if (close && fits(previous) && fits(first)) {
        r.use = 'debounced'
        r.reason = 'repeat'
        r.repeatOf = previous
      }
    }
    previous = r
  }

  const kept = rows.filter((r) => r.use === null)

  // Step 4: direction. Unknown ones alternate within their work date, starting with in.
  for (let i = 0; i < kept.length; i++) {
    const r = kept[i]!
    if (r.device !== 'unknown') {
      r.dir = r.device
      continue
    }
    const before = i > 0 ? kept[i - 1]! : null
    const sameDate = before !== null && before.date === r.date
    r.dir = sameDate && before.dir === 'in' ? 'out' : 'in'
  }

  // Step 5: pairing over the whole timeline.
  const maxMs = policy.maxShiftMinutes * 60_000
  let openIn: AuditRow | null = null
  for (const r of kept) {
    if (r.dir === 'in') {
      if (openIn !== null) {
        openIn.use = 'unpaired'
        // Another in within a shift's length: the out was missed. Later than that: no out came.
        openIn.reason = r.ms - openIn.ms <= maxMs ? 'followed_by_in' : 'no_out'
      }
      openIn = r
      continue
    }
    if (openIn !== null && r.ms - openIn.ms <= maxMs) {
      openIn.use = 'paired'
      r.use = 'paired'
      r.inOf = openIn
      openIn = null
      continue
    }
    if (openIn !== null) {
      openIn.use = 'unpaired'
      openIn.reason = 'no_out'
      openIn = null
    }
    r.use = 'unpaired'
    r.reason = 'no_in'
  }
  if (openIn !== null) {
    openIn.use = 'unpaired'
    openIn.reason = 'no_out'
  }

  // Which day lists each punch: a paired out the day of its in; a repeat the day of what it repeats.
  for (const r of rows) {
    if (r.inOf !== null) r.listDay = r.inOf.date
    else if (r.repeatOf !== null) r.listDay = r.repeatOf.listDay
    else r.listDay = r.date
  }

  // Step 6: the days.
  const dates = new Set<string>()
  for (const r of rows) dates.add(r.listDay)
  for (const c of all) dates.add(c.workDate)

  const days = new Map<string, AuditDay>()
  for (const date of dates) {
    const listed = rows.filter((r) => r.listDay === date)
    const pairs: Array<[number, number, number]> = []
    for (const r of rows) {
      if (r.inOf !== null && r.inOf.date === date) pairs.push([r.inOf.ms, r.ms, Math.floor((r.ms - r.inOf.ms) / 60_000)])
    }
    pairs.sort((a, b) => a[0] - b[0])
    let minutes = 0
    for (const p of pairs) minutes += p[2]

    const reasons = new Set<string>()
    if (minutes > 1440) reasons.add('over_24h')
    // A suspect reading dated outside the enrolment asks for no review: no correction could be dated there.
    if (listed.some((r) => r.reason === 'clock_suspect' && enrolmentReason(r.date) === null)) reasons.add('clock_suspect')

    let status: string
    let credit: number
    if (listed.some((r) => r.use === 'unpaired')) {
      status = 'incomplete'
      if (policy.incompleteDay === 'count_day') credit = 2
      else if (policy.incompleteDay === 'count_half') credit = 1
      else {
        credit = 0
        reasons.add('incomplete')
      }
    } else if (pairs.length > 0) {
      status = 'present'
      credit = 2
    } else {
      status = 'absent'
      credit = 0
    }

    let newest: Correction | null = null
    for (const c of standing) {
      // Outside the enrolment a status set earlier credits nothing: the worker had not come, or had left.
      if (c.kind !== 'set_status' || c.workDate !== date || c.status === null || enrolmentReason(date) !== null) continue
      if (newest === null || c.createdAtMs > newest.createdAtMs || (c.createdAtMs === newest.createdAtMs && c.id > newest.id)) newest = c
    }
    let worked = Math.min(minutes, 1440)
    if (newest !== null) {
      status = newest.status!
      credit = status === 'present' ? 2 : status === 'half_day' ? 1 : 0
      reasons.clear()
      // Set absent: no minutes worked; set half day: the pairs' minutes, at most four hours (half of an 8-hour day).
      if (status === 'absent') worked = 0
      else if (status === 'half_day') worked = Math.min(worked, 240)
    }

    days.set(date, {
      status,
      creditHalves: credit,
      workedMinutes: worked,
      needsReview: reasons.size > 0,
      pairs,
      listed: listed.map(listedKey).sort(),
    })
  }
  return days
}

// ---------------------------------------------------------------------------
// A simulated site: 300 workers, October 2026.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

interface Site {
  workers: WorkerInput[]
  faults: Record<string, number>
}

function simulate(seed: number, count: number): Site {
  const rnd = mulberry32(seed)
  const chance = (p: number): boolean => rnd() < p
  const between = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1))
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
  const faults: Record<string, number> = {}
  const fault = (name: string): void => {
    faults[name] = (faults[name] ?? 0) + 1
  }
  let punchId = 1
  let correctionNo = 1
  let createdAt = shanghaiMs('2026-11-02', 9, 0)
  const workers: WorkerInput[] = []

  for (let w = 0; w < count; w++) {
    const workerId = `w${String(w + 1).padStart(3, '0')}`
    const kind = w % 10 < 8 ? 'day_gate' : w % 10 === 8 ? 'face' : 'night_gate'
    const facePunches = chance(0.5) ? 2 : 4
    let entryDate = '2026-09-01'
    let exitDate: string | null = null
    if (chance(0.04)) entryDate = `2026-10-${between(10, 20)}`
    if (chance(0.04)) exitDate = `2026-10-${between(10, 20)}`
    if (exitDate !== null || entryDate !== '2026-09-01') fault('enrolment_mid_month')

    const punches: RawPunch[] = []
    const corrections: Correction[] = []
    const correct = (c: Omit<Correction, 'id' | 'reason' | 'author' | 'createdAtMs' | 'punchId' | 'atMs' | 'direction' | 'status' | 'revokesId'> & Partial<Correction>): Correction => {
      const full: Correction = {
        id: `${workerId}-c${String(correctionNo++).padStart(4, '0')}`,
        punchId: null,
        atMs: null,
        direction: null,
        status: null,
        revokesId: null,
        reason: '劳资员更正',
        author: '王会计',
        createdAtMs: (createdAt += 60_000),
        ...c,
      }
      corrections.push(full)
      return full
    }
    const emit = (ms: number, direction: Direction): RawPunch => {
      const p: RawPunch = { id: punchId++, deviceId: direction === 'unknown' ? 'face-01' : 'gate-01', deviceTimeMs: ms, direction, workDate: shanghaiDate(ms), clockSuspect: null }
      punches.push(p)
      return p
    }
    /** A punch the worker meant to make at ms, with whatever goes wrong with it. */
    const attempt = (date: string, ms: number, direction: Direction): void => {
      if (chance(0.03)) {
        fault('missing')
        // The labour manager adds a missed out now and then.
        if (direction !== 'in' && chance(0.3)) {
          fault('add_punch')
          correct({ workDate: date, kind: 'add_punch', atMs: ms, direction: 'out' })
        }
        return
      }
      const p = emit(ms, direction)
      if (chance(0.005)) {
        fault('clock_suspect')
        p.clockSuspect = pick<ClockSuspect>(['ahead_of_receipt', 'before_install'])
        if (chance(0.5)) {
          fault('accept_punch')
          correct({ workDate: date, kind: 'accept_punch', punchId: p.id })
        }
      }
      if (chance(0.03)) {
        fault('double_tap')
        emit(ms + between(1, 59) * 1000, chance(0.8) ? direction : 'unknown')
      } else if (chance(0.02)) {
        fault('again_2_to_5_min')
        emit(ms + between(120, 300) * 1000, direction)
      }
    }
    const jitter = (date: string, hour: number, minute: number, before: number, after: number): number => shanghaiMs(date, hour, minute) + between(-before * 60, after * 60) * 1000

    for (const date of datesBetween(GEN_FROM, GEN_TO)) {
      // Rest days, and people who keep punching after their exit now and then.
      if (chance(0.1)) continue
      if (exitDate !== null && date > exitDate && chance(0.6)) continue
      if (kind === 'day_gate') {
        attempt(date, jitter(date, 7, 0, 15, 10), 'in')
        attempt(date, jitter(date, 12, 0, 0, 5), 'out')
        attempt(date, jitter(date, 13, 0, 10, 5), 'in')
        attempt(date, jitter(date, 17, 30, 0, 20), 'out')
      } else if (kind === 'face') {
        attempt(date, jitter(date, 7, 0, 15, 10), 'unknown')
        if (facePunches === 4) {
          attempt(date, jitter(date, 12, 0, 0, 5), 'unknown')
          attempt(date, jitter(date, 13, 0, 10, 5), 'unknown')
        }
        attempt(date, jitter(date, 17, 30, 0, 20), 'unknown')
      } else {
        attempt(date, jitter(date, 20, 0, 10, 10), 'in')
        attempt(nextDate(date), jitter(nextDate(date), 6, 0, 10, 10), 'out')
      }
    }

    // A few other corrections: a voided punch, a status set by hand, a correction withdrawn.
    for (const p of punches) {
      if (chance(0.003)) {
        fault('void_punch')
        correct({ workDate: p.workDate, kind: 'void_punch', punchId: p.id })
      }
    }
    for (const date of datesBetween(GEN_FROM, GEN_TO)) {
      if (chance(0.005)) {
        fault('set_status')
        correct({ workDate: date, kind: 'set_status', status: pick(['present', 'half_day', 'absent'] as const) })
      }
    }
    const made = corrections.length
    for (let i = 0; i < made; i++) {
      const c = corrections[i]!
      if (chance(0.15)) {
        fault('revoke')
        correct({ workDate: c.workDate, kind: 'revoke', revokesId: c.id })
      }
    }

    workers.push({
      workerId,
      enrolment: { entryDate, exitDate },
      punches: punches.filter((p) => p.workDate >= GEN_FROM && p.workDate <= GEN_TO),
      corrections,
    })
  }
  return { workers, faults }
}

// ---------------------------------------------------------------------------

function engineDay(d: WorkerDay): AuditDay {
  return {
    status: d.status,
    creditHalves: d.creditHalves,
    workedMinutes: d.workedMinutes,
    needsReview: d.needsReview,
    pairs: d.pairs.map((p): [number, number, number] => [p.inAtMs, p.outAtMs, p.minutes]),
    listed: d.punches.map(listedKey).sort(),
  }
}

const site = simulate(20261001, 300)

t.test('the simulated site has the faults it should', async (t) => {
  t.equal(site.workers.length, 300)
  const punches = site.workers.reduce((n, w) => n + w.punches.length, 0)
  t.ok(punches > 25_000, `${punches} punches`)
  for (const f of ['missing', 'double_tap', 'again_2_to_5_min', 'clock_suspect', 'accept_punch', 'add_punch', 'void_punch', 'set_status', 'revoke', 'enrolment_mid_month']) {
    t.ok((site.faults[f] ?? 0) > 0, `${f}: ${site.faults[f] ?? 0}`)
  }
})

const POLICIES: Array<[string, AttendancePolicy]> = [
  ['default policy', DEFAULT_POLICY],
  ['debounce 5 min, 12 h shifts, incomplete counts half', { ...DEFAULT_POLICY, debounceMinutes: 5, maxShiftMinutes: 12 * 60, incompleteDay: 'count_half' }],
]

for (const [name, policy] of POLICIES) {
  t.test(`engine and auditor agree on every worker-day: ${name}`, async (t) => {
    let compared = 0
    const byStatus: Record<string, number> = {}
    const disagreements: Array<{ workerId: string; date: string; engine: AuditDay | undefined; auditor: AuditDay | undefined }> = []
    for (const w of site.workers) {
      const engine = new Map(buildWorkerDays(w, policy, TZ, MONTH_FROM, MONTH_TO).map((d) => [d.workDate, engineDay(d)]))
      const audited = audit(w, policy)
      for (const date of datesBetween(MONTH_FROM, MONTH_TO)) {
        const e = engine.get(date)
        const a = audited.get(date)
        if (e === undefined && a === undefined) continue
        compared++
        const status = (e ?? a)!.status
        byStatus[status] = (byStatus[status] ?? 0) + 1
        if (JSON.stringify(e) !== JSON.stringify(a)) disagreements.push({ workerId: w.workerId, date, engine: e, auditor: a })
      }
    }
    t.same(disagreements.slice(0, 3), [], `${disagreements.length} disagreements`)
    t.ok(compared > 7000, 'most worker-days have something')
    t.pass(`${compared} worker-days compared (${Object.entries(byStatus).map(([k, n]) => `${k} ${n}`).join(', ')})`)
  })
}
