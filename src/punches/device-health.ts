/**
 * How a site's devices are doing (设备运行状态), from what they delivered: when each was last heard, how many records
 * it delivered and had refused, how far its clock is off, and which of its numbered records never arrived. A device
 * that goes quiet or loses records is otherwise invisible until payday, when a worker's days are missing. Pure: the
 * caller reads the window's punches and refusals.
 */
import { addDays, localParts, MINUTE_MS, workDateOf, zonedToUtcMs } from '../kernel/time.ts'

export interface PunchSample {
  recordId: string
  deviceTimeMs: number
  receivedAtMs: number
}

export interface DeviceActivity {
  serial: string
  model: string
  /** The device's punches received in the window, any order. */
  punches: readonly PunchSample[]
  /** Its refused inputs in the window: how many, the newest's time and reason. */
  refusals: { count: number; lastAtMs: number | null; lastReason: string | null }
  /** Its newest punch ever, when older than the window (a device silent for days). */
  lastPunchBeforeMs: number | null
  /** Its newest contact of any kind, punch or not (src/punches/device-contacts.ts); absent or null when none is recorded. */
  contact?: { atMs: number; kind: string } | null
  /** When it was registered: a device never heard is silent since then (as the device watch counts it). */
  registeredAtMs?: number
}

export interface SequenceGap {
  /** First missing record number. */
  from: number
  /** Last missing record number. */
  to: number
}

export interface DeviceHealth {
  serial: string
  model: string
  lastPunchAtMs: number | null
  lastRefusalAtMs: number | null
  lastRefusalReason: string | null
  lastContactAtMs: number | null
  lastContactKind: string | null
  /** Newest of the three: the last time the device was heard at all. */
  lastSeenAtMs: number | null
  silentMinutes: number | null
  /** Silent longer than the limit during the site's hours (see `isOffline`). */
  offline: boolean
  punches: number
  refusals: number
  /** Device clock minus true time, estimated (clockOffsetMs); null with too few prompt punches. */
  clockOffsetSeconds: number | null
  /** Missing record numbers between the lowest and highest received in the window (SEQUENCED_MODELS only). */
  gaps: SequenceGap[]
  missingRecords: number
}

export interface HealthOptions {
  nowMs: number
  timeZone: string
  /** Silence longer than this during site hours makes a device offline. */
  offlineAfterMinutes: number
  /** Site hours (local, whole hours): silence outside them is a night, not a fault. */
  siteHours: { from: number; to: number }
  gapsMax: number
}

/**
 * Models every record of which is a punch numbered in turn: a gap in what was stored is a record lost. A Hikvision
 * terminal's serialNo also counts door and alarm events, which are not stored, and a ZKTeco record id is no number.
 */
export const SEQUENCED_MODELS: ReadonlySet<string> = new Set(['gate-ts200', 'canonical'])

/** Punches whose delay says nothing of the clock: a backlog sent after an outage. */
const PROMPT_DELAY_MS = 5 * 60_000
/** Fewer prompt punches than this give no clock estimate. */
const CLOCK_SAMPLES_MIN = 5

/**
 * Record ids that are whole numbers written without leading zeros (gate seq, a canonical device's seq): the numbers between the
 * lowest and highest seen that never arrived, as ranges, at most `max` of them (the largest first). Devices whose
 * record ids are not numbers (ZKTeco's are made of time and person) have no sequence and no gaps.
 */
export function sequenceGaps(recordIds: Iterable<string>, max: number): { gaps: SequenceGap[]; missing: number } {
  const seen: number[] = []
  for (const id of recordIds) {
    // Written without leading zeros: a backfill asks for and checks the numbers as text, and "000102" is not "102", so a
    // padded sequence would be asked for again and again and never seen filled. Such a device's numbers show no gaps.
    if (!/^(0|[1-9]\d{0,14})$/.test(id)) return { gaps: [], missing: 0 }
    seen.push(Number(id))
  }
  seen.sort((a, b) => a - b)
  const gaps: SequenceGap[] = []
  let missing = 0
  for (let i = 1; i < seen.length; i++) {
    const prev = seen[i - 1] as number
    const cur = seen[i] as number
    if (cur - prev > 1) {
      gaps.push({ from: prev + 1, to: cur - 1 })
      missing += cur - prev - 1
    }
  }
  gaps.sort((a, b) => b.to - b.from - (a.to - a.from) || a.from - b.from)
  return { gaps: gaps.slice(0, max), missing }
}

