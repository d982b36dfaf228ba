/**
 * Listings are bounded and light, and counts are per month, over the real service (embedded broker, the run's database engine,
 * HTTP): every list answers at most LIMITS.page_size_max rows and links to the next page only when more follow;
 * rejected inputs are listed without their bytes, which are served one input at a time; a refusal is filed under the
 * project of the device that sent it; re-sends and refusals count in the month they were received; /payroll uses
 * the timesheet's names.
 */
import mqtt from 'mqtt'
import t from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth } from '../../simulators/site.ts'
import type { Api } from '../../simulators/api.ts'
import { failure, settled, startTestServer } from '../helpers/server.ts'

/** Fetches a listing page by page through `Link: rel="next"`, keeping each page's size. */
async function walk<T>(api: Api, path: string): Promise<{ rows: T[]; pageSizes: number[] }> {
  const rows: T[] = []
  const pageSizes: number[] = []
  for (let next: string | undefined = path; next !== undefined; ) {
    const res = await api.fetch(next)
    if (!res.ok) throw new Error(`${next}: HTTP ${res.status} ${await res.text()}`)
    const body = (await res.json()) as T[] | T
    const page = Array.isArray(body) ? body : [body]
    rows.push(...page)
    pageSizes.push(page.length)
    next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
  }
  return { rows, pageSizes }
}

