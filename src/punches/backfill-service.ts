/**
 * Backfills (src/punches/backfill.ts) with their I/O: the gap watch that finds a numbered device's missing records
 * and asks for them, and sweeps each ZKTeco terminal's previous day, a person's request for a window, handing requests out to devices (the ADMS poll, the MQTT
 * command topic, the Hikvision poller) and recording what came of them. Every step is a row or an event another
 * instance can see; a step two instances race for (the same gap, the same handing out) is taken by one, the unique
 * indexes deciding.
 */
import { deviceTimeZone } from '../../devices/zkteco-adms/codec.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { DeviceRow } from '../roster/repository.ts'
import {
  admsDataQuery,
  autoBackfillOf,
  backfillKindOf,
  BACKFILL_MODELS,
  closingOf,
  GAP_WATCH,
  gapKeyOf,
  gapsToAsk,
  gapWindow,
  mqttBackfillMessage,
  planSweep,
  stateOf,
  sweepDayOf,
  type BackfillKind,
  type BackfillRange,
  type BackfillState,
} from './backfill.ts'
import type { BackfillEventRow, BackfillRepository, BackfillRow } from './backfill-repository.ts'
import { sequenceGaps } from './device-health.ts'
import type { PunchRepository } from './repository.ts'

export interface BackfillOptions {
  /** A request not filled this long after it was made is expired (and the watch may ask again). */
  expireAfterMs: number
  /** Requests of one gap, all attempts together: a device that cannot send it is not asked forever. */
  attemptsMax: number
  /** How far back (by receipt) the watch looks for gaps: the device-health view's default day. */
  windowMs: number
  /** The local hour (project zone, 0-23) from which a ZKTeco terminal's previous day is swept (ZKTECO_SWEEP_HOUR). */
  sweepHour: number
}

/** 02:00: the day's work and its late pushes are in, and the terminals are idle. */
const SWEEP_HOUR_DEFAULT = 2

export const BACKFILL_DEFAULTS: BackfillOptions = { expireAfterMs: 30 * 60_000, attemptsMax: 3, windowMs: 24 * 3_600_000, sweepHour: SWEEP_HOUR_DEFAULT }

/** Gaps asked for per device per watch: the largest first, the rest on the next rounds. */
const GAPS_PER_DEVICE_MAX = 20
/** A gap wider than this is not asked for by record numbers (a sequence restarted, most likely): a person asks for a window. */
const GAP_RECORDS_MAX = 5_000
/**
 * Hikvision holes fewer than this many numbers apart are searched as one range: a gate's door events leave a hole at
 * nearly every other serialNo, and one search of a few hundred events costs less than a request and a search per hole.
 */
const SEARCH_MERGE_WITHIN = 200
/** A person's window: at most 31 days, what a device's query is usually allowed to cover at once. */
const WINDOW_MS_MAX = 31 * 24 * 3_600_000
/** Requests handed out per device per poll. */
const HAND_OUT_MAX = 10
/** Requests a project's list shows. */
const LIST_MAX = 500

export type BackfillOutcome = 'requested' | 'filled' | 'expired'

export interface BackfillView {
  id: string
  serial: string
  kind: BackfillKind
  commandNo: number
  attempt: number
  state: BackfillState
  recordFrom: number | null
  recordTo: number | null
  windowFromMs: number
  windowToMs: number
  command: string
  requestedBy: string
  requestedAtMs: number
  expiresAtMs: number
  handedOutAtMs: number | null
  answeredAtMs: number | null
  returnCode: number | null
  closedAtMs: number | null
}

function viewOf(r: BackfillRow, events: readonly BackfillEventRow[]): BackfillView {
  const at = (type: string): BackfillEventRow | undefined => events.find((e) => e.type === type)
  const closed = at('filled') ?? at('expired')
  return {
    id: r.id,
    serial: r.deviceSerial,
    kind: r.kind as BackfillKind,
    commandNo: r.commandNo,
    attempt: r.attempt,
    state: stateOf(events),
    recordFrom: r.recordFrom,
    recordTo: r.recordTo,
    windowFromMs: r.windowFromMs,
    windowToMs: r.windowToMs,
    command: r.command,
    requestedBy: r.requestedBy,
    requestedAtMs: r.requestedAtMs,
    expiresAtMs: r.expiresAtMs,
    handedOutAtMs: at('handed_out')?.atMs ?? null,
    answeredAtMs: at('answered')?.atMs ?? null,
    returnCode: at('answered')?.returnCode ?? null,
    closedAtMs: closed?.atMs ?? null,
  }
}

