/**
 * A simulated construction site: organisations, a project, teams of workers,
 * gates and face terminals, and a month of the punches those devices would
 * publish — with the faults real sites have: missing outs, re-sent records, a
 * terminal offline for a day that replays later, strangers at the face
 * terminal, a garbled frame, and a device nobody registered.
 */
import mqtt from 'mqtt'
import { zonedToUtcMs, datesOfMonth } from '../src/kernel/time.ts'
import type { Api } from './api.ts'
import { cardNumber, creditCode, idNumber, personName, phone } from './identities.ts'
import { Rng } from './random.ts'

export interface SiteSpec {
  seed: number
  siteCode: string
  month: string
  workers: number
  teams: number
  timeZone: string
  payDay: number
}

export const DEFAULT_SITE: SiteSpec = {
  seed: 20261001,
  siteCode: 'HZ-XH-2026-017',
  month: '2026-10',
  workers: 120,
  teams: 6,
  timeZone: 'Asia/Shanghai',
  payDay: 10,
}

const TEAM_TRADES = [
  ['钢筋班', '钢筋工'],
  ['木工班', '木工'],
  ['混凝土班', '混凝土工'],
  ['架子工班', '架子工'],
  ['水电班', '电工'],
  ['泥瓦班', '砌筑工'],
  ['油漆班', '油漆工'],
  ['焊工班', '电焊工'],
] as const

export interface PlannedWorker {
  key: string
  name: string
  idNumber: string
  cardNo: string
  phone: string
  trade: string
  team: number
  dailyRate: string
  deviceUserId: string
}

export interface PlannedDevice {
  serial: string
  /** A model of devices/registry.ts: the MQTT ones (gate-ts200, face-fr900, canonical) or the HTTP families'. */
  model: 'gate-ts200' | 'face-fr900' | 'canonical' | 'zkteco-adms' | 'hikvision-isapi' | 'dahua-access'
  settings: Record<string, unknown>
  location: string
}

export interface SitePlan {
  spec: SiteSpec
  constructionUnit: { name: string; creditCode: string }
  generalContractor: { name: string; creditCode: string }
  subcontractors: Array<{ name: string; creditCode: string }>
  teams: Array<{ name: string; subcontractor: number }>
  workers: PlannedWorker[]
  devices: PlannedDevice[]
  /** A labour boss (包工头) with a card of his own and no enrolment: the misdirected-payment case. */
  labourBoss: { name: string; cardNo: string }
}

export function planSite(spec: SiteSpec = DEFAULT_SITE): SitePlan {
  const rng = new Rng(spec.seed)
  const subcontractors = [
    { name: '浙江恒建劳务有限公司', creditCode: creditCode(rng) },
    { name: '杭州宏达建筑劳务分包有限公司', creditCode: creditCode(rng) },
  ]
  const teams = Array.from({ length: spec.teams }, (_, i) => ({ name: TEAM_TRADES[i % TEAM_TRADES.length]![0], subcontractor: i % subcontractors.length }))
  const workers: PlannedWorker[] = Array.from({ length: spec.workers }, (_, i) => {
    const team = i % spec.teams
    const key = `W${String(i + 1).padStart(4, '0')}`
    return {
      key,
      name: personName(rng),
      idNumber: idNumber(rng, i + 1),
      cardNo: cardNumber(spec.seed % 1000 * 100_000 + i + 1),
      phone: phone(rng),
      trade: TEAM_TRADES[team % TEAM_TRADES.length]![1],
      team,
      dailyRate: `${rng.pick([280, 300, 320, 350, 380, 420, 450])}.${rng.pick(['00', '00', '50'])}`,
      deviceUserId: key,
    }
  })
  return {
    spec,
    constructionUnit: { name: '杭州城投置业有限公司', creditCode: creditCode(rng) },
    generalContractor: { name: '浙江省建工集团有限责任公司', creditCode: creditCode(rng) },
    subcontractors,
    teams,
    workers,
    devices: [
      { serial: 'GT-01', model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, location: '东大门' },
      { serial: 'GT-02', model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, location: '西大门' },
      { serial: 'FT-01', model: 'face-fr900', settings: {}, location: '生活区门口' },
      { serial: 'FT-02', model: 'face-fr900', settings: {}, location: '项目部' },
    ],
    labourBoss: { name: personName(rng), cardNo: cardNumber(999_999_000 + (spec.seed % 1000)) },
  }
}