/**
 * The device clock's offset from true time. A punch sent at once arrives a transport's delay after it happened, so
 * receivedAt − deviceTime = delay − offset; the smallest delays are the transport's alone. Among punches that arrived
 * within five minutes of their device time either way (a backlog says nothing of the clock), the offset is minus the
 * 10th percentile of receivedAt − deviceTime, to the second: a clock 3 minutes fast reads +180.
 */
export function clockOffsetMs(punches: readonly PunchSample[]): number | null {
  const delays = punches
    .map((p) => p.receivedAtMs - p.deviceTimeMs)
    .filter((d) => Math.abs(d) <= PROMPT_DELAY_MS)
    .sort((a, b) => a - b)
  if (delays.length < CLOCK_SAMPLES_MIN) return null
  const p10 = delays[Math.floor((delays.length - 1) * 0.1)] as number
  return -Math.round(p10 / 1000) * 1000
}

/**
 * The minutes of [fromMs, toMs) that fall within the site's hours in its zone, each local day's window taken in turn
 * (a day of a clock change has the hours its wall clock shows). Counting stops once past `capMinutes`: a device silent
 * for a month costs a few days' arithmetic, not thirty.
 */
export function siteMinutesBetween(fromMs: number, toMs: number, timeZone: string, siteHours: { from: number; to: number }, capMinutes = Number.POSITIVE_INFINITY): number {
  if (toMs <= fromMs || siteHours.to <= siteHours.from) return 0
  const lastDate = workDateOf(toMs, timeZone)
  let totalMs = 0
  for (let date = workDateOf(fromMs, timeZone); date <= lastDate; date = addDays(date, 1)) {
    const { year, month, day } = wallOf(date)
    const startMs = zonedToUtcMs({ year, month, day, hour: siteHours.from, minute: 0, second: 0 }, timeZone)
    const endMs =
      siteHours.to === 24
        ? zonedToUtcMs({ ...wallOf(addDays(date, 1)), hour: 0, minute: 0, second: 0 }, timeZone)
        : zonedToUtcMs({ year, month, day, hour: siteHours.to, minute: 0, second: 0 }, timeZone)
    totalMs += Math.max(0, Math.min(endMs, toMs) - Math.max(startMs, fromMs))
    if (totalMs / MINUTE_MS > capMinutes) break
  }
  return Math.floor(totalMs / MINUTE_MS)
}

function wallOf(date: string): { year: number; month: number; day: number } {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return { year, month, day }
}

/**
 * Silent longer than the limit within the site's hours, in its zone: only silence while the site works counts, so a
 * device quiet all night is not offline at 6:01 but at 7:01 (with a limit of 60 minutes), and one that stopped at
 * 19:50 is offline at 6:51 the next morning. Outside the hours nobody is offline: nothing is expected of a device then.
 * Never heard: offline during the hours (a device registered and never connected is a device nobody can punch on).
 */
export function isOffline(lastSeenAtMs: number | null, o: Pick<HealthOptions, 'nowMs' | 'timeZone' | 'offlineAfterMinutes' | 'siteHours'>): boolean {
  if (!withinSiteHours(o.nowMs, o.timeZone, o.siteHours)) return false
  if (lastSeenAtMs === null) return true
  return siteMinutesBetween(lastSeenAtMs, o.nowMs, o.timeZone, o.siteHours, o.offlineAfterMinutes) > o.offlineAfterMinutes
}

/** Now is within the site's hours, in its zone. */
export function withinSiteHours(nowMs: number, timeZone: string, siteHours: { from: number; to: number }): boolean {
  const hour = localParts(nowMs, timeZone).hour
  return hour >= siteHours.from && hour < siteHours.to
}

