/**
 * `npm run demo`: a simulated site's month on the embedded defaults.
 * Starts the service (real SQLite file, embedded MQTT broker over TCP, HTTP),
 * registers a site, publishes a month of gate and face-terminal punches over
 * MQTT while a simulated Dahua terminal streams its events to the service,
 * has the bank simulator post a GBK payout result file, reports the roster,
 * attendance and payroll to a simulated provincial real-name platform, and
 * prints the month's summary with every flag. Then the bureau's early warning:
 * a month of other departments' signals imported, a worker's complaint from
 * their page routed as a clue, and the region's projects ranked by risk. The service keeps running afterwards
 * (Ctrl-C stops it); DEMO_EXIT=1 makes it exit after the summary.
 *
 * Everything authenticates as it would on a real site: the demo's own calls
 * use an admin API key, each device its MQTT secret from registration, and
 * the demo prints one login per role to try the API (or the pages) with.
 */
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { NewLogin } from '../src/access/service.ts'
import { loadConfig } from '../src/config/env.ts'
import { parseUpstreamConfig } from '../src/config/upstream.ts'
import { formatYuan, fen, sumFen } from '../src/kernel/money.ts'
import { addDays, monthOf, workDateOf } from '../src/kernel/time.ts'
import { startServer } from '../src/server.ts'
import { Api, ApiError } from './api.ts'
import { DEMO_DIR_DEFAULT, DemoDirRefused, prepareDemoDir } from './demo-dir.ts'
import { UpstreamPlatform } from './upstream-platform.ts'
import { bankResultFile } from './bank.ts'
import { returnNotification } from './bank-returns.ts'
import { fundAccount, instruct, lodgeDeposit, payrollSheet, reviewAndConfirm } from './payroll.ts'
import { HikvisionTerminal } from './hikvision.ts'
import { DahuaDevice } from './dahua.ts'
import { codecFor } from '../devices/registry.ts'
import { ZkAdmsTerminal } from './zkteco.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth, SITE_BANK_CODE, type RegisteredSite, type SitePlan } from './site.ts'
import { creditCode } from './identities.ts'
import { Rng } from './random.ts'

async function portOr0(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(0))
    s.listen(port, host, () => s.close(() => resolve(port)))
  })
}

/**
 * The devices that speak HTTP as they ship: a ZKTeco terminal (ADMS) at the dormitory gate and a Hikvision face
 * terminal at the canteen, installed on the first day of the next month; their first morning's records, pushed as the
 * firmware pushes them (a door event among them, which is no punch). The pay month's attendance is untouched.
 */
async function httpDevices(api: Api, deviceUrl: string, plan: SitePlan, site: RegisteredSite): Promise<string> {
  const day = addDays(`${plan.spec.month}-01`, 40).slice(0, 8) + '01'
  const installedAt = `${addDays(day, -1)}T00:00:00+08:00`
  await api.post(`/api/projects/${site.projectId}/devices`, { serial: 'ZK-01', model: 'zkteco-adms', settings: {}, location: '宿舍区门口', installedAt })
  await api.post(`/api/projects/${site.projectId}/devices`, { serial: 'HK-01', model: 'hikvision-isapi', settings: {}, location: '食堂', installedAt })
  const workers = plan.workers.slice(0, 6)
  const zk = new ZkAdmsTerminal(deviceUrl, 'ZK-01')
  await zk.handshake()
  workers.forEach((w, i) => zk.record({ pin: w.deviceUserId, time: `${day} 06:${String(40 + i).padStart(2, '0')}:12`, status: 0, verify: 15 }))
  const zkSent = await zk.pushAll()
  const hik = new HikvisionTerminal(deviceUrl, 'HK-01')
  workers.slice(0, 3).forEach((w, i) => hik.record({ employeeNo: w.deviceUserId, dateTime: `${day}T11:3${i}:05+08:00`, major: 5, minor: 75 }))
  hik.record({ employeeNo: null, dateTime: `${day}T11:35:00+08:00`, major: 5, minor: 21 })
  const hikSent = await hik.pushAll()
  return `Devices over HTTP (${deviceUrl}), installed ${day}: ZKTeco ZK-01 (ADMS) pushed ${zkSent.acked} ATTLOG records, answered OK after the commit; Hikvision HK-01 (ISAPI) pushed ${hikSent.acked} events with their pictures (dropped), the door event counted and not stored`
}

/** The environment variable the demo's Dahua terminal's password is read from, as an operator would set one. */
const DAHUA_PASSWORD_ENV = 'WL_DEMO_DAHUA_DH01_PASSWORD'

/**
 * A Dahua face terminal beside the east gate (devices/dahua-access), which the service attaches to (eventManager
 * stream, Digest): registered with connect settings, connected at once (RunningServer.connectDevices; the service
 * would otherwise find it within a minute). During the month it writes an Entry for every tenth worker passing GT-01
 * inwards, 20 s after the gate did: `emitUpTo` is called as the month's frames are published, so its events stream in
 * alongside them. Each is a repeat of the gate's in-punch within the debounce window, so the days are unchanged.
 */
