/**
 * The desk's devices (考勤设备) and rejected inputs (拒收记录), for the labour manager and the auditor (the roles of
 * GET …/devices/health and GET /api/rejected-inputs; a team manager reads neither there, so not here):
 *
 * - `/pages/projects/:projectId/desk/devices`: each device's last contact, offline (the device watch's rule and its
 *   open incident), backlog (numbered records never received: what a backfill would ask for), punches and refusals
 *   in the last 24 hours, and the device's newest refusals, each linked to its raw frame;
 * - `/pages/projects/:projectId/desk/rejected[?before=id]`: the project's rejected inputs, newest first, 50 a page;
 * - `/pages/projects/:projectId/desk/rejected/:id`: one refusal and its raw frame as kept.
 *
 * Masked as the API masks them (src/http/routes/attendance.ts, presentRejected and …/payload): everything that came
 * from the sender, and the frame's bytes, with ID, card and phone numbers masked; a refused bank file's account runs
 * too. Reveal stays the API's (POST /api/rejected-inputs/{id}/reveal, with a purpose, rate-limited).
 */
import type { FastifyInstance } from 'fastify'
import { maskBytes, maskText } from '../access/masking.ts'
import { principalOf } from '../http/access.ts'
import { idParam, rowId } from '../http/schemas.ts'
import { AppError, outOfScope } from '../kernel/errors.ts'
import { localTimeOf, workDateOf } from '../kernel/time.ts'
import { LIMITS } from '../config/limits.ts'
import { projectDeviceHealth } from '../punches/device-health.ts'
import type { RejectReason } from '../punches/admit.ts'
import type { RejectedMeta } from '../punches/repository.ts'
import type { Services } from '../services.ts'
import { deskNav, deskParams, deskPath, signedInOf } from './desk.ts'
import { sendPage, type LayoutData } from './views.ts'

/** The device view's window, as the API's default (windowHours=24). */
const WINDOW_HOURS = 24
const REJECTED_PER_PAGE = 50
/** A device's newest refusals shown under it. */
const REFUSALS_PER_DEVICE = 5

const policy = { roles: ['labour_manager' as const, 'auditor' as const], write: false, personal: true }

/** A refused bank file's text: runs of 12–19 digits in it are taken for accounts (as the API's isBankFile). */
const isBankFile = (r: { reason: string }): boolean => r.reason === 'payout_file_invalid'

/**
 * The reasons a refusal is kept under (拒收原因), as the labour manager reads them: every device frame's RejectReason
 * (devices/README.md lists them) and the files refused whole. The code and the service's English sentence, which
 * names the specifics (the serial, the field, the line), are shown beside; a reason not here shows as its code.
 */
export const REJECT_REASON_NAMES: Readonly<Record<RejectReason | 'payout_file_invalid' | 'statement_invalid' | 'signal_file_invalid' | 'signal_file_unreadable' | 'clue_file_invalid' | 'clue_file_unreadable', string>> = {
  payload_too_large: '报文过大（超过 8 KiB）',
  unknown_topic: '不是考勤打卡主题',
  unknown_device: '设备未在本项目登记',
  topic_client_mismatch: '设备在别的设备的主题上发送',
  malformed_payload: '报文格式不对',
  invalid_device_time: '设备时间无法识别',
  device_serial_mismatch: '报文里的设备序列号与设备不符',
  not_a_punch: '不是打卡记录（如心跳）',
  unknown_worker: '设备上的人员不是已登记的工人（或为陌生人）',
  worker_not_enrolled: '工人已登记，但未在本项目进场登记',
  device_time_too_old: '设备时间比服务器晚 400 天以上',
  record_id_conflict: '记录号重复，但内容不同',
  ingest_failed: '服务处理出错（已保留，待运维排查）',
  packet_too_large: 'MQTT 报文超过上限，连接已断开',
  publish_not_allowed: '设备向不允许的主题发送，连接已断开',
  payout_file_invalid: '银行代发结果文件无法读取，整份拒收',
  statement_invalid: '专户流水文件无法读取，整份拒收',
  signal_file_invalid: '部门信号文件有错，整份拒收',
  signal_file_unreadable: '部门信号文件无法打开',
  clue_file_invalid: '线索文件有错，整份拒收',
  clue_file_unreadable: '线索文件无法打开',
}

