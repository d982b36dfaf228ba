/**
 * How a project's devices are doing (设备运行状态): last heard, silent for how long and whether that is an outage,
 * what they delivered and had refused, their clocks' offset and the numbered records that never arrived
 * (src/punches/device-health.ts); and their offline incidents (DEVICE_OFFLINE, src/punches/device-incidents.ts), opened
 * and closed by the device watch. For the labour manager's desk and the bureau's auditor.
 */
import type { FastifyInstance } from 'fastify'
import { projectDeviceHealth } from '../../punches/device-health.ts'
import type { DeviceIncident } from '../../punches/device-incidents.ts'
import { silentSiteMinutes } from '../../punches/device-incidents.ts'
import { AppError } from '../../kernel/errors.ts'
import type { Services } from '../../services.ts'
import { decodeCursor, linkNext, pageAfter } from '../paging.ts'
import { errors, keyCursorQuery, limitQuery, projectParams } from '../schemas.ts'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const nullableInteger = { type: ['integer', 'null'] } as const
const nullableText = { type: ['string', 'null'] } as const
/** Both routes answer the same people: the device view is the labour manager's, and the auditor's to check. */
const policy = { roles: ['labour_manager', 'auditor'], write: false } as const

const incident = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    serial: { type: 'string' },
    state: { type: 'string', enum: ['open', 'closed'] },
    openedAt: { type: 'string', description: 'when the watch found the device offline' },
    silentSince: { type: 'string', description: 'its last contact before the silence; for a device never heard, its registration' },
    neverHeard: { type: 'boolean' },
    offlineAfterMinutes: { type: 'integer', description: 'the limit in force when it opened' },
    siteHours: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' } } },
    closedAt: { ...nullableText, description: 'when the watch found it heard again' },
    heardAt: { ...nullableText, description: 'its first contact after the silence (recorded at most once a minute per instance)' },
    contactKind: { ...nullableText, description: 'what that contact was: frame, adms_poll, hikvision_search, dahua_stream, mqtt_ping…' },
    silentSiteMinutes: { type: 'integer', description: 'minutes of silence within site hours, to the contact or to now' },
  },
} as const

function incidentOf(i: DeviceIncident, nowMs: number, timeZone: string) {
  return {
    id: i.id,
    serial: i.serial,
    state: i.state,
    openedAt: new Date(i.openedAtMs).toISOString(),
    silentSince: new Date(i.silentSinceMs).toISOString(),
    neverHeard: i.neverHeard,
    offlineAfterMinutes: i.rule.offlineAfterMinutes,
    siteHours: i.rule.siteHours,
    closedAt: iso(i.closedAtMs),
    heardAt: iso(i.heardAtMs),
    contactKind: i.contactKind,
    silentSiteMinutes: silentSiteMinutes(i, nowMs, timeZone),
  }
}