async function dahuaTerminal(api: Api, server: Awaited<ReturnType<typeof startServer>>, plan: SitePlan, site: RegisteredSite, month: ReturnType<typeof simulateMonth>) {
  const password = randomBytes(12).toString('base64url')
  process.env[DAHUA_PASSWORD_ENV] = password
  const device = new DahuaDevice({ serial: 'DH-01', password, heartbeatMs: 1_000 })
  await device.listen()
  const installedAt = new Date(Date.UTC(Number(plan.spec.month.slice(0, 4)), Number(plan.spec.month.slice(5, 7)) - 2, 1)).toISOString()
  await api.post(`/api/projects/${site.projectId}/devices`, {
    serial: 'DH-01',
    model: 'dahua-access',
    settings: { connect: { url: device.url, username: 'admin', passwordEnv: DAHUA_PASSWORD_ENV } },
    location: '东大门人脸识别',
    installedAt,
  })
  await server.connectDevices()
  for (let i = 0; device.attached === 0; i++) {
    if (i > 200) throw new Error('the service did not attach to the demo Dahua terminal within 2 s')
    await new Promise((r) => setTimeout(r, 10))
  }
  const gate = codecFor('gate-ts200')!
  const ctx = { serial: 'GT-01', timeZone: plan.spec.timeZone, settings: plan.devices.find((d) => d.serial === 'GT-01')?.settings ?? {} }
  // The gate reads ID cards; the face terminal knows each worker by the user id they were enrolled under.
  const userIdOf = new Map(plan.workers.map((w) => [w.idNumber, w.deviceUserId]))
  // Frame index → the Entry to write once that frame is published.
  const entries: Array<{ after: number; userId: string; atMs: number }> = []
  let seen = 0
  month.frames.forEach((f, i) => {
    if (f.serial !== 'GT-01' || f.kind !== 'punch') return
    const decoded = gate.decode(f.payload, ctx)
    if (!decoded.ok || decoded.punch.direction !== 'in' || decoded.punch.person.kind !== 'id_number') return
    const userId = userIdOf.get(decoded.punch.person.value)
    if (userId !== undefined && seen++ % 10 === 0) entries.push({ after: i, userId, atMs: decoded.punch.deviceTimeMs + 20_000 })
  })
  let next = 0
  return {
    device,
    emitted: () => next,
    /** Writes the entries due once `done` frames are published. */
    emitUpTo(done: number) {
      while (next < entries.length && entries[next]!.after < done) {
        const e = entries[next++]!
        device.emit({ userId: e.userId, atMs: e.atMs, method: 15, type: 'Entry' })
      }
    },
  }
}

/** Waits (at most 5 s) until the Dahua terminal's events are stored, and says what became of them. */
async function dahuaStored(api: Api, site: RegisteredSite, emitted: number): Promise<string> {
  type Health = { serial: string; punches: number; lastContactKind: string | null }
  let dh: Health | undefined
  for (let i = 0; i < 500; i++) {
    dh = (await api.get<Health[]>(`/api/projects/${site.projectId}/devices/health?windowHours=1`)).find((h) => h.serial === 'DH-01')
    if (dh && dh.punches >= emitted) break
    await new Promise((r) => setTimeout(r, 10))
  }
  return `Dahua DH-01 (eventManager stream, Digest): ${emitted} Entry events streamed during the month, ${dh?.punches ?? 0} stored as punches (each repeats GT-01's in-punch 20 s before: debounced, the days unchanged); last contact ${dh?.lastContactKind ?? 'none'}`
}

/**
 * The bureau's early warning on the demo's month (issue 15). Two more projects of the same district are registered
 * (no workers yet: their labour managers have not started), so the ranking has something to rank; the month's signals
 * of other departments are imported as the platform operator receives them (one subcontractor of the site owes social
 * insurance, one other contractor had its power cut off); the demo worker complains from their page, and the complaint
 * is checked, routed to the construction bureau and received there; then the month's risk index runs and the
 * district's projects are printed in its order with what raised each.
 */
