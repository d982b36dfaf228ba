/**
 * Backfills (补传): asking a device to send again what it holds of a gap. A device that lost a record on the way
 * (a dropped connection between its send and our commit, a push it believed answered) still has it in its own log;
 * the service asks for the gap in the device's own protocol, and the records come back through the normal path,
 * where a record already stored is a duplicate and counted once. Pure: which gaps to ask for, how to ask each family,
 * when a request is closed. src/punches/backfill-service.ts does the I/O.
 *
 * - ZKTeco ADMS: `DATA QUERY ATTLOG StartTime=…<TAB>EndTime=…` (device-local time) handed out on the device's
 *   `/iclock/getrequest` poll as `C:<commandNo>:<command>`; the device pushes the window's records to `/iclock/cdata`
 *   and answers on `/iclock/devicecmd` with `ID=<commandNo>&Return=<code>&CMD=DATA` (0 is success).
 * - Hikvision ISAPI: the poller searches the device's event log (AcsEvent): a gap's serialNo range
 *   (`beginSerialNo`..`endSerialNo`, both included), or a person's window.
 * - MQTT devices: a `backfill` message on the device's command topic; the device re-publishes the records it still
 *   holds in the range on its punch topic (devices/README.md, "Backfill").
 *
 * A request of numbered records is filled when every number is stored. A Hikvision serialNo also counts door and alarm
 * events, which are never stored, so a serial range is filled when the search has gone through it: every number in
 * it is then accounted for (a punch stored, or an event known to be no punch), and its holes are never asked again. A
 * request of a window alone (ZKTeco records carry no number) is filled when the device says it has sent the window
 * (ADMS Return=0) or the search has gone through it. Not filled by its expiry, it is expired, and the gap watch asks
 * again, at most `attemptsMax` times in all.
 *
 * What the gap watch asks on its own (autoBackfillOf): the holes in the numbers of a device whose numbers it can see
 * and ask for (gates and canonical devices over MQTT, Hikvision terminals the poller can search); and, since an ADMS
 * record has no number and a lost one leaves no hole, the whole previous local day of every ZKTeco terminal, once a
 * day after the sweep hour (sweepDayOf). A Hikvision terminal that only pushes (no settings.connect) cannot be asked
 * by the service at all.
 */
import { addDays, localParts, zonedToUtcMs, type WorkDate } from '../kernel/time.ts'
import { sequenceGaps, type SequenceGap } from './device-health.ts'

export type BackfillKind = 'adms_data_query' | 'isapi_search' | 'mqtt_backfill'
export type BackfillEventType = 'handed_out' | 'answered' | 'filled' | 'expired'
/** pending: not handed out yet; filled and expired are closed. */
export type BackfillState = 'pending' | BackfillEventType

/** Who a request made by the service itself names as its author. */
export const GAP_WATCH = 'gap-watch'

/** How each model is asked; a model missing here (a Dahua stream, which has no query) cannot be backfilled. */
const KIND_OF_MODEL: Readonly<Record<string, BackfillKind>> = {
  'zkteco-adms': 'adms_data_query',
  'hikvision-isapi': 'isapi_search',
  'gate-ts200': 'mqtt_backfill',
  'face-fr900': 'mqtt_backfill',
  canonical: 'mqtt_backfill',
}

export function backfillKindOf(model: string): BackfillKind | undefined {
  return KIND_OF_MODEL[model]
}

/** The models a backfill can be asked of, for error details and docs. */
export const BACKFILL_MODELS: readonly string[] = Object.keys(KIND_OF_MODEL)

/** How the gap watch looks after a device on its own: the holes in its numbers, a daily sweep, or not at all. */
export type AutoBackfill = 'record_gaps' | 'daily_sweep'

/**
 * Whether and how the gap watch asks a device without a person: by its record numbers when every number is a punch
 * (gate-ts200, canonical) or when the device can be searched by number (a Hikvision terminal with settings.connect,
 * whose door and alarm numbers a search accounts for); by a daily sweep for ZKTeco (no numbers). Others (a push-only
 * Hikvision terminal, a face-fr900 whose records are not numbered in turn, a Dahua stream) are asked only by a person,
 * if at all.
 */