const health = {
  type: 'object',
  properties: {
    serial: { type: 'string' },
    model: { type: 'string' },
    lastSeenAt: { ...nullableText, description: 'the newest of the last punch, the last refusal and the last contact of any kind: the last time the device was heard' },
    lastPunchAt: nullableText,
    lastRefusalAt: nullableText,
    lastRefusalReason: nullableText,
    lastContactAt: { ...nullableText, description: 'the newest contact, punch or not (a handshake, a poll, a heartbeat, a connection), as recorded' },
    lastContactKind: nullableText,
    silentMinutes: nullableInteger,
    offline: { type: 'boolean', description: 'silent longer than offlineAfterMinutes, counted within the site hours, now being within them' },
    offlineIncident: { anyOf: [{ type: 'null' }, incident], description: 'the open offline incident, when the watch has one for the device' },
    punches: { type: 'integer', description: 'punches received in the window' },
    refusals: { type: 'integer', description: 'inputs refused in the window (rejected inputs under this serial)' },
    clockOffsetSeconds: { type: ['number', 'null'], description: 'device clock minus true time, from its promptly delivered punches; null with too few' },
    missingRecords: { type: 'integer', description: 'numbered records (gate seq, Hikvision serialNo) never received between the lowest and highest of the window' },
    gaps: { type: 'array', items: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' } } } },
  },
} as const

export async function deviceHealthRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const rule = services.deviceWatch.rule
  app.get<{ Params: { projectId: string }; Querystring: { windowHours: number; offlineAfterMinutes?: number; siteHoursFrom?: number; siteHoursTo?: number } }>(
    '/api/projects/:projectId/devices/health',
    { config: { policy },
      schema: {
        tags: ['roster'],
        summary: "The project's devices as they are doing: last heard, offline during site hours, delivered and refused, clock offset, missing records",
        params: projectParams,
        querystring: {
          type: 'object',
          properties: {
            windowHours: { type: 'integer', minimum: 1, maximum: 24 * 31, default: 24 },
            offlineAfterMinutes: { type: 'integer', minimum: 5, maximum: 7 * 24 * 60, description: "default: the service's DEVICE_OFFLINE_AFTER_MINUTES (60)" },
            siteHoursFrom: { type: 'integer', minimum: 0, maximum: 23, description: "site hours in the project zone, from (whole hour); default: the service's DEVICE_SITE_HOURS (6-20)" },
            siteHoursTo: { type: 'integer', minimum: 1, maximum: 24, description: 'to (exclusive)' },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: health }, ...errors },
      },
    },
    async (req) => {
      const { projectId } = req.params
      const nowMs = services.clock.nowMs()
      const list = await projectDeviceHealth(
        {
          project: (id) => services.roster.project(id),
          listDevices: (id) => services.roster.listDevices(id),
          deviceSamplesSince: (id, since) => services.punches.deviceSamplesSince(id, since),
          lastPunchOfDevice: (id, deviceId) => services.punches.lastPunchOfDevice(id, deviceId),
          refusalsByDeviceSince: (id, since) => services.punches.refusalsByDeviceSince(id, since),
          contactsOf: (id) => services.deviceWatch.contactsOf(id),
        },
        projectId,
        {
          nowMs,
          windowHours: req.query.windowHours,
          offlineAfterMinutes: req.query.offlineAfterMinutes ?? rule.offlineAfterMinutes,
          siteHours: { from: req.query.siteHoursFrom ?? rule.siteHours.from, to: req.query.siteHoursTo ?? rule.siteHours.to },
          gapsMax: 20,
        },
      )
      const { timeZone } = await services.roster.project(projectId)
      const open = new Map([...(await services.deviceWatch.openIncidents(projectId)).values()].map((i) => [i.serial, i]))
      return list.map((h) => {
        const o = open.get(h.serial)
        return {
          serial: h.serial,
          model: h.model,
          lastSeenAt: iso(h.lastSeenAtMs),
          lastPunchAt: iso(h.lastPunchAtMs),
          lastRefusalAt: iso(h.lastRefusalAtMs),
          lastRefusalReason: h.lastRefusalReason,
          lastContactAt: iso(h.lastContactAtMs),
          lastContactKind: h.lastContactKind,
          silentMinutes: h.silentMinutes,
          offline: h.offline,
          offlineIncident: o ? incidentOf(o, nowMs, timeZone) : null,
          punches: h.punches,
          refusals: h.refusals,
          clockOffsetSeconds: h.clockOffsetSeconds,
          missingRecords: h.missingRecords,
          gaps: h.gaps,
        }
      })
    },
  )

  /** Newest first: the later opening first, then the id (time-ordered) for a stable cursor. */
  const incidentKey = (i: DeviceIncident): Array<string | number> => [-i.openedAtMs, i.id]
  app.get<{ Params: { projectId: string }; Querystring: { state?: DeviceIncident['state']; limit: number; after?: string } }>(
    '/api/projects/:projectId/devices/incidents',
    { config: { policy },
      schema: {
        tags: ['roster'],
        summary: "The project's device offline incidents (DEVICE_OFFLINE), newest first: opened by the device watch when a device is silent too long during site hours, closed when it is heard again",
        params: projectParams,
        querystring: { type: 'object', properties: { state: { type: 'string', enum: ['open', 'closed'] }, limit: limitQuery, after: keyCursorQuery }, additionalProperties: false },
        response: { 200: { type: 'array', items: incident }, ...errors },
      },
    },
    async (req, reply) => {
      const { projectId } = req.params
      const after = req.query.after === undefined ? undefined : decodeCursor(req.query.after)
      if (req.query.after !== undefined && after === undefined) throw new AppError('validation_failed', [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
      const { timeZone } = await services.roster.project(projectId)
      const nowMs = services.clock.nowMs()
      const { page, next } = pageAfter(await services.deviceWatch.incidents(projectId, req.query.state), incidentKey, after, req.query.limit)
      linkNext(req, reply, req.query.limit, 'after', next)
      return page.map((i) => incidentOf(i, nowMs, timeZone))
    },
  )
}