async function earlyWarning(api: Api, baseUrl: string, plan: SitePlan, site: RegisteredSite, worker: { login: string; password: string }): Promise<string[]> {
  type Id = { id: string }
  const out: string[] = []
  const rng = new Rng(plan.spec.seed + 15)
  // The index of a month is what was known at its end: the last month ended, which holds the demo month's pay date.
  const month = monthOf(addDays(`${workDateOf(Date.now(), plan.spec.timeZone).slice(0, 7)}-01`, -1))
  const cu = await api.post<Id>('/api/organisations', { kind: 'construction_unit', name: '杭州市西湖区教育发展中心', creditCode: creditCode(rng) })
  const others = [
    { siteCode: 'HZ-XH-2026-031', name: '西湖区文新小学扩建工程', gc: { name: '杭州东恒建设有限公司', creditCode: creditCode(rng) }, account: '19045101040022222' },
    { siteCode: 'HZ-XH-2026-044', name: '西溪路商业综合体一期', gc: { name: '浙江中拓建工有限公司', creditCode: creditCode(rng) }, account: '19045101040033333' },
  ]
  for (const o of others) {
    const gc = await api.post<Id>('/api/organisations', { kind: 'general_contractor', ...o.gc })
    await api.post('/api/projects', {
      siteCode: o.siteCode,
      name: o.name,
      regionCode: '330106',
      timeZone: plan.spec.timeZone,
      payDay: plan.spec.payDay,
      constructionUnitId: cu.id,
      generalContractorId: gc.id,
      account: { bank: '中国农业银行杭州西湖支行', bankCode: SITE_BANK_CODE, no: o.account, name: `${o.gc.name}${o.name}农民工工资专用账户` },
    })
  }
  // The departments' month, as the platform operator receives it (CSV, the headers as their exports title them).
  const owing = plan.subcontractors[0]!
  const cutOff = others[1]!.gc
  const csv = [
    '统一社会信用代码,单位名称,预警类型,来源部门,所属期,金额,等级',
    `${owing.creditCode},${owing.name},欠缴社保,杭州市社会保险管理服务中心,${month},86420.00,较重`,
    `${cutOff.creditCode},${cutOff.name},停电,国网杭州供电公司,${month},,严重`,
  ].join('\r\n')
  const imported = await api.request<{ outcome: string; import: { rowCount: number } }>('POST', `/api/signals/imports?filename=${encodeURIComponent(`联合预警-${month}.csv`)}&reason=${encodeURIComponent('月度联合预警数据')}`, Buffer.from(csv, 'utf8'), 'text/csv')
  out.push(`Outside signals (联合预警) of ${month} imported: ${imported.import.rowCount} rows (${imported.outcome}) — ${owing.name} owes social insurance, ${cutOff.name} had its power cut off`)

  // The worker complains from their own page (signed in as a worker's phone would be), about the month's pay.
  const session = await fetch(`${baseUrl}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: worker.login, password: worker.password, mode: 'cookie' }) })
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const complained = await fetch(`${baseUrl}/w/${site.projectId}/me/complaint`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ month: plan.spec.month, text: '十月份有三天出勤没有记上，工资少发了' }).toString(),
    redirect: 'manual',
  })
  if (complained.status !== 303) throw new Error(`the worker's complaint was not taken (HTTP ${complained.status})`)
  type Clue = { id: string; channel: string; state: string; clocks: Array<{ clock: string; dueOn: string; metAt: string | null; overdue: boolean }> }
  const clue = (await api.get<Clue[] | { clues: Clue[] }>(`/api/clues`))
  const list = Array.isArray(clue) ? clue : clue.clues
  const fromPage = list.find((c) => c.channel === 'worker_page')
  if (!fromPage) throw new Error('the complaint did not become a clue')
  await api.post(`/api/clues/${fromPage.id}/steps`, { type: 'checked', cause: 'real_name_failure', note: '考勤机记录缺失三天，班组未按实名制考勤' })
  await api.post(`/api/clues/${fromPage.id}/steps`, { type: 'routed', to: 'construction_bureau', note: '实名制管理问题，移交住建部门' })
  const routed = await api.post<Clue>(`/api/clues/${fromPage.id}/steps`, { type: 'bureau_received' })
  out.push(
    `Complaint from ${plan.workers[0]?.name}'s page became a clue (欠薪线索): checked (real-name failure), routed to the construction bureau, received there — now ${routed.state}; clocks: ${routed.clocks.map((c) => `${c.clock} due ${c.dueOn}${c.metAt ? ', met' : c.overdue ? ', OVERDUE' : ''}`).join('; ')}`,
  )

  // The month's risk index, and the district's projects in its order.
  await api.post('/api/risk/runs', { month })
  type Score = { name: string | null; subjectId: string; score: string; level: string; parts: Array<{ part: string; points: number; reasons: Array<{ points: number; why: string }> }> }
  const ranked = await api.get<{ scores: Score[] }>(`/api/risk/projects?month=${month}&limit=10`)
  out.push(`Risk index (欠薪风险指数) of ${month} (pay month ${plan.spec.month} due in it), the district's projects highest first:`)
  for (const [i, sc] of ranked.scores.entries()) {
    const reasons = sc.parts.flatMap((p) => p.reasons).sort((a, b) => b.points - a.points).slice(0, 3).map((r) => `${r.why} (+${(r.points / 10).toFixed(1)})`)
    out.push(`  ${i + 1}. ${padEnd(sc.name ?? sc.subjectId, 34)} ${pad(sc.score, 5)} ${padEnd(sc.level, 7)}${reasons.join('; ')}`)
  }
  // The demo replays the pay month today: its bank results and open cases are of today, after the month scored.
  out.push(`  (the index of ${month} holds what was known by its last day; the arrears the bank's files showed today count in ${monthOf(workDateOf(Date.now(), plan.spec.timeZone))}'s, and the bureau overview ranks by today's figures: ${baseUrl}/pages/oversight)`)
  return out
}

/** The simulated platform's credentials: a real one's come from the province (UPSTREAM_CONFIG_FILE). */
const DEMO_PLATFORM = { appId: '330106202612010001', appSecret: randomBytes(24).toString('base64url').slice(0, 32), batchSize: 500 }

/**
 * The site's reporting settings as an operator's UPSTREAM_CONFIG_FILE would hold them: Zhejiang's platform (province
 * 33), the project under its site code, each subcontractor under the number the platform gave it. The timings are
 * short so that the month drains while the demo runs (a real platform is asked every 10 s).
 */
function upstreamConfigOf(plan: SitePlan, endpoint: string) {
  return parseUpstreamConfig({
    provinces: { 33: { endpoint, appId: DEMO_PLATFORM.appId, appSecret: DEMO_PLATFORM.appSecret, batchSize: DEMO_PLATFORM.batchSize } },
    projects: { [plan.spec.siteCode]: { projectCode: `33010620261${plan.spec.siteCode.slice(-3)}`, subcontractors: Object.fromEntries(plan.subcontractors.map((s, i) => [s.creditCode, String(101 + i).padStart(6, '0')])) } },
    passMs: 100,
    pollMs: 100,
  })
}

/**
 * Waits (at most 60 s) until everything the site queued for the platform has its verdict, and says what was accepted
 * and what was refused with the platform's reasons (GET …/upstream, as a labour manager reads it).
 */
async function upstreamReport(api: Api, services: Services, site: RegisteredSite, platformUrl: string): Promise<string> {
  type Upstream = { kinds: Array<{ kind: string; counts: Record<string, number> }>; refused: Array<{ kind: string; reason: string | null }> }
  const path = `/api/projects/${site.projectId}/upstream`
  // What the after-commit steps queued is in; the sweep adds the labour manager's corrections (manual punches).
  await services.upstream.reporter.idle()
  await services.upstream.reporter.sweep()
  let u = await api.get<Upstream>(path)
  const waiting = (x: Upstream) => x.kinds.reduce((n, k) => n + (k.counts.queued ?? 0) + (k.counts.sending ?? 0) + (k.counts.sent ?? 0), 0)
  for (let i = 0; i < 600 && waiting(u) > 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    u = await api.get<Upstream>(path)
  }
  const accepted = u.kinds.map((k) => `${k.kind} ${k.counts.accepted ?? 0}`).join(', ')
  const refused = u.refused.map((r) => `${r.kind}: ${r.reason}`)
  return [
    `Reported upstream to the provincial real-name platform (simulated at ${platformUrl}): accepted ${accepted}${waiting(u) > 0 ? `; ${waiting(u)} still waiting` : ''}`,
    refused.length === 0 ? '  nothing refused' : `  refused ${refused.length}: ${refused.slice(0, 3).join('; ')}`,
    `  (the month is replayed after the fact, so its days count as reported late once the watch runs: UPSTREAM_LATE)`,
  ].join('\n')
}

function bar(done: number, total: number): string {
  const width = 30
  const filled = Math.round((done / total) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round((done / total) * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} frames`
}

const pad = (s: string | number, n: number): string => String(s).padStart(n)
const padEnd = (s: string, n: number): string => {
  // CJK characters take two columns in a terminal.
  const width = [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0)
  return s + ' '.repeat(Math.max(0, n - width))
}

type Services = Awaited<ReturnType<typeof startServer>>['services']

/** One login per role on the demo's project, made directly through the access service; each with what it may do. */
async function demoLogins(services: Services, plan: SitePlan, site: RegisteredSite): Promise<Array<{ login: string; password: string; hint: string }>> {
  const project = await services.roster.project(site.projectId)
  const team = (await services.roster.listTeams(site.projectId))[0]
  const worker = plan.workers[0]
  if (!team || !worker) throw new Error('the demo site has no team or no worker')
  const logins: Array<{ user: Omit<NewLogin, 'password'>; hint: string }> = [
    { user: { login: 'admin', displayName: '平台管理员', role: 'admin' }, hint: 'the platform operator: everything, users and keys; every use is logged' },
    {
      user: { login: 'labour-manager', displayName: '劳资专管员 王芳', role: 'labour_manager', organisationId: project.generalContractorId },
      hint: `the GC's labour manager: roster, devices, corrections, confirmations, payroll and flags of ${plan.spec.siteCode}`,
    },
    {
      user: { login: 'team-manager', displayName: '班组长 张强', role: 'team_manager', organisationId: team.employerId },
      hint: `a subcontractor's team manager: its teams' roster, corrections and payroll sheets (${team.name} and its siblings)`,
    },
    { user: { login: 'bank', displayName: '农业银行代发专员', role: 'bank', bankCode: SITE_BANK_CODE }, hint: `the agency bank (${SITE_BANK_CODE}): posts result files and reads payment instructions of its accounts` },
    { user: { login: 'auditor', displayName: '西湖区住建局 监督员', role: 'auditor', regionCode: project.regionCode }, hint: `an inspector of region ${project.regionCode}: reads everything there, changes nothing` },
    { user: { login: 'worker', displayName: worker.name, role: 'worker', workerId: site.workerIds.get(worker.key) }, hint: `the worker ${worker.name}: their own attendance and pay` },
  ]
  const made = []
  for (const { user, hint } of logins) {
    const password = randomBytes(12).toString('base64url')
    await services.access.createUser({ ...user, password }, 'demo')
    made.push({ login: user.login, password, hint })
  }
  return made
}