function groupEvents(events: readonly BackfillEventRow[]): Map<string, BackfillEventRow[]> {
  const by = new Map<string, BackfillEventRow[]>()
  for (const e of events) {
    const list = by.get(e.backfillId)
    if (list) list.push(e)
    else by.set(e.backfillId, [e])
  }
  return by
}

export class BackfillService {
  private readonly outcomeListeners: Array<(outcome: BackfillOutcome, kind: BackfillKind) => void> = []

  constructor(
    private readonly repo: BackfillRepository,
    private readonly deps: { roster: Pick<RosterService, 'project' | 'listProjects' | 'listDevices'>; punches: Pick<PunchRepository, 'deviceSamplesSince'> },
    private readonly clock: Clock,
    readonly options: BackfillOptions = BACKFILL_DEFAULTS,
  ) {}

  /** Called once per request made, filled or expired (metrics). */
  onOutcome(fn: (outcome: BackfillOutcome, kind: BackfillKind) => void): void {
    this.outcomeListeners.push(fn)
  }

  private emit(outcome: BackfillOutcome, kind: string): void {
    for (const fn of this.outcomeListeners) fn(outcome, kind as BackfillKind)
  }

  /** The project's requests, newest first, with their state. */
  async list(projectId: string): Promise<BackfillView[]> {
    await this.deps.roster.project(projectId)
    const rows = await this.repo.requestsOfProject(projectId, LIST_MAX)
    const events = groupEvents(await this.repo.eventsOf(rows.map((r) => r.id)))
    return rows.map((r) => viewOf(r, events.get(r.id) ?? []))
  }

  /**
   * A person asks a device for a window (and, for a numbered device, the record numbers in it). The same window asked
   * while a request of it is open answers that request (created: false).
   */
  async request(projectId: string, serial: string, range: BackfillRange, actor: string): Promise<{ created: boolean; backfill: BackfillView }> {
    const project = await this.deps.roster.project(projectId)
    const device = (await this.deps.roster.listDevices(projectId)).find((d) => d.serial === serial)
    if (!device) throw new AppError('device_not_found', { serial })
    const kind = backfillKindOf(device.model)
    if (kind === undefined) throw new AppError('backfill_not_supported', { model: device.model, models: BACKFILL_MODELS })
    // A Hikvision device is searched only when the service can reach it (settings.connect, the poller's).
    if (kind === 'isapi_search' && (JSON.parse(device.settings) as Record<string, unknown>)['connect'] === undefined) {
      throw new AppError('backfill_not_supported', { model: device.model, models: BACKFILL_MODELS, detail: 'a hikvision-isapi device is searched only with settings.connect' })
    }
    const span = range.windowToMs - range.windowFromMs
    const recordsOk =
      (range.recordFrom === null) === (range.recordTo === null) &&
      (range.recordFrom === null || ((range.recordTo as number) >= range.recordFrom && (range.recordTo as number) - range.recordFrom < GAP_RECORDS_MAX))
    if (span < 0 || span > WINDOW_MS_MAX || range.windowToMs > this.clock.nowMs() + 60_000 || !recordsOk) {
      throw new AppError('backfill_window_invalid', { windowDaysMax: WINDOW_MS_MAX / 86_400_000, recordsMax: GAP_RECORDS_MAX })
    }
    const key = gapKeyOf(range)
    for (let tries = 0; tries < 3; tries++) {
      const past = (await this.repo.requestsOfDevice(device.id, 0)).filter((r) => r.gapKey === key)
      const events = groupEvents(await this.repo.eventsOf(past.map((r) => r.id)))
      const open = past.find((r) => stateOfRow(r, events) !== 'filled' && stateOfRow(r, events) !== 'expired')
      if (open) return { created: false, backfill: viewOf(open, events.get(open.id) ?? []) }
      const attempt = past.reduce((n, r) => Math.max(n, r.attempt), 0) + 1
      const made = await this.create(project.timeZone, device, range, attempt, actor)
      if (made) return { created: true, backfill: viewOf(made, []) }
    }
    throw new AppError('backfill_busy')
  }