export function deviceHealth(a: DeviceActivity, o: HealthOptions): DeviceHealth {
  let lastPunchAtMs = a.lastPunchBeforeMs
  for (const p of a.punches) if (lastPunchAtMs === null || p.receivedAtMs > lastPunchAtMs) lastPunchAtMs = p.receivedAtMs
  const seen = [lastPunchAtMs, a.refusals.lastAtMs, a.contact?.atMs ?? null].filter((t): t is number => t !== null)
  const lastSeenAtMs = seen.length === 0 ? null : Math.max(...seen)
  const offset = clockOffsetMs(a.punches)
  const { gaps, missing } = SEQUENCED_MODELS.has(a.model) ? sequenceGaps(a.punches.map((p) => p.recordId), o.gapsMax) : { gaps: [], missing: 0 }
  return {
    serial: a.serial,
    model: a.model,
    lastPunchAtMs,
    lastRefusalAtMs: a.refusals.lastAtMs,
    lastRefusalReason: a.refusals.lastReason,
    lastContactAtMs: a.contact?.atMs ?? null,
    lastContactKind: a.contact?.kind ?? null,
    lastSeenAtMs,
    silentMinutes: lastSeenAtMs === null ? null : Math.max(0, Math.floor((o.nowMs - lastSeenAtMs) / 60_000)),
    offline: isOffline(lastSeenAtMs ?? a.registeredAtMs ?? null, o),
    punches: a.punches.length,
    refusals: a.refusals.count,
    clockOffsetSeconds: offset === null ? null : offset / 1000,
    gaps,
    missingRecords: missing,
  }
}

/** What device health reads: the project's devices and zone, and its punches and refusals. */
export interface DeviceHealthSources {
  project(projectId: string): Promise<{ timeZone: string }>
  listDevices(projectId: string): Promise<ReadonlyArray<{ id: string; serial: string; model: string; createdAtMs?: number }>>
  deviceSamplesSince(projectId: string, sinceMs: number): Promise<ReadonlyArray<{ deviceId: string } & PunchSample>>
  lastPunchOfDevice(projectId: string, deviceId: string): Promise<number | undefined>
  refusalsByDeviceSince(projectId: string, sinceMs: number): Promise<ReadonlyArray<{ serial: string; n: number; lastAtMs: number; lastReason: string }>>
  /** Each device's newest contact, punch or not. */
  contactsOf(projectId: string): Promise<ReadonlyArray<{ deviceId: string; lastAtMs: number; kind: string }>>
}

/** Every device of a project, as it has done over the last `windowHours`. */
export async function projectDeviceHealth(
  src: DeviceHealthSources,
  projectId: string,
  o: Omit<HealthOptions, 'timeZone'> & { windowHours: number },
): Promise<DeviceHealth[]> {
  const project = await src.project(projectId)
  const sinceMs = o.nowMs - o.windowHours * 3_600_000
  const samples = new Map<string, PunchSample[]>()
  for (const s of await src.deviceSamplesSince(projectId, sinceMs)) {
    const list = samples.get(s.deviceId)
    const sample = { recordId: s.recordId, deviceTimeMs: s.deviceTimeMs, receivedAtMs: s.receivedAtMs }
    if (list) list.push(sample)
    else samples.set(s.deviceId, [sample])
  }
  const refusals = new Map((await src.refusalsByDeviceSince(projectId, sinceMs)).map((r) => [r.serial, r]))
  const contacts = new Map((await src.contactsOf(projectId)).map((c) => [c.deviceId, { atMs: c.lastAtMs, kind: c.kind }]))
  const out: DeviceHealth[] = []
  for (const d of await src.listDevices(projectId)) {
    const punches = samples.get(d.id) ?? []
    const r = refusals.get(d.serial)
    out.push(
      deviceHealth(
        {
          serial: d.serial,
          model: d.model,
          punches,
          refusals: { count: r?.n ?? 0, lastAtMs: r?.lastAtMs ?? null, lastReason: r?.lastReason ?? null },
          lastPunchBeforeMs: punches.length > 0 ? null : ((await src.lastPunchOfDevice(projectId, d.id)) ?? null),
          contact: contacts.get(d.id) ?? null,
          registeredAtMs: d.createdAtMs,
        },
        { ...o, timeZone: project.timeZone },
      ),
    )
  }
  return out
}