export function autoBackfillOf(device: { model: string; settings: Record<string, unknown> }): AutoBackfill | undefined {
  switch (device.model) {
    case 'gate-ts200':
    case 'canonical':
      return 'record_gaps'
    case 'hikvision-isapi':
      return device.settings['connect'] !== undefined ? 'record_gaps' : undefined
    case 'zkteco-adms':
      return 'daily_sweep'
    default:
      return undefined
  }
}

/** What is asked: the record numbers of a gap (with the window they fall in), or a window alone. */
export interface BackfillRange {
  recordFrom: number | null
  recordTo: number | null
  windowFromMs: number
  windowToMs: number
}

/** One request per gap and attempt: the same gap asked twice at once is one request (the unique index decides). */
export function gapKeyOf(r: BackfillRange): string {
  return r.recordFrom !== null && r.recordTo !== null ? `records:${r.recordFrom}-${r.recordTo}` : `window:${r.windowFromMs}-${r.windowToMs}`
}

/** A request's state from its events: a closing event wins over an answer, an answer over the handing out. */
export function stateOf(events: ReadonlyArray<{ type: string }>): BackfillState {
  const types = new Set(events.map((e) => e.type))
  for (const t of ['filled', 'expired', 'answered', 'handed_out'] as const) if (types.has(t)) return t
  return 'pending'
}

export function isOpen(state: BackfillState): boolean {
  return state !== 'filled' && state !== 'expired'
}

/**
 * The device-time window a gap's records fall in: from the device time of the record just before it to that of the
 * record just after (a device numbers its records as it takes them), to the second either way. Null when a
 * neighbour is missing from the samples.
 */
export function gapWindow(gap: SequenceGap, samples: ReadonlyArray<{ recordId: string; deviceTimeMs: number }>): { fromMs: number; toMs: number } | null {
  let before: { n: number; t: number } | undefined
  let after: { n: number; t: number } | undefined
  for (const s of samples) {
    if (!/^\d{1,15}$/.test(s.recordId)) continue
    const n = Number(s.recordId)
    if (n < gap.from && (!before || n > before.n)) before = { n, t: s.deviceTimeMs }
    if (n > gap.to && (!after || n < after.n)) after = { n, t: s.deviceTimeMs }
  }
  if (!before || !after) return null
  const fromMs = Math.floor(Math.min(before.t, after.t) / 1000) * 1000
  const toMs = Math.ceil(Math.max(before.t, after.t) / 1000) * 1000
  return { fromMs, toMs }
}

/** A device's earlier request, as planning needs it. */
export interface PastRequest extends BackfillRange {
  gapKey: string
  attempt: number
  state: BackfillState
}

/**
 * Which of a device's gaps to ask for now, and as which attempt. The numbers a request still open covers are not asked
 * again, nor those a filled request covered (a Hikvision search that went through a range accounted for its door
 * events, whose numbers stay absent from the punches for ever): what is left of a gap is asked for, piece by piece.
 * A piece is asked as the attempt after the last of the same numbers, and not after `attemptsMax` of them expired.
 */
export function planGapRequests(gaps: readonly SequenceGap[], past: readonly PastRequest[], o: { attemptsMax: number }): Array<{ gap: SequenceGap; attempt: number }> {
  const done = past.filter((p) => p.state !== 'expired' && p.recordFrom !== null && p.recordTo !== null).map((p) => ({ from: p.recordFrom as number, to: p.recordTo as number }))
  // The last attempt of each gap key, read once: a Hikvision terminal has a request per door-event hole.
  const lastOf = new Map<string, number>()
  for (const p of past) lastOf.set(p.gapKey, Math.max(lastOf.get(p.gapKey) ?? 0, p.attempt))
  const out: Array<{ gap: SequenceGap; attempt: number }> = []
  for (const whole of gaps) {
    for (const gap of rangeMinus(whole, done)) {
      const last = lastOf.get(`records:${gap.from}-${gap.to}`) ?? 0
      if (last >= o.attemptsMax) continue
      out.push({ gap, attempt: last + 1 })
    }
  }
  return out
}