  /** Inserts a request as the given attempt; undefined when another instance made that attempt first. */
  private async create(projectZone: string, device: DeviceRow, range: BackfillRange, attempt: number, by: string): Promise<BackfillRow | undefined> {
    const kind = backfillKindOf(device.model) as BackfillKind
    const nowMs = this.clock.nowMs()
    for (let tries = 0; tries < 3; tries++) {
      const commandNo = await this.repo.nextCommandNo(device.id)
      const command = this.commandOf(kind, commandNo, range, { serial: device.serial, timeZone: projectZone, settings: JSON.parse(device.settings) as Record<string, unknown> })
      const row: BackfillRow = {
        id: newId(),
        projectId: device.projectId,
        deviceId: device.id,
        deviceSerial: device.serial,
        commandNo,
        kind,
        gapKey: gapKeyOf(range),
        attempt,
        recordFrom: range.recordFrom,
        recordTo: range.recordTo,
        windowFromMs: range.windowFromMs,
        windowToMs: range.windowToMs,
        command,
        requestedBy: by,
        requestedAtMs: nowMs,
        expiresAtMs: nowMs + this.options.expireAfterMs,
      }
      if (await this.repo.insertRequest(row)) {
        this.emit('requested', kind)
        return row
      }
      // The unique indexes refused it: the gap's attempt is another instance's now, or only the number was taken.
      if ((await this.repo.requestsOfDevice(device.id, 0)).some((r) => r.gapKey === row.gapKey && r.attempt === attempt)) return undefined
    }
    return undefined
  }

  private commandOf(kind: BackfillKind, commandNo: number, range: BackfillRange, device: { serial: string; timeZone: string; settings: Record<string, unknown> }): string {
    switch (kind) {
      case 'adms_data_query':
        return admsDataQuery(range.windowFromMs, range.windowToMs, deviceTimeZone(device))
      case 'mqtt_backfill':
        return mqttBackfillMessage(commandNo, range)
      case 'isapi_search':
        // What the poller searches: the serialNo range when there is one (beginSerialNo..endSerialNo), else the window.
        return JSON.stringify({
          ...(range.recordFrom !== null && range.recordTo !== null ? { beginSerialNo: range.recordFrom, endSerialNo: range.recordTo } : {}),
          startTime: new Date(range.windowFromMs).toISOString(),
          endTime: new Date(range.windowToMs).toISOString(),
        })
    }
  }

  /**
   * One round of the gap watch: closes the open requests that were filled or ran out of time, then asks every device
   * whose numbers it can see (autoBackfillOf) for the holes of its recent records not accounted for already, and every
   * ZKTeco terminal for its previous local day once the sweep hour has come.
   */
  async watch(): Promise<{ requested: number; filled: number; expired: number }> {
    const { filled, expired } = await this.closeDue()
    let requested = 0
    const nowMs = this.clock.nowMs()
    const sinceMs = nowMs - this.options.windowMs
    for (const project of await this.deps.roster.listProjects()) {
      const devices = (await this.deps.roster.listDevices(project.id))
        .filter((d) => backfillKindOf(d.model) !== undefined)
        .map((d) => ({ device: d, auto: autoBackfillOf({ model: d.model, settings: JSON.parse(d.settings) as Record<string, unknown> }) }))
      for (const { device } of devices.filter((d) => d.auto === 'daily_sweep')) {
        if (await this.sweep(project.timeZone, device, nowMs)) requested++
      }
      const numbered = devices.filter((d) => d.auto === 'record_gaps').map((d) => d.device)
      if (numbered.length === 0) continue
      const samples = await this.deps.punches.deviceSamplesSince(project.id, sinceMs)
      for (const device of numbered) {
        const own = samples.filter((s) => s.deviceId === device.id)
        const ids = own.map((s) => s.recordId)
        // No hole at all (a gate on a good day): its past requests need not be read.
        if (sequenceGaps(ids, 1).gaps.length === 0) continue
        const past = await this.pastRequests(device.id, sinceMs - this.options.windowMs)
        for (const { gap, attempt } of gapsToAsk(
          ids,
          past,
          {
            attemptsMax: this.options.attemptsMax,
            perRoundMax: GAPS_PER_DEVICE_MAX,
            recordsMax: GAP_RECORDS_MAX,
            mergeWithin: backfillKindOf(device.model) === 'isapi_search' ? SEARCH_MERGE_WITHIN : undefined,
          },
        )) {
          const window = gapWindow(gap, own)
          if (!window) continue
          const made = await this.create(project.timeZone, device, { recordFrom: gap.from, recordTo: gap.to, windowFromMs: window.fromMs, windowToMs: window.toMs }, attempt, GAP_WATCH)
          if (made) requested++
        }
      }
    }
    return { requested, filled, expired }
  }

  /**
   * A ZKTeco terminal's previous local day (in the project's zone), asked again once the sweep hour has come: a record
   * lost on the way leaves no hole in ADMS records, so the day is asked whole, and what was stored already comes back
   * as duplicates, counted once. True when this instance made the request.
   */
  private async sweep(projectZone: string, device: DeviceRow, nowMs: number): Promise<boolean> {
    const day = sweepDayOf(nowMs, projectZone, this.options.sweepHour)
    const range: BackfillRange = { recordFrom: null, recordTo: null, windowFromMs: day.windowFromMs, windowToMs: day.windowToMs }
    // Every request of the day was made after the day began.
    const plan = planSweep(range, await this.pastRequests(device.id, day.windowFromMs), this.options)
    if (!plan) return false
    return (await this.create(projectZone, device, range, plan.attempt, GAP_WATCH)) !== undefined
  }