export interface RegisteredSite {
  projectId: string
  /** Planned worker key → worker id. */
  workerIds: Map<string, string>
  teamIds: string[]
  /** Device serial → its MQTT secret, as registration returned it (once). */
  secrets: Map<string, string>
}

/** The bank code (联行号) of the site's dedicated account: an Agricultural Bank of China branch. */
export const SITE_BANK_CODE = '103331000011'

/** The dedicated account number of the README's site (HZ-XH-2026-017). */
export const SITE_ACCOUNT_NO = '19045101040012345'

/**
 * The site's dedicated account number: the README's for its site, else one of the site code's own. A project is
 * created with its dedicated account, and an account number is one project's (creating a second project with it is
 * refused), so two sites of one server need two numbers.
 */
export function siteAccountNo(siteCode: string): string {
  if (siteCode === DEFAULT_SITE.siteCode) return SITE_ACCOUNT_NO
  let h = 0
  for (const c of siteCode) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0
  return `1904510199${String(h % 10_000_000).padStart(7, '0')}`
}

/** Registers the plan through the HTTP API, as a labour manager's back office would. */
export async function registerSite(api: Api, plan: SitePlan): Promise<RegisteredSite> {
  type Id = { id: string }
  const cu = await api.post<Id>('/api/organisations', { kind: 'construction_unit', ...plan.constructionUnit })
  const gc = await api.post<Id>('/api/organisations', { kind: 'general_contractor', ...plan.generalContractor })
  const subs = []
  for (const s of plan.subcontractors) subs.push(await api.post<Id>('/api/organisations', { kind: 'subcontractor', ...s }))
  const project = await api.post<Id>('/api/projects', {
    siteCode: plan.spec.siteCode,
    name: '杭州市西湖区之江路安置房二期工程',
    regionCode: '330106',
    timeZone: plan.spec.timeZone,
    payDay: plan.spec.payDay,
    constructionUnitId: cu.id,
    generalContractorId: gc.id,
    account: { bank: '中国农业银行杭州西湖支行', bankCode: SITE_BANK_CODE, no: siteAccountNo(plan.spec.siteCode), name: `${plan.generalContractor.name}之江路安置房二期工程农民工工资专用账户` },
  })
  const teamIds: string[] = []
  for (const t of plan.teams) teamIds.push((await api.post<Id>(`/api/projects/${project.id}/teams`, { name: t.name, employerId: subs[t.subcontractor]!.id })).id)
  const workerIds = new Map<string, string>()
  const entryDate = `${plan.spec.month}-01`
  await Promise.all(
    plan.workers.map(async (w) => {
      const worker = await api.post<Id>('/api/workers', {
        name: w.name,
        idNumber: w.idNumber,
        phone: w.phone,
        trade: w.trade,
        bankName: '中国农业银行',
        cardNo: w.cardNo,
      })
      workerIds.set(w.key, worker.id)
      await api.post(`/api/projects/${project.id}/enrolments`, {
        workerId: worker.id,
        teamId: teamIds[w.team],
        deviceUserId: w.deviceUserId,
        dailyRate: w.dailyRate,
        safetyTrained: true,
        contractNo: `HT-${plan.spec.siteCode}-${w.key}`,
        entryDate,
      })
    }),
  )
  const installedAt = new Date(Date.UTC(Number(plan.spec.month.slice(0, 4)), Number(plan.spec.month.slice(5, 7)) - 2, 1)).toISOString()
  const secrets = new Map<string, string>()
  for (const d of plan.devices) {
    const registered = await api.post<{ mqtt: { password: string } }>(`/api/projects/${project.id}/devices`, { ...d, installedAt })
    secrets.set(d.serial, registered.mqtt.password)
  }
  return { projectId: project.id, workerIds, teamIds, secrets }
}

export type FrameKind = 'punch' | 'duplicate' | 'replay' | 'stranger' | 'malformed' | 'unknown_device'

export interface SimFrame {
  serial: string
  /** The device's record id (gate seq, face RecordID); undefined for frames that carry none readable. */
  recordId: string | undefined
  topic: string
  payload: Buffer
  kind: FrameKind
  deviceTimeMs: number
}