/**
 * The requests the gap watch makes for one device's recent record ids: its holes (each under `recordsMax` numbers: a
 * wider one is a sequence restarted, most likely, for a person to judge), planned against its past requests, at most
 * `perRoundMax`, the largest first. Every hole is planned before any is cut off: a Hikvision terminal's holes that are
 * door events, accounted for and never asked again, would otherwise fill the round and starve a new one behind them.
 */
export function gapsToAsk(
  recordIds: Iterable<string>,
  past: readonly PastRequest[],
  o: { attemptsMax: number; perRoundMax: number; recordsMax: number; mergeWithin?: number },
): Array<{ gap: SequenceGap; attempt: number }> {
  const gaps = sequenceGaps(recordIds, Number.MAX_SAFE_INTEGER).gaps.filter((g) => g.to - g.from < o.recordsMax)
  const planned = planGapRequests(gaps, past, o)
  if (!o.mergeWithin) return planned.slice(0, o.perRoundMax)
  // One search reads a range whole: holes near each other are asked as one range, attempts counted per range.
  const lastOf = new Map<string, number>()
  for (const p of past) lastOf.set(p.gapKey, Math.max(lastOf.get(p.gapKey) ?? 0, p.attempt))
  return coalesce(
    planned.map((p) => p.gap),
    o.mergeWithin,
    o.recordsMax,
  )
    .map((gap) => ({ gap, attempt: (lastOf.get(`records:${gap.from}-${gap.to}`) ?? 0) + 1 }))
    .filter((r) => r.attempt <= o.attemptsMax)
    .slice(0, o.perRoundMax)
}

/**
 * Gaps joined where fewer than `within` numbers lie between them, a joined range staying under `recordsMax` numbers.
 * A Hikvision terminal's serialNo counts door events too, so its stored punches have a hole at nearly every other
 * number; a search per hole would be hundreds of requests a day from one busy gate, where one search of the stretch
 * reads the same events (the punches among them are stored already, and come back as duplicates, counted once).
 */
export function coalesce(gaps: readonly SequenceGap[], within: number, recordsMax: number): SequenceGap[] {
  const out: SequenceGap[] = []
  for (const g of [...gaps].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1]
    if (last && g.from - last.to - 1 < within && g.to - last.from < recordsMax) out[out.length - 1] = { from: last.from, to: Math.max(last.to, g.to) }
    else out.push({ ...g })
  }
  return out
}

/** The numbers of a range not in any of the others, as ranges in order. */
export function rangeMinus(range: SequenceGap, others: readonly SequenceGap[]): SequenceGap[] {
  let left: SequenceGap[] = [range]
  for (const o of others) {
    const next: SequenceGap[] = []
    for (const r of left) {
      if (o.to < r.from || r.to < o.from) {
        next.push(r)
        continue
      }
      if (r.from < o.from) next.push({ from: r.from, to: o.from - 1 })
      if (o.to < r.to) next.push({ from: o.to + 1, to: r.to })
    }
    left = next
  }
  return left.sort((a, b) => a.from - b.from)
}

/**
 * How an open request closes now, if it does: `filled` when its numbered records are all stored (storedAll), or, for
 * a window alone or a Hikvision serial range (whose door events are never stored), when the device answered success
 * (answeredOk: the window sent, the range searched through); `expired` once its time is up. Filling wins over expiry:
 * records that came in late still count. Without a kind, a numbered request is one whose every number is a punch.
 */
export function closingOf(
  r: { state: BackfillState; recordFrom: number | null; expiresAtMs: number; kind?: BackfillKind },
  o: { nowMs: number; storedAll: boolean; answeredOk: boolean },
): 'filled' | 'expired' | undefined {
  if (!isOpen(r.state)) return undefined
  const answerFills = r.recordFrom === null || r.kind === 'isapi_search'
  if ((r.recordFrom !== null && o.storedAll) || (answerFills && o.answeredOk)) return 'filled'
  return o.nowMs >= r.expiresAtMs ? 'expired' : undefined
}

const two = (n: number): string => String(n).padStart(2, '0')

// The daily sweep ------------------------------------------------------------------------------------------------------