  private async pastRequests(deviceId: string, sinceMs: number): Promise<Array<BackfillRow & { state: BackfillState }>> {
    const rows = await this.repo.requestsOfDevice(deviceId, sinceMs)
    const events = groupEvents(await this.repo.eventsOf(rows.map((r) => r.id)))
    return rows.map((r) => ({ ...r, state: stateOfRow(r, events) }))
  }

  /** Open requests filled (their records all delivered) or past their time, closed with an event. */
  async closeDue(): Promise<{ filled: number; expired: number }> {
    const open = await this.repo.openRequests()
    const events = groupEvents(await this.repo.eventsOf(open.map((r) => r.id)))
    let filled = 0
    let expired = 0
    for (const r of open) {
      const own = events.get(r.id) ?? []
      const closing = await this.closingNow(r, own)
      if (!closing || !(await this.close(r, closing))) continue
      if (closing === 'filled') filled++
      else expired++
    }
    return { filled, expired }
  }

  private async closingNow(r: BackfillRow, events: readonly BackfillEventRow[]): Promise<'filled' | 'expired' | undefined> {
    let storedAll = false
    if (r.recordFrom !== null && r.recordTo !== null) {
      const ids: string[] = []
      for (let n = r.recordFrom; n <= r.recordTo; n++) ids.push(String(n))
      storedAll = (await this.repo.deliveredCount(r.projectId, r.deviceId, r.deviceSerial, ids)) === ids.length
    }
    const answeredOk = events.some((e) => e.type === 'answered' && e.returnCode === 0)
    return closingOf({ state: stateOf(events), recordFrom: r.recordFrom, expiresAtMs: r.expiresAtMs, kind: r.kind as BackfillKind }, { nowMs: this.clock.nowMs(), storedAll, answeredOk })
  }

  private async close(r: BackfillRow, type: 'filled' | 'expired'): Promise<boolean> {
    const done = await this.repo.appendEvent({ id: newId(), backfillId: r.id, type, returnCode: null, detail: null, atMs: this.clock.nowMs() })
    if (done) this.emit(type, r.kind)
    return done
  }

  /**
   * The device's requests of a kind not handed out yet, each claimed for this caller with a handed_out event (one
   * instance wins each); what it returns, the caller hands to the device now.
   */
  async handOut(serial: string, kind: BackfillKind): Promise<BackfillRow[]> {
    const open = await this.repo.openRequestsOfDevice(serial, kind)
    const events = groupEvents(await this.repo.eventsOf(open.map((r) => r.id)))
    const out: BackfillRow[] = []
    for (const r of open) {
      if (out.length >= HAND_OUT_MAX) break
      if (stateOfRow(r, events) !== 'pending' || r.expiresAtMs <= this.clock.nowMs()) continue
      if (await this.repo.appendEvent({ id: newId(), backfillId: r.id, type: 'handed_out', returnCode: null, detail: null, atMs: this.clock.nowMs() })) out.push(r)
    }
    return out
  }

  /** Every MQTT request not handed out yet, claimed: the caller publishes each on its device's command topic. */
  async handOutMqtt(): Promise<BackfillRow[]> {
    const serials = new Set((await this.repo.openRequests()).filter((r) => r.kind === 'mqtt_backfill').map((r) => r.deviceSerial))
    const out: BackfillRow[] = []
    for (const serial of serials) out.push(...(await this.handOut(serial, 'mqtt_backfill')))
    return out
  }

  /**
   * The device's answer to a command (ADMS Return, or the poller's search: 0 done). Recorded once; a request of a
   * window alone is filled by a successful answer at once. False when no request of the device has that number.
   */
  async answer(serial: string, commandNo: number, returnCode: number, detail: string | null): Promise<boolean> {
    const open = [...(await this.repo.openRequestsOfDevice(serial, 'adms_data_query')), ...(await this.repo.openRequestsOfDevice(serial, 'isapi_search'))].find((r) => r.commandNo === commandNo)
    if (!open) return false
    await this.repo.appendEvent({ id: newId(), backfillId: open.id, type: 'answered', returnCode, detail, atMs: this.clock.nowMs() })
    const events = await this.repo.eventsOf([open.id])
    const closing = await this.closingNow(open, events)
    if (closing === 'filled') await this.close(open, closing)
    return true
  }
}

function stateOfRow(r: BackfillRow, events: Map<string, BackfillEventRow[]>): BackfillState {
  return stateOf(events.get(r.id) ?? [])
}