async function main(): Promise<void> {
  const started = Date.now()
  const base = loadConfig()
  // Its own folder, never the service's DATA_DIR: the demo deletes its previous run's files there (demo-dir.ts).
  const dataDir = process.env.DEMO_DIR || DEMO_DIR_DEFAULT
  prepareDemoDir(dataDir)
  const config = {
    ...base,
    databaseUrl: `file:${dataDir}/wage-ledger.db`,
    // The embedded defaults whatever the shell exports for a real service: the demo must not publish to a real
    // broker, change its accounts (dynamic security) or take and move real bank files from a watched inbox.
    mqttUrl: undefined,
    mqttUsername: undefined,
    mqttPassword: undefined,
    mqttDynsec: false,
    mqttHttpAuthSecret: undefined,
    payoutInboxDir: undefined,
    httpPort: await portOr0(base.httpPort, base.host),
    mqttPort: await portOr0(base.mqttPort, base.mqttHost),
    deviceHttpPort: await portOr0(base.deviceHttpPort, base.host),
  }
  // The province's real-name platform (信息共享), simulated on a free port; the site is configured to report to it.
  const platform = new UpstreamPlatform({ appId: DEMO_PLATFORM.appId, appSecret: DEMO_PLATFORM.appSecret, batchSizeMax: DEMO_PLATFORM.batchSize, pendingQueries: 1 })
  const platformUrl = await platform.listen()
  const plan = planSite(DEFAULT_SITE)
  config.upstream = upstreamConfigOf(plan, platformUrl)
  const server = await startServer(config, { logger: false })
  // The demo's own calls act as the platform operator, with a key made in-process (`npm run admin` on a real one).
  const { key } = await server.services.access.createKey({ name: 'demo', role: 'admin', days: 1 }, 'demo')
  const api = new Api(server.httpUrl, key)
  console.log(`wage-ledger demo: service up — HTTP ${server.httpUrl}, MQTT ${server.mqttUrl}, database ${config.databaseUrl}`)

  const site = await registerSite(api, plan)
  console.log(`Registered site ${plan.spec.siteCode}: ${plan.workers.length} workers in ${plan.teams.length} teams, ${plan.devices.length} devices (2 gates, 2 face terminals), each with its MQTT secret`)
  const logins = await demoLogins(server.services, plan, site)

  const month = simulateMonth(plan)
  console.log(`Publishing ${plan.spec.month} over MQTT: ${month.frames.length} frames (incl. ${month.expected.duplicates} re-sent, ${month.expected.offlineSerial} offline on ${month.expected.offlineDay} replaying at the end, strangers, a garbled frame, an unregistered gate)`)
  const dahua = await dahuaTerminal(api, server, plan, site, month)
  const tty = process.stdout.isTTY
  let lastPct = -1
  const { refused } = await publishFrames(server.mqttUrl, month.frames, {
    secrets: site.secrets,
    onProgress: (done, total) => {
      dahua.emitUpTo(done)
      const pct = Math.floor((done / total) * 100)
      if (pct === lastPct) return
      lastPct = pct
      if (tty) process.stdout.write(`\r${bar(done, total)}`)
      else if (pct % 10 === 0) console.log(bar(done, total))
    },
  })
  if (tty) process.stdout.write('\n')
  if (refused.length > 0) console.log(`Refused at CONNECT (no credentials): ${refused.join(', ')}`)
  dahua.emitUpTo(month.frames.length)
  console.log(await dahuaStored(api, site, dahua.emitted()))
  console.log(await httpDevices(api, server.deviceUrl, plan, site))

  // ---- the month's money: timesheets confirmed, sheets made and answered, the account funded, the bank instructed ----
  const teamList = await api.get<Array<{ id: string; name: string }>>(`/api/projects/${site.projectId}/teams`)
  let reviewed = 0
  for (const t of teamList) reviewed += (await reviewAndConfirm(api, site.projectId, t.id, plan.spec.month)).reviewed
  console.log(`Timesheets confirmed for ${teamList.length} teams (${reviewed} days the gates left incomplete settled by the labour manager first)`)
  // What is due, read once the timesheets are confirmed: the summary's total reads the same state, so the team rows add up.
  type DuePage = { payDate: string; next: string | null; workers: Array<{ workerId: string; name: string; teamId: string; dueFen: number; dueHalves: number; daysIncomplete: number }> }
  const payrollPath = `/api/projects/${site.projectId}/payroll/${plan.spec.month}?limit=200`
  const due = await api.get<DuePage>(payrollPath)
  for (let next = due.next; next !== null; ) {
    const page = await api.get<DuePage>(`${payrollPath}&after=${encodeURIComponent(next)}`)
    due.workers.push(...page.workers)
    next = page.next
  }
  // One worker disputes the sheet (异议): their line is held, the rest of the team is paid.
  const disputer = plan.workers[1] ? site.workerIds.get(plan.workers[1].key) : undefined
  const sheets = []
  for (const t of teamList) {
    sheets.push(
      await payrollSheet({ teamManager: api, labourManager: api, worker: () => api, answersOnPaper: true }, site.projectId, t, plan.spec.month, (workerId) =>
        workerId === disputer ? { decision: 'dispute', note: '加班两天未计入' } : { decision: 'confirm' },
      ),
    )
  }
  const approvedNet = sheets.reduce((n, s) => n + s.netFen, 0)
  console.log(`Payroll sheets (工资支付表) made, sent, answered (${sheets.reduce((n, s) => n + s.disputed, 0)} dispute), submitted and approved: ${sheets.length} teams, 实发 ¥${formatYuan(fen(approvedNet))}`)
  const projectRow = await server.services.roster.project(site.projectId)
  const bankKey = await server.services.access.createKey({ name: 'bank simulator', role: 'bank', bankCode: SITE_BANK_CODE, days: 1 }, 'demo')
  const bankApi = new Api(server.httpUrl, bankKey.key)
  const funding = await fundAccount(
    api,
    bankApi,
    site.projectId,
    { bank: projectRow.accountBank, bankCode: SITE_BANK_CODE, accountNo: projectRow.accountNo, accountName: projectRow.accountName },
    plan.spec.month,
    approvedNet,
    plan.constructionUnit.name,
  )
  console.log(`Dedicated account's opening (开户证明) registered; labour cost for ${plan.spec.month} due ${funding.dueOn}, arrived ${funding.arrivedOn} (the bank's statement, CSV)`)
  await lodgeDeposit(api, site.projectId, projectRow.generalContractorId, workDateOf(Date.now(), plan.spec.timeZone))
  // Who the rights board names (维权信息登记): without it the board says 未登记 for the labour manager and the local line.
  await api.post(`/api/projects/${site.projectId}/contacts`, {
    labourManagerName: '王建国',
    labourManagerPhone: '13800001111',
    localComplaintName: '西湖区劳动保障监察大队',
    localComplaintPhone: '0571-85101234',
    reason: '项目开工登记',
  })
  console.log(`Rights board contacts registered: print it at ${server.httpUrl}/pages/projects/${site.projectId}/rights-board, or show ${server.httpUrl}/kiosk/${site.projectId}/rights-board at the gate`)
  const instructed = []
  for (const t of teamList) instructed.push(await instruct(api, site.projectId, t.id, plan.spec.month))
  const lines = instructed.flatMap((i) => i.lines)
  writeFileSync(`${dataDir}/${instructed[0]?.msgId ?? 'instruction'}.pain001.xml`, instructed[0]?.pain001 ?? '')
  writeFileSync(`${dataDir}/${instructed[0]?.msgId ?? 'instruction'}.cmb-agency.txt`, instructed[0]?.agencyFile ?? '')
  console.log(
    `Bank instructed (代发指令): ${instructed.length} pain.001.001.09 messages and GBK 代发 files, ${lines.length} payments, ¥${formatYuan(sumFen(lines.map((l) => fen(l.amountFen))))} (the disputed line held); the first team's are in ${dataDir}/`,
  )
  const nameOf = new Map(plan.workers.map((w) => [site.workerIds.get(w.key) as string, w.name]))
  const bank = bankResultFile(
    plan,
    site,
    { payDate: due.payDate, workers: lines.map((l) => ({ workerId: l.workerId, name: nameOf.get(l.workerId) ?? l.payeeName, dueFen: l.amountFen })) },
    plan.spec.seed + 2,
    new Map(lines.map((l) => [l.workerId, l.endToEndId])),
  )
  // The bank posts with a key of its own, as a bank's system would: scoped to the accounts at its bank (联行号).
  const posted = await bankApi.request<{ outcome: string; file: { lineCount: number } }>(
    'POST',
    `/api/projects/${site.projectId}/payout-files?period=${plan.spec.month}&filename=ABC-${plan.spec.month}-result.txt&postedBy=bank-simulator`,
    bank.file,
    'text/plain',
  )
  console.log(`Bank posted its GBK result file: ${posted.file.lineCount} lines (${posted.outcome})`)
  // Three days after the pay date the bank's camt.054 reports one booked payment back (退票): the account was closed.
  const back = bank.lines.find((l) => l.status === 'success' && l.endToEndId !== undefined && l.endToEndId !== null)
  if (back?.endToEndId) {
    const notification = returnNotification({
      msgId: `ABC-RTN-${due.payDate.replace(/-/g, '')}`,
      accountNo: projectRow.accountNo,
      bookedOn: addDays(due.payDate, 3),
      returns: [{ endToEndId: back.endToEndId, card: back.payeeCard, name: back.payeeName, amountFen: back.amountFen, reason: 'AC04', text: '收款账户已销户' }],
    })
    const returned = await bankApi.request<{ file: { format: string; returnedCount: number } }>('POST', `/api/projects/${site.projectId}/payout-files?period=${plan.spec.month}&filename=camt054-returns.xml&postedBy=bank-simulator`, notification, 'application/xml')
    console.log(`Bank posted its ${returned.file.format} notification: ${returned.file.returnedCount} payment returned (退票, AC04 收款账户已销户) for ${back.payeeName}`)
  }

  // Three payments were booked short (the bank's planted fault): instructing each team's sheet again sends those workers
  // the difference (补发), counted from what the bank booked; a team with nobody short has nothing to instruct (409).
  // The bank has not booked the differences yet, so their SHORTFALL flags below still stand.
  const topUps = []
  for (const t of teamList) {
    try {
      topUps.push(...(await api.post<{ lines: Array<{ workerId: string; payeeName: string; amountFen: number }> }>(`/api/projects/${site.projectId}/teams/${t.id}/payroll-sheets/${plan.spec.month}/instruction`, {})).lines)
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err
    }
  }
  console.log(
    `Short payments topped up (补发): the sheets instructed again, ${topUps.length} lines of the difference, ${topUps.map((l) => `${nameOf.get(l.workerId) ?? l.payeeName} ¥${formatYuan(fen(l.amountFen))}`).join(', ') || 'none'} (SHORTFALL stands until the bank books them)`,
  )

  console.log(await upstreamReport(api, server.services, site, platformUrl))

  type Summary = {
    payDate: string
    workers: number
    dueDays: string
    daysIncomplete: number
    dueFen: number
    paidFen: number
    unknownPaidFen: number
    shortFen: number
    flagsByKind: Record<string, number>
    punches: number
    duplicates: number
    rejectedByReason: Record<string, number>
  }
  const summary = await api.get<Summary>(`/api/projects/${site.projectId}/summary/${plan.spec.month}`)
  // Re-sends and refusals count in the month they were received: the demo replays a past month today.
  const receivedMonth = workDateOf(Date.now(), plan.spec.timeZone).slice(0, 7)
  const received = receivedMonth === plan.spec.month ? summary : await api.get<Summary>(`/api/projects/${site.projectId}/summary/${receivedMonth}`)
  const flags = await api.get<{ flags: Array<{ kind: string; workerId: string | null; workerName: string | null; payeeCardMasked: string | null; dueFen: number | null; paidFen: number | null; evidence?: Record<string, unknown> }> }>(
    `/api/projects/${site.projectId}/flags/${plan.spec.month}`,
  )
  const teams = await api.get<Array<{ id: string; name: string }>>(`/api/projects/${site.projectId}/teams`)

  const flagged = new Set(flags.flags.map((f) => f.workerId).filter(Boolean))
  console.log(`\nMonth summary — ${plan.spec.siteCode}, pay month ${plan.spec.month}, pay date ${summary.payDate}`)
  const header = `${padEnd('team', 12)}${pad('workers', 8)}${pad('days', 7)}${pad('incompl.', 9)}${pad('due ¥', 14)}${pad('flagged', 8)}`
  console.log(header)
  console.log('-'.repeat(header.length))
  for (const t of teams) {
    const ws = due.workers.filter((w) => w.teamId === t.id)
    console.log(
      `${padEnd(t.name, 12)}${pad(ws.length, 8)}${pad(ws.reduce((s, w) => s + w.dueHalves, 0) / 2, 7)}${pad(ws.reduce((s, w) => s + w.daysIncomplete, 0), 9)}${pad(formatYuan(sumFen(ws.map((w) => fen(w.dueFen)))), 14)}${pad(ws.filter((w) => flagged.has(w.workerId)).length, 8)}`,
    )
  }
  console.log('-'.repeat(header.length))
  console.log(`${padEnd('total', 12)}${pad(summary.workers, 8)}${pad(summary.dueDays, 7)}${pad(summary.daysIncomplete, 9)}${pad(formatYuan(fen(summary.dueFen)), 14)}${pad(flagged.size, 8)}`)
  console.log(`\nDue ¥${formatYuan(fen(summary.dueFen))}   paid to enrolled workers ¥${formatYuan(fen(summary.paidFen))}   short ¥${formatYuan(fen(summary.shortFen))}   paid to unknown cards ¥${formatYuan(fen(summary.unknownPaidFen))}`)
  console.log(`Punches stored ${summary.punches}; received in ${receivedMonth}: re-sends counted ${received.duplicates}, refused: ${Object.entries(received.rejectedByReason).map(([r, n]) => `${r} ${n}`).join(', ')}`)
  // Everything the demo sent was received within the hour: the health view's window counts each device's punches.
  const byDevice = await api.get<Array<{ serial: string; model: string; punches: number; offline: boolean }>>(`/api/projects/${site.projectId}/devices/health?windowHours=1`)
  console.log(`Punches by device: ${byDevice.map((d) => `${d.serial} (${d.model}) ${d.punches}`).join(', ')}`)
  const attendance = await api.getAll<{ kind: string }>(`/api/projects/${site.projectId}/attendance-flags/${plan.spec.month}?limit=200`)
  const attendanceByKind: Record<string, number> = {}
  for (const f of attendance) attendanceByKind[f.kind] = (attendanceByKind[f.kind] ?? 0) + 1
  const policy = await api.get<{ incompleteDay: string }>(`/api/projects/${site.projectId}/attendance-policy`)
  console.log(
    `Timesheet: ${Object.entries(attendanceByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing to review'} (incomplete days: ${policy.incompleteDay}${policy.incompleteDay === 'needs_review' ? ', they earn nothing until a labour manager corrects them' : ''})`,
  )
  console.log('\nFlags by kind:')
  for (const [kind, n] of Object.entries(summary.flagsByKind)) {
    console.log(`  ${padEnd(kind, 24)}${pad(n, 3)}`)
    for (const f of flags.flags.filter((x) => x.kind === kind).slice(0, 4)) {
      if (f.workerId === null && f.payeeCardMasked === null) {
        // A flag of the project or a team, not of a worker: its evidence says what.
        const e = f.evidence ?? {}
        const facts = ['teamName', 'periodId', 'dueOn', 'daysLate', 'checkOn', 'balanceYuan', 'requiredYuan', 'shortYuan', 'expiresOn', 'reference', 'workerCount', 'attendedCount', 'withoutPayoutCount']
          .filter((k) => e[k] !== undefined && e[k] !== null)
          .map((k) => `${k} ${String(e[k])}`)
        console.log(`      ${facts.join(', ')}`)
        continue
      }
      const who = f.workerName ?? `card ${f.payeeCardMasked}`
      const money = [f.dueFen !== null ? `due ¥${formatYuan(fen(f.dueFen))}` : '', f.paidFen !== null ? `paid ¥${formatYuan(fen(f.paidFen))}` : ''].filter(Boolean).join(', ')
      console.log(`      ${padEnd(who, 14)} ${money}`)
    }
  }
  const cases = await api.get<Array<{ state: string; severity: string; kind: string }>>(`/api/projects/${site.projectId}/cases?month=${plan.spec.month}`)
  const workerLogin = logins.find((l) => l.login === 'worker')!
  const warning = await earlyWarning(api, server.httpUrl, plan, site, workerLogin)
  const count = (f: (c: (typeof cases)[number]) => boolean) => cases.filter(f).length
  console.log(`\nFlag cases (预警案件) of ${plan.spec.month}: ${count((c) => c.state === 'open')} open (${count((c) => c.state === 'open' && c.severity === 'red')} red, ${count((c) => c.state === 'open' && c.severity === 'yellow')} yellow); each is taken, worked and closed at /api/projects/${site.projectId}/cases?month=${plan.spec.month}`)
  console.log(`\nThe bureau's early warning (预警):`)
  for (const line of warning) console.log(line)
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
  console.log(`Explore: ${server.httpUrl}/docs · ${server.httpUrl}/api/projects/${site.projectId}/flags/${plan.spec.month} · ${server.httpUrl}/api/rejected-inputs`)
  console.log(`Attendance sheet (考勤表) of ${teams[0]?.name}: ${server.httpUrl}/api/projects/${site.projectId}/teams/${teams[0]?.id}/timesheets/${plan.spec.month}/attendance-sheet.html`)
  console.log(`\nLogins (one per role; POST ${server.httpUrl}/api/session {"login","password"} gives a bearer token, or a cookie with "mode":"cookie"):`)
  for (const l of logins) console.log(`  ${padEnd(l.login, 16)}${padEnd(l.password, 18)}${l.hint}`)

  if (process.env.DEMO_EXIT === '1') {
    await server.close()
    await dahua.device.close()
    await platform.close()
    return
  }
  console.log('The service keeps running; Ctrl-C stops it.')
  const stop = () => void server.close().then(() => dahua.device.close()).then(() => platform.close()).then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(err instanceof DemoDirRefused ? `wage-ledger demo: ${err.message}` : err)
  process.exit(1)
})