/**
 * The local day whose sweep is due at `nowMs`, in the project's zone: the day before today once today's sweep hour
 * has come (the day is over and its late pushes are in), else the day before that (so a service started at 01:00
 * still sweeps the day it missed). The window runs from the day's first second to its last, both included, as ADMS
 * reads StartTime and EndTime: 23, 24 or 25 hours, as the zone's clock changes that day.
 */
export function sweepDayOf(nowMs: number, timeZone: string, sweepHour: number): { date: WorkDate; windowFromMs: number; windowToMs: number } {
  const p = localParts(nowMs, timeZone)
  const today = `${p.year}-${two(p.month)}-${two(p.day)}`
  const date = addDays(today, p.hour >= sweepHour ? -1 : -2)
  return { date, windowFromMs: midnightOf(date, timeZone), windowToMs: midnightOf(addDays(date, 1), timeZone) - 1000 }
}

function midnightOf(date: WorkDate, timeZone: string): number {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  return zonedToUtcMs({ year, month, day, hour: 0, minute: 0, second: 0 }, timeZone)
}

/**
 * Whether to sweep a day now, and as which attempt: not while a sweep of it is open, nor once one is filled, nor after
 * `attemptsMax` expired (a terminal off all night is not asked for ever); otherwise the attempt after the last. The
 * unique index on the gap key and attempt makes it one sweep per device and attempt whatever the instances.
 */
export function planSweep(day: BackfillRange, past: readonly PastRequest[], o: { attemptsMax: number }): { attempt: number } | undefined {
  const same = past.filter((p) => p.gapKey === gapKeyOf(day))
  if (same.some((p) => p.state !== 'expired')) return undefined
  const last = same.reduce((n, p) => Math.max(n, p.attempt), 0)
  return last >= o.attemptsMax ? undefined : { attempt: last + 1 }
}

// ZKTeco ADMS ---------------------------------------------------------------------------------------------------------

/** An instant as the device's wall clock in its zone, the layout ATTLOG lines and DATA QUERY use. */
export function admsLocalTime(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone)
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}`
}

/** The query that makes a ZKTeco device push its attendance records of a window again (both ends included). */
export function admsDataQuery(windowFromMs: number, windowToMs: number, timeZone: string): string {
  return `DATA QUERY ATTLOG StartTime=${admsLocalTime(windowFromMs, timeZone)}\tEndTime=${admsLocalTime(windowToMs, timeZone)}`
}

/** A command as `/iclock/getrequest` hands it out: `C:<id>:<command>`, one a line. */
export function admsCommandLine(commandNo: number, command: string): string {
  return `C:${commandNo}:${command}`
}

export interface AdmsCommandReply {
  commandNo: number
  returnCode: number
  cmd: string
}

/**
 * The replies a device posts to `/iclock/devicecmd`: one form-encoded line per command it ran,
 * `ID=<id>&Return=<code>&CMD=<word>`. Lines without a numeric ID and Return are skipped: they name nothing we asked.
 */
export function parseAdmsCommandReplies(body: string): AdmsCommandReply[] {
  const out: AdmsCommandReply[] = []
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') continue
    const form = new URLSearchParams(line.trim())
    const id = form.get('ID') ?? ''
    const ret = form.get('Return') ?? ''
    if (!/^\d{1,9}$/.test(id) || !/^-?\d{1,9}$/.test(ret)) continue
    out.push({ commandNo: Number(id), returnCode: Number(ret), cmd: (form.get('CMD') ?? '').slice(0, 32) })
  }
  return out
}

// MQTT ----------------------------------------------------------------------------------------------------------------

/**
 * The backfill message on a device's command topic (devices/README.md): the command number, the record numbers when
 * the gap is of numbered records, and the device-time window as RFC 3339 UTC.
 */
export function mqttBackfillMessage(commandNo: number, r: BackfillRange): string {
  const records = r.recordFrom !== null && r.recordTo !== null ? { fromRecord: String(r.recordFrom), toRecord: String(r.recordTo) } : {}
  return JSON.stringify({ command: 'backfill', id: commandNo, ...records, from: new Date(r.windowFromMs).toISOString(), to: new Date(r.windowToMs).toISOString() })
}