t.test('listings, counts per month and payroll names', async (t) => {
  // The month of October is replayed on 5 November.
  const clock = new ManualClock(Date.UTC(2026, 10, 5, 2, 0, 0))
  const server = await startTestServer(t, { clock })
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, workers: 16, teams: 2, seed: 29 })
  const site = await registerSite(api, plan)
  const month = simulateMonth(plan)
  await publishFrames(server.mqttUrl, month.frames, { secrets: site.secrets })
  const P = `/api/projects/${site.projectId}`
  const siteCode = plan.spec.siteCode
  const connectGate = (serial: string) =>
    mqtt.connectAsync(server.mqttUrl, { clientId: serial, username: serial, password: site.secrets.get(serial), clean: true, reconnectPeriod: 0 })

  // A gate with broken firmware floods the site with refusals of 2 KB each, then a frame too large to be a punch and
  // a frame on a topic that is not its punch topic (the broker closes the connection for that one).
  const flood = 230
  const broken = await connectGate('GT-02')
  for (let i = 0; i < flood; i++) await broken.publishAsync(`wl/v1/${siteCode}/GT-02/punch`, Buffer.alloc(2_000, 0x61 + (i % 26)), { qos: 1 })
  const tooLarge = Buffer.alloc(LIMITS.punch_payload_bytes_max + 808, 0x7b)
  await broken.publishAsync(`wl/v1/${siteCode}/GT-02/punch`, tooLarge, { qos: 1 })
  const cut = new Promise<void>((resolve) => broken.once('close', () => resolve()))
  broken.on('error', () => {})
  broken.publish(`wl/v1/${siteCode}/GT-02/status`, Buffer.from('{"battery":80}'), { qos: 1 })
  await cut
  broken.end(true)
  await settled(server)
  const refusedBySim = Object.values(month.expected.rejected).reduce((a, b) => a + b, 0)

  type Rejected = { id: number; reason: string; projectId: string | null; deviceSerial: string | null; payloadBytes: number; payloadTruncated: boolean; payloadUrl: string } & Record<string, unknown>

  t.test('rejected inputs: metadata in pages, bytes one input at a time', async (t) => {
    t.match(await failure(api.get(`/api/rejected-inputs?limit=${LIMITS.page_size_max + 1}`)), { status: 400, code: 'validation_failed' }, 'no page larger than the maximum')

    const { rows, pageSizes } = await walk<Rejected>(api, `/api/rejected-inputs?projectId=${site.projectId}&limit=50`)
    t.equal(rows.length, refusedBySim + flood + 2, 'walking the pages lists every refusal of the project once')
    t.ok(pageSizes.every((n) => n <= 50) && pageSizes.slice(0, -1).every((n) => n === 50), `pages of 50 and a last one (${pageSizes.join(', ')})`)
    t.ok(rows.every((r, i) => i === 0 || r.id < (rows[i - 1] as Rejected).id), 'newest first, no row twice')
    t.ok(rows.every((r) => !('payload' in r) && !('payloadBase64' in r) && !('payloadText' in r)), 'no payload in a listing')
    t.ok(rows.every((r) => r.payloadUrl === `/api/rejected-inputs/${r.id}/payload`))

    const all = await walk<Rejected>(api, `/api/rejected-inputs`)
    t.equal(all.pageSizes[0], 100, 'the default page is 100 rows')
    const last = await api.fetch(`/api/rejected-inputs?projectId=${site.projectId}&limit=${rows.length}`)
    t.equal(last.headers.get('link'), null, 'a page with nothing after it links nowhere')

    const big = rows.find((r) => r.reason === 'payload_too_large')
    t.ok(big, 'the frame too large is kept')
    t.match(big, { projectId: site.projectId, deviceSerial: 'GT-02', payloadBytes: tooLarge.length, payloadTruncated: false }, "filed under the project of its device")
    t.same(await api.get(`/api/rejected-inputs/${big!.id}`), big, 'one input by its id: the same metadata')
    const res = await api.fetch(big!.payloadUrl)
    t.equal(res.status, 200)
    t.equal(res.headers.get('content-type'), 'application/octet-stream')
    t.match(res.headers.get('content-disposition'), new RegExp(`attachment; filename="rejected-${big!.id}\\.txt"`), 'with a file name')
    t.same(Buffer.from(await res.arrayBuffer()), tooLarge, 'its bytes as they came')

    const status = rows.find((r) => r.reason === 'publish_not_allowed')
    t.match(status, { projectId: site.projectId, deviceSerial: 'GT-02' }, 'a frame on another topic of the site is filed under the project too')
    const garbled = rows.find((r) => r.reason === 'malformed_payload')
    t.equal((await api.fetch(garbled!.payloadUrl)).headers.get('x-content-type-hint'), 'text/plain; charset=utf-8', 'a hint of what the bytes are')

    t.match(await failure(api.get('/api/rejected-inputs/987654')), { status: 404, code: 'rejected_input_not_found' })
    t.equal((await api.fetch('/api/rejected-inputs/987654/payload')).status, 404)
  })

  t.test("a day's punches: pages in device-time order that join up", async (t) => {
    const day = `${plan.spec.month}-14`
    const whole = await api.get<Array<{ id: number; deviceTime: string }>>(`${P}/punches?date=${day}&limit=${LIMITS.page_size_max}`)
    t.ok(whole.length > 7 && whole.length < LIMITS.page_size_max, `${whole.length} punches that day`)
    const { rows, pageSizes } = await walk<{ id: number; deviceTime: string }>(api, `${P}/punches?date=${day}&limit=7`)
    t.same(rows, whole, 'the pages of 7 put together are the day')
    t.equal(pageSizes.length, Math.ceil(whole.length / 7))
    t.ok(rows.every((p, i) => i === 0 || p.deviceTime >= (rows[i - 1] as { deviceTime: string }).deviceTime), 'in device-time order')
    t.match(await failure(api.get(`${P}/punches?date=${day}&after=987654321`)), { status: 400, code: 'cursor_not_found' })
  })

  t.test('attendance flags: pages that join up', async (t) => {
    const whole = await api.get<unknown[]>(`${P}/attendance-flags/${plan.spec.month}?limit=${LIMITS.page_size_max}`)
    t.ok(whole.length > 3, `${whole.length} flags`)
    const { rows } = await walk<unknown>(api, `${P}/attendance-flags/${plan.spec.month}?limit=2`)
    t.same(rows, whole)
    t.match(await failure(api.get(`${P}/attendance-flags/${plan.spec.month}?after=nonsense`)), { status: 400, code: 'validation_failed' })
  })

  t.test("a project's and a team's month: workers in pages that join up", async (t) => {
    type ProjectMonth = { workerCount: number; next: string | null; teams: unknown[]; workers: Array<{ workerId: string }> }
    const whole = await api.get<ProjectMonth>(`${P}/timesheets/${plan.spec.month}?limit=${LIMITS.page_size_max}`)
    t.equal(whole.workers.length, whole.workerCount)
    t.equal(whole.next, null)
    const workers: Array<{ workerId: string }> = []
    for (let after: string | null | undefined; after !== null; ) {
      const page: ProjectMonth = await api.get<ProjectMonth>(`${P}/timesheets/${plan.spec.month}?limit=3${after ? `&after=${after}` : ''}`)
      t.same(page.teams, whole.teams, 'every team on every page')
      workers.push(...page.workers)
      after = page.next
    }
    t.same(workers, whole.workers, 'pages of 3 put together are the month')

    type TeamMonth = { workerCount: number; next: string | null; workers: Array<{ workerId: string; name: string }> }
    const teamId = site.teamIds[0] as string
    const team = await api.get<TeamMonth>(`${P}/teams/${teamId}/timesheets/${plan.spec.month}`)
    t.ok(team.workerCount > 2 && team.workers.length === team.workerCount && team.next === null)
    const { rows } = await walk<TeamMonth>(api, `${P}/teams/${teamId}/timesheets/${plan.spec.month}?limit=2`)
    t.same(
      rows.flatMap((r) => r.workers),
      team.workers,
      "the team's pages of 2, followed by Link, are the team by name",
    )
  })

  t.test('payroll: the timesheet names, in pages', async (t) => {
    type Line = { workerId: string; creditHalves: number; credit: string; adjustmentHalves: number; dueHalves: number; dueDays: string; workedMinutes: number; dailyRateFen: number; dueFen: number } & Record<string, unknown>
    type Page = { workerCount: number; totalDueFen: number; next: string | null; workers: Line[] }
    const lines: Line[] = []
    let pages = 0
    let first: Page | undefined
    for (let after: string | null | undefined; after !== null; ) {
      const page: Page = await api.get<Page>(`${P}/payroll/${plan.spec.month}?limit=2${after ? `&after=${after}` : ''}`)
      first ??= page
      lines.push(...page.workers)
      after = page.next
      pages++
    }
    t.equal(lines.length, first!.workerCount, 'walking next lists every worker once')
    t.equal(pages, Math.ceil(first!.workerCount / 2))
    t.equal(new Set(lines.map((l) => l.workerId)).size, lines.length)

    const timesheet = await api.get<{ workers: Array<{ workerId: string; totals: { creditHalves: number; credit: string; workedMinutes: number; daysPresent: number } }> }>(`${P}/timesheets/${plan.spec.month}`)
    const totals = new Map(timesheet.workers.map((w) => [w.workerId, w.totals]))
    for (const l of lines) {
      const ts = totals.get(l.workerId)
      t.notOk('daysPresent' in l, 'no daysPresent: across the API it means days with status present')
      t.same([l.creditHalves, l.credit, l.workedMinutes], [ts?.creditHalves, ts?.credit, ts?.workedMinutes], 'the same names mean the same figures as the timesheet')
      t.equal(l.dueHalves, l.creditHalves + l.adjustmentHalves)
      t.equal(l.dueFen, (l.dailyRateFen * l.dueHalves) / 2)
    }
    const summary = await api.get<{ dueHalves: number; dueDays: string; workedMinutes: number; creditHalves: number }>(`${P}/summary/${plan.spec.month}`)
    t.equal(summary.dueHalves, lines.reduce((n, l) => n + l.dueHalves, 0))
    t.equal(summary.workedMinutes, lines.reduce((n, l) => n + l.workedMinutes, 0))
    t.equal(summary.dueDays, String(summary.dueHalves / 2))
  })

  t.test('re-sends and refusals count in the month they were received', async (t) => {
    type Summary = { punches: number; duplicates: number; rejectedByReason: Record<string, number> }
    const october = await api.get<Summary>(`${P}/summary/2026-10`)
    t.equal(october.punches, month.expected.punches, "October's punches are October's")
    t.same([october.duplicates, october.rejectedByReason], [0, {}], 'nothing was received in October')
    const november = await api.get<Summary>(`${P}/summary/2026-11`)
    t.equal(november.duplicates, month.expected.duplicates)
    t.same(november.rejectedByReason, { ...month.expected.rejected, malformed_payload: (month.expected.rejected.malformed_payload ?? 0) + flood, payload_too_large: 1, publish_not_allowed: 1 })

    // 3 December, 07:30 in Shanghai (23:30 UTC on the 2nd): a gate re-sends a record and another sends an empty frame.
    clock.set(Date.UTC(2026, 11, 2, 23, 30, 0))
    const resent = month.frames.find((f) => f.kind === 'punch' && f.serial !== 'FT-02')!
    const gate = await connectGate(resent.serial)
    await gate.publishAsync(resent.topic, resent.payload, { qos: 1 })
    await gate.endAsync()
    const other = await connectGate('FT-02')
    await other.publishAsync(`wl/v1/${siteCode}/FT-02/punch`, Buffer.from('{}'), { qos: 1 })
    await other.endAsync()
    await settled(server)
    const december = await api.get<Summary>(`${P}/summary/2026-12`)
    t.same([december.duplicates, december.rejectedByReason], [1, { malformed_payload: 1 }], "December counts December's, by the date in the project's zone")
    t.same(await api.get<Summary>(`${P}/summary/2026-11`), november, 'November keeps its own')
  })
})
