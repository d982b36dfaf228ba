/**
 * How a project's devices are doing (设备运行状态): last heard, silent for how long and whether that is an outage,
 * what they delivered and had refused, their clocks' offset and the numbered records that never arrived
 * (src/punches/device-health.ts). For the labour manager's desk and the bureau's auditor.
 */
import type { FastifyInstance } from 'fastify'
import { projectDeviceHealth } from '../../punches/device-health.ts'
import type { Services } from '../../services.ts'
import { errors, projectParams } from '../schemas.ts'

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())
const nullableInteger = { type: ['integer', 'null'] } as const
const nullableText = { type: ['string', 'null'] } as const

const health = {
  type: 'object',
  properties: {
    serial: { type: 'string' },
    model: { type: 'string' },
    lastSeenAt: { ...nullableText, description: 'the newest of the last punch and the last refusal: the last time the device delivered anything' },
    lastPunchAt: nullableText,
    lastRefusalAt: nullableText,
    lastRefusalReason: nullableText,
    silentMinutes: nullableInteger,
    offline: { type: 'boolean', description: 'silent longer than offlineAfterMinutes, now being within the site hours' },
    punches: { type: 'integer', description: 'punches received in the window' },
    refusals: { type: 'integer', description: 'inputs refused in the window (rejected inputs under this serial)' },
    clockOffsetSeconds: { type: ['number', 'null'], description: 'device clock minus true time, from its promptly delivered punches; null with too few' },
    missingRecords: { type: 'integer', description: 'numbered records (gate seq, Hikvision serialNo) never received between the lowest and highest of the window' },
    gaps: { type: 'array', items: { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' } } } },
  },
} as const

export async function deviceHealthRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.get<{ Params: { projectId: string }; Querystring: { windowHours: number; offlineAfterMinutes: number; siteHoursFrom: number; siteHoursTo: number } }>(
    '/api/projects/:projectId/devices/health',
    { config: { policy: { roles: ['labour_manager', 'auditor'], write: false } },
      schema: {
        tags: ['roster'],
        summary: "The project's devices as they are doing: last heard, offline during site hours, delivered and refused, clock offset, missing records",
        params: projectParams,
        querystring: {
          type: 'object',
          properties: {
            windowHours: { type: 'integer', minimum: 1, maximum: 24 * 31, default: 24 },
            offlineAfterMinutes: { type: 'integer', minimum: 5, maximum: 7 * 24 * 60, default: 60 },
            siteHoursFrom: { type: 'integer', minimum: 0, maximum: 23, default: 6, description: 'site hours in the project zone, from (whole hour)' },
            siteHoursTo: { type: 'integer', minimum: 1, maximum: 24, default: 20, description: 'to (exclusive)' },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'array', items: health }, ...errors },
      },
    },
    async (req) => {
      const { projectId } = req.params
      const list = await projectDeviceHealth(
        {
          project: (id) => services.roster.project(id),
          listDevices: (id) => services.roster.listDevices(id),
          deviceSamplesSince: (id, since) => services.punches.deviceSamplesSince(id, since),
          lastPunchOfDevice: (id, deviceId) => services.punches.lastPunchOfDevice(id, deviceId),
          refusalsByDeviceSince: (id, since) => services.punches.refusalsByDeviceSince(id, since),
        },
        projectId,
        {
          nowMs: services.clock.nowMs(),
          windowHours: req.query.windowHours,
          offlineAfterMinutes: req.query.offlineAfterMinutes,
          siteHours: { from: req.query.siteHoursFrom, to: req.query.siteHoursTo },
          gapsMax: 20,
        },
      )
      return list.map((h) => ({
        serial: h.serial,
        model: h.model,
        lastSeenAt: iso(h.lastSeenAtMs),
        lastPunchAt: iso(h.lastPunchAtMs),
        lastRefusalAt: iso(h.lastRefusalAtMs),
        lastRefusalReason: h.lastRefusalReason,
        silentMinutes: h.silentMinutes,
        offline: h.offline,
        punches: h.punches,
        refusals: h.refusals,
        clockOffsetSeconds: h.clockOffsetSeconds,
        missingRecords: h.missingRecords,
        gaps: h.gaps,
      }))
    },
  )
}