export const rejectReasonName = (code: string): string => (REJECT_REASON_NAMES as Readonly<Record<string, string>>)[code] ?? code

export interface RejectedView {
  id: number
  href: string
  receivedAt: string
  source: string
  channel: string
  sender: string | null
  deviceSerial: string | null
  recordId: string | null
  reason: string
  /** The reason in Chinese (REJECT_REASON_NAMES), or the code when it has none. */
  reasonName: string
  detail: string
  payloadBytes: number
  payloadTruncated: boolean
}

/** As the API's presentRejected: whatever the sender sent is masked before it is shown. */
export function rejectedView(r: RejectedMeta, projectId: string, timeZone: string): RejectedView {
  const mask = (text: string): string => maskText(text, { accountRuns: isBankFile(r) })
  const maybe = (text: string | null): string | null => (text === null ? null : mask(text))
  return {
    id: r.id,
    href: `${deskPath(projectId)}/rejected/${r.id}`,
    receivedAt: `${workDateOf(r.receivedAtMs, timeZone)} ${localTimeOf(r.receivedAtMs, timeZone)}`,
    source: r.source,
    channel: mask(r.channel),
    sender: maybe(r.sender),
    deviceSerial: maybe(r.deviceSerial),
    recordId: maybe(r.recordId),
    reason: r.reason,
    reasonName: rejectReasonName(r.reason),
    detail: mask(r.detail),
    payloadBytes: r.payloadBytes,
    payloadTruncated: r.payloadBytes > LIMITS.rejected_payload_bytes_max,
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The kept bytes as a person reads them: text when they are UTF-8, a hex dump otherwise. */
export function frameText(bytes: Buffer): { text: string; encoding: 'utf-8' | 'hex' } {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' }
  } catch {
    const lines: string[] = []
    for (let i = 0; i < bytes.length; i += 16) lines.push(`${i.toString(16).padStart(6, '0')}  ${[...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`)
    return { text: lines.join('\n'), encoding: 'hex' }
  }
}

interface DevicesData extends LayoutData {
  projectName: string
  nav: ReturnType<typeof deskNav>
  windowHours: number
  devices: Array<{
    serial: string
    model: string
    lastSeen: string
    lastContactKind: string | null
    silentMinutes: number | null
    offline: boolean
    incidentSince: string | null
    punches: number
    refusals: number
    lastRefusalReason: { code: string; name: string } | null
    missingRecords: number
    gaps: string
    clockOffsetSeconds: number | null
    recent: RejectedView[]
  }>
}

interface RejectedData extends LayoutData {
  projectName: string
  nav: ReturnType<typeof deskNav>
  rows: RejectedView[]
  nextUrl?: string
}

interface FrameData extends LayoutData {
  projectName: string
  nav: ReturnType<typeof deskNav>
  r: RejectedView
  frame: { text: string; encoding: string }
  keptBytes: number
  backUrl: string
}

export async function deviceDeskRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { roster, punches } = services
  const rule = services.deviceWatch.rule

  app.get<{ Params: { projectId: string } }>(
    '/pages/projects/:projectId/desk/devices',
    { config: { policy }, schema: { hide: true, params: deskParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId } = req.params
      const project = await roster.project(projectId)
      const nowMs = services.clock.nowMs()
      // The same reading as GET …/devices/health with its defaults.
      const health = await projectDeviceHealth(
        {
          project: (id) => roster.project(id),
          listDevices: (id) => roster.listDevices(id),
          deviceSamplesSince: (id, since) => punches.deviceSamplesSince(id, since),
          lastPunchOfDevice: (id, deviceId) => punches.lastPunchOfDevice(id, deviceId),
          refusalsByDeviceSince: (id, since) => punches.refusalsByDeviceSince(id, since),
          contactsOf: (id) => services.deviceWatch.contactsOf(id),
        },
        projectId,
        { nowMs, windowHours: WINDOW_HOURS, offlineAfterMinutes: rule.offlineAfterMinutes, siteHours: rule.siteHours, gapsMax: 20 },
      )
      const open = new Map([...(await services.deviceWatch.openIncidents(projectId)).values()].map((i) => [i.serial, i]))
      // The newest refusals of the project, shared out to their devices (a page of the same listing as the API's).
      const recent = (await punches.listRejected({ projectId, limit: REJECTED_PER_PAGE })).map((r) => ({ meta: r, view: rejectedView(r, projectId, project.timeZone) }))
      const local = (ms: number | null): string => (ms === null ? '从未' : `${workDateOf(ms, project.timeZone)} ${localTimeOf(ms, project.timeZone)}`)
      req.accessRecordIds = recent.map((r) => String(r.meta.id))
      return sendPage<DevicesData>(reply, 200, 'desk-devices', {
        title: `考勤设备 · ${project.name}`,
        signedIn: signedInOf(p),
        stylesheets: ['desk.css'],
        projectName: project.name,
        nav: deskNav(projectId, p, 'devices'),
        windowHours: WINDOW_HOURS,
        devices: health.map((h) => {
          const incident = open.get(h.serial)
          return {
            serial: h.serial,
            model: h.model,
            lastSeen: local(h.lastSeenAtMs),
            lastContactKind: h.lastContactKind,
            silentMinutes: h.silentMinutes,
            offline: h.offline,
            incidentSince: incident ? local(incident.silentSinceMs) : null,
            punches: h.punches,
            refusals: h.refusals,
            lastRefusalReason: h.lastRefusalReason === null ? null : { code: h.lastRefusalReason, name: rejectReasonName(h.lastRefusalReason) },
            missingRecords: h.missingRecords,
            gaps: h.gaps.map((g) => (g.from === g.to ? String(g.from) : `${g.from}–${g.to}`)).join('、'),
            clockOffsetSeconds: h.clockOffsetSeconds,
            recent: recent.filter((r) => r.meta.deviceSerial === h.serial).slice(0, REFUSALS_PER_DEVICE).map((r) => r.view),
          }
        }),
      })
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: { before?: number } }>(
    '/pages/projects/:projectId/desk/rejected',
    { config: { policy }, schema: { hide: true, params: deskParams, querystring: { type: 'object', properties: { before: rowId } } } },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId } = req.params
      const project = await roster.project(projectId)
      const rows = await punches.listRejected({ projectId, beforeId: req.query.before, limit: REJECTED_PER_PAGE + 1 })
      const page = rows.slice(0, REJECTED_PER_PAGE)
      const last = page[page.length - 1]
      req.accessRecordIds = page.map((r) => String(r.id))
      return sendPage<RejectedData>(reply, 200, 'desk-rejected', {
        title: `拒收记录 · ${project.name}`,
        signedIn: signedInOf(p),
        stylesheets: ['desk.css'],
        projectName: project.name,
        nav: deskNav(projectId, p, 'rejected'),
        rows: page.map((r) => rejectedView(r, projectId, project.timeZone)),
        nextUrl: rows.length > REJECTED_PER_PAGE && last ? `${deskPath(projectId)}/rejected?before=${last.id}` : undefined,
      })
    },
  )

  app.get<{ Params: { projectId: string; id: number } }>(
    '/pages/projects/:projectId/desk/rejected/:id',
    {
      config: { policy },
      schema: { hide: true, params: { type: 'object', properties: { projectId: idParam, id: rowId }, required: ['projectId', 'id'], additionalProperties: false } },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId, id } = req.params
      const project = await roster.project(projectId)
      const [meta, kept] = await Promise.all([punches.rejectedById(id), punches.rejectedPayload(id)])
      // Another project's refusal answers as a missing one, as GET /api/rejected-inputs/{id} does out of scope.
      if (!meta || !kept) throw new AppError('rejected_input_not_found', { id })
      if (meta.projectId !== projectId) throw outOfScope('rejected_input_not_found', { id })
      req.accessRecordIds = [String(id)]
      return sendPage<FrameData>(reply, 200, 'desk-rejected-frame', {
        title: `拒收记录 #${id}`,
        signedIn: signedInOf(p),
        stylesheets: ['desk.css'],
        projectName: project.name,
        nav: deskNav(projectId, p, 'rejected'),
        r: rejectedView(meta, projectId, project.timeZone),
        frame: frameText(maskBytes(kept.payload, { accountRuns: isBankFile(meta) })),
        keptBytes: kept.payload.length,
        backUrl: `${deskPath(projectId)}/rejected`,
      })
    },
  )
}