export interface SimMonth {
  frames: SimFrame[]
  /**
   * What the service should end up with, behind a broker that authenticates devices (the embedded one): the
   * unregistered gate is refused at CONNECT, so its frames never reach the service. A broker that lets it in
   * (anonymous) adds its frames as `unknown_device`.
   */
  expected: {
    punches: number
    duplicates: number
    rejected: Record<string, number>
    offlineDay: string
    offlineSerial: string
    /** The gate nobody registered, and how many frames it tries to publish. */
    unregistered: { serial: string; frames: number }
  }
}

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** A month of frames in the order the devices publish them (replays of the offline day last). */
export function simulateMonth(plan: SitePlan): SimMonth {
  const rng = new Rng(plan.spec.seed + 1)
  const { month, timeZone, siteCode } = plan.spec
  const seq = new Map<string, number>()
  const nextSeq = (serial: string): number => {
    const n = (seq.get(serial) ?? 1000) + 1
    seq.set(serial, n)
    return n
  }
  const workDays = datesOfMonth(month).filter((d) => {
    const [y, m, day] = d.split('-').map(Number) as [number, number, number]
    return new Date(Date.UTC(y, m - 1, day)).getUTCDay() !== 0 // sites work Monday to Saturday
  })
  const offlineDay = workDays[Math.floor(workDays.length / 3)] as string
  const offlineSerial = 'FT-02'

  interface Punch { serial: string; timeMs: number; build: (seq: number) => object; local: string }
  const punches: Punch[] = []
  const at = (date: string, minutesOfDay: number): { ms: number; local: string } => {
    const [y, m, d] = date.split('-').map(Number) as [number, number, number]
    const hour = Math.floor(minutesOfDay / 60)
    const minute = minutesOfDay % 60
    const second = rng.int(0, 59)
    return { ms: zonedToUtcMs({ year: y, month: m, day: d, hour, minute, second }, timeZone), local: `${date} ${pad2(hour)}:${pad2(minute)}:${pad2(second)}` }
  }
  const gateFrame = (serial: string, w: PlannedWorker, lane: number, ms: number) => (s: number) => ({ sn: serial, seq: s, lane, idNo: w.idNumber, ts: Math.floor(ms / 1000), mode: 'card' })
  const faceFrame = (serial: string, personId: string, local: string) => (s: number) => ({
    operator: 'RecPush',
    info: { DeviceID: serial, RecordID: String(s), PersonID: personId, CreateTime: local, VerifyType: 'face', Similarity: '93.1' },
  })

  let expectedPunches = 0
  for (const date of workDays) {
    for (const w of plan.workers) {
      if (!rng.chance(0.92)) continue // rest day, sick day
      const useFace = rng.chance(0.4)
      const serial = useFace ? rng.pick(['FT-01', 'FT-02']) : rng.pick(['GT-01', 'GT-02'])
      const inAt = at(date, rng.int(6 * 60 + 20, 7 * 60 + 30))
      const outAt = at(date, rng.int(17 * 60, 18 * 60 + 30))
      const missingOut = rng.chance(0.03)
      if (useFace) {
        punches.push({ serial, timeMs: inAt.ms, local: inAt.local, build: faceFrame(serial, w.deviceUserId, inAt.local) })
        if (!missingOut) punches.push({ serial, timeMs: outAt.ms, local: outAt.local, build: faceFrame(serial, w.deviceUserId, outAt.local) })
      } else {
        punches.push({ serial, timeMs: inAt.ms, local: inAt.local, build: gateFrame(serial, w, 1, inAt.ms) })
        if (!missingOut) punches.push({ serial, timeMs: outAt.ms, local: outAt.local, build: gateFrame(serial, w, 2, outAt.ms) })
      }
      expectedPunches += missingOut ? 1 : 2
    }
    // Strangers at the face terminal: visitors, a worker from the next site over.
    if (rng.chance(0.25)) {
      const t = at(date, rng.int(7 * 60, 16 * 60))
      punches.push({ serial: 'FT-01', timeMs: t.ms, local: t.local, build: faceFrame('FT-01', '-1', t.local) })
    }
  }
  punches.sort((a, b) => a.timeMs - b.timeMs)

  const live: SimFrame[] = []
  const replay: SimFrame[] = []
  const rejected: Record<string, number> = {}
  let duplicates = 0
  for (const p of punches) {
    const frame = p.build(nextSeq(p.serial))
    const isStranger = 'info' in frame && (frame as { info: { PersonID: string } }).info.PersonID === '-1'
    const recordId = String('seq' in frame ? frame.seq : (frame as { info: { RecordID: string } }).info.RecordID)
    const sim: SimFrame = {
      serial: p.serial,
      recordId,
      topic: `wl/v1/${siteCode}/${p.serial}/punch`,
      payload: Buffer.from(JSON.stringify(frame)),
      kind: isStranger ? 'stranger' : 'punch',
      deviceTimeMs: p.timeMs,
    }
    if (isStranger) rejected.unknown_worker = (rejected.unknown_worker ?? 0) + 1
    if (p.serial === offlineSerial && p.local.startsWith(offlineDay)) {
      replay.push({ ...sim, kind: isStranger ? 'stranger' : 'replay' })
      continue
    }
    live.push(sim)
    // A lost PUBACK makes the device send the same record again.
    if (!isStranger && rng.chance(0.02)) {
      live.push({ ...sim, kind: 'duplicate' })
      duplicates++
    }
  }
  // A frame garbled on the wire, and a gate nobody registered.
  const mid = Math.floor(live.length / 2)
  const garbled = live[mid] as SimFrame
  live.splice(mid, 0, { ...garbled, recordId: undefined, kind: 'malformed', payload: garbled.payload.subarray(0, garbled.payload.length - 7) })
  rejected.malformed_payload = 1
  live.splice(mid + 10, 0, {
    serial: 'GT-99',
    recordId: '1',
    topic: `wl/v1/${siteCode}/GT-99/punch`,
    kind: 'unknown_device',
    deviceTimeMs: garbled.deviceTimeMs,
    payload: Buffer.from(JSON.stringify({ sn: 'GT-99', seq: 1, lane: 1, idNo: plan.workers[0]!.idNumber, ts: Math.floor(garbled.deviceTimeMs / 1000), mode: 'card' })),
  })

  return { frames: [...live, ...replay], expected: { punches: expectedPunches, duplicates, rejected, offlineDay, offlineSerial, unregistered: { serial: 'GT-99', frames: 1 } } }
}

/**
 * Publishes frames as the devices would: one MQTT connection per device
 * (client id = username = serial, password = its secret), QoS 1, each device
 * in its own order, a bounded number of records in flight per device. Replays
 * go after the live month. A device with no secret (the unregistered gate)
 * tries without a password; when the broker refuses it, its frames are not
 * sent and its serial is listed in `refused`.
 */
export async function publishFrames(
  mqttUrl: string,
  frames: SimFrame[],
  opts: { secrets: ReadonlyMap<string, string>; inFlightPerDevice?: number; onProgress?: (sent: number, total: number) => void },
): Promise<{ acked: number; refused: string[] }> {
  const inFlight = opts.inFlightPerDevice ?? 100
  const live = frames.filter((f) => f.kind !== 'replay')
  const replays = frames.filter((f) => f.kind === 'replay')
  let acked = 0
  const refused = new Set<string>()
  const total = frames.length
  const phase = async (batch: SimFrame[]): Promise<void> => {
    const bySerial = new Map<string, SimFrame[]>()
    for (const f of batch) {
      const list = bySerial.get(f.serial)
      if (list) list.push(f)
      else bySerial.set(f.serial, [f])
    }
    await Promise.all(
      [...bySerial.entries()].map(async ([serial, list]) => {
        if (refused.has(serial)) return
        const password = opts.secrets.get(serial)
        let client: mqtt.MqttClient
        try {
          client = await mqtt.connectAsync(mqttUrl, { clientId: serial, username: serial, password, clean: true, reconnectPeriod: 0 })
        } catch (err) {
          // CONNACK 4 (bad user name or password) or 5 (not authorized): a broker that checks who connects.
          if (password === undefined && [4, 5].includes((err as { code?: number }).code ?? 0)) {
            refused.add(serial)
            return
          }
          throw err
        }
        try {
          let next = 0
          const worker = async (): Promise<void> => {
            while (next < list.length) {
              const f = list[next++] as SimFrame
              await client.publishAsync(f.topic, f.payload, { qos: 1 })
              acked++
              opts.onProgress?.(acked, total)
            }
          }
          await Promise.all(Array.from({ length: Math.min(inFlight, list.length) }, worker))
        } finally {
          await client.endAsync()
        }
      }),
    )
  }
  await phase(live)
  await phase(replays)
  return { acked, refused: [...refused] }
}
