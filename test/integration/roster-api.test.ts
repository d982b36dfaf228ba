/**
 * The roster API over real HTTP: identities checked, personal data masked, unknown fields refused; repeats answer
 * the stored record; every list paged; a device's installation time corrected, clearing what it marked suspect.
 */
import t from 'tap'
import type { Api } from '../../simulators/api.ts'
import { creditCode, cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, type SimFrame } from '../../simulators/site.ts'
import { LIMITS } from '../../src/config/limits.ts'
import { ManualClock, parseLocalDateTime } from '../../src/kernel/time.ts'
import { idCheckChar } from '../../src/roster/identity.ts'
import { failure, settled, startTestServer } from '../helpers/server.ts'

const rng = new Rng(42)
const id17 = '33010619900101123'
const ID = id17 + idCheckChar(id17)

t.test('roster', async (t) => {
  const { api } = await startTestServer(t)

  t.match(await failure(api.post('/api/organisations', { kind: 'subcontractor', name: 'x', creditCode: '91330106MA2H0X0X01' })), { status: 400, code: 'invalid_credit_code' })
  const cu = await api.post<{ id: string }>('/api/organisations', { kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
  const gcCode = creditCode(rng)
  const gc = await api.post<{ id: string }>('/api/organisations', { kind: 'general_contractor', name: '总包', creditCode: gcCode })
  const gcAgain = await api.fetch('/api/organisations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'general_contractor', name: '总包', creditCode: gcCode }) })
  t.equal(gcAgain.status, 200, 'a repeat creates nothing: 200, not 201')
  t.equal(((await gcAgain.json()) as { id: string }).id, gc.id, 'registering the same organisation twice returns the first')
  const sub = await api.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })

  const projectBody = { siteCode: 'S-1', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '19045101040012345', name: '专户' } }
  t.match(await failure(api.post('/api/projects', { ...projectBody, constructionUnitId: gc.id })), { status: 400, code: 'organisation_wrong_kind' })
  t.match(await failure(api.post('/api/projects', { ...projectBody, timeZone: 'Mars/Olympus' })), { status: 400, code: 'invalid_time_zone' })
  const project = await api.post<{ id: string; timeZone: string }>('/api/projects', projectBody)
  t.equal(project.timeZone, 'Asia/Shanghai', 'the default zone')
  t.match(await api.post('/api/projects', projectBody), { id: project.id }, 'the same project again answers the first (test/roster/registration-repeat.test.ts)')
  t.match(await failure(api.post('/api/projects', { ...projectBody, payDay: 15 })), { status: 409, code: 'project_site_code_exists', details: { differs: ['payDay'] } })

  const team = await api.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: '钢筋班', employerId: sub.id })
  t.match(await api.post(`/api/projects/${project.id}/teams`, { name: ' 钢筋班 ', employerId: sub.id }), { id: team.id }, 'the same team again answers the first (test/roster/team-repeat.test.ts)')

  const workerBody = { name: '张伟', idNumber: ID, bankName: '农行', cardNo: cardNumber(1), phone: '13812345678' }
  t.match(await failure(api.post('/api/workers', { ...workerBody, idNumber: ID.slice(0, 17) + (ID.endsWith('0') ? '1' : '0') })), {
    status: 400,
    code: 'invalid_id_number',
    details: { problem: 'check_digit' },
  })
  t.match(await failure(api.post('/api/workers', { ...workerBody, wage: '100.00' })), { status: 400, code: 'validation_failed' }, 'unknown properties are refused, not stripped')
  const worker = await api.post<Record<string, unknown>>('/api/workers', workerBody)
  t.equal(worker.idNumberMasked, '330106********' + ID.slice(-4))
  t.equal(worker.cardMasked, '****' + cardNumber(1).slice(-4))
  t.equal(worker.phoneMasked, '138****5678')
  t.notOk(JSON.stringify(worker).includes(ID), 'the full ID number never leaves in a reply')
  t.notOk(JSON.stringify(await api.get('/api/workers')).includes(cardNumber(1)), 'nor the card number in lists')

  // A client that lost the reply registers again and gets the worker back: lists mask ID numbers, so nothing else finds it.
  const post = (body: unknown) => api.fetch('/api/workers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const again = await post(workerBody)
  t.equal(again.status, 200, 'the same ID number and facts: 200 with the worker already registered')
  t.same(await again.json(), worker)
  const spaced = await post({ ...workerBody, name: ' 张伟 ', cardNo: cardNumber(1).replace(/(\d{4})/g, '$1 ').trim(), phone: undefined })
  t.equal(spaced.status, 200, 'spacing is not a difference, and a fact left out is not compared')
  t.equal(((await spaced.json()) as { id: string }).id, worker.id)
  const clash = await failure(api.post('/api/workers', { ...workerBody, name: '张玮', cardNo: cardNumber(2) }))
  t.match(clash, { status: 409, code: 'worker_exists_with_different_facts', details: { workerId: worker.id, differs: ['name', 'cardNo'] } }, 'different facts: refused, naming the record and the fields')
  t.notOk(JSON.stringify(clash).includes(cardNumber(1)) || JSON.stringify(clash).includes(ID), 'never the stored values')
  t.equal((await api.get<Array<{ id: string }>>('/api/workers')).length, 1, 'one person, one record')

  const enrolBody = { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-10-01', deviceUserId: 'W1' }
  t.match(await failure(api.post(`/api/projects/${project.id}/enrolments`, { ...enrolBody, dailyRate: 350 })), { status: 400, code: 'validation_failed' }, 'money as a JSON number is refused')
  t.match(
    await failure(api.post(`/api/projects/${project.id}/enrolments`, { ...enrolBody, dailyRate: '35000.00' })),
    { status: 400, code: 'validation_failed', details: [{ field: 'dailyRate', message: /at most 10000.00 yuan a day/ }] },
    'a daily rate over the limit (fen typed as yuan, say) is refused where it enters',
  )
  t.match(await failure(api.post(`/api/projects/${project.id}/enrolments`, { ...enrolBody, exitDate: '2026-09-01' })), { status: 400, code: 'exit_before_entry', details: { entryDate: enrolBody.entryDate, exitDate: '2026-09-01' } }, 'the two dates named')
  const enrolment = await api.post<{ id: string; dailyRateFen: number }>(`/api/projects/${project.id}/enrolments`, enrolBody)
  t.equal(enrolment.dailyRateFen, 35000)
  t.match(await failure(api.post(`/api/projects/${project.id}/enrolments`, enrolBody)), { status: 409, code: 'enrolment_exists' })
  const exited = await api.post<{ exitDate: string }>(`/api/projects/${project.id}/enrolments/${enrolment.id}/exit`, { exitDate: '2026-10-31' })
  t.equal(exited.exitDate, '2026-10-31')

  t.match(await failure(api.post(`/api/projects/${project.id}/devices`, { serial: 'X-1', model: 'toaster' })), { status: 400, code: 'device_model_unknown' })
  t.match(await failure(api.post(`/api/projects/${project.id}/devices`, { serial: 'GT-1', model: 'gate-ts200', settings: { lanes: { '1': 'sideways' } } })), { status: 400, code: 'validation_failed' })
  await api.post(`/api/projects/${project.id}/devices`, { serial: 'GT-1', model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } } })
  t.match(await failure(api.post(`/api/projects/${project.id}/devices`, { serial: 'GT-1', model: 'face-fr900' })), { status: 409, code: 'device_exists', details: { differs: ['model'] } })

  t.match(await failure(api.post(`/api/projects/${project.id}/devices/nope/installation`, { installedAt: '2026-09-01T00:00:00Z', author: '王芳', reason: 'x' })), { status: 404, code: 'device_not_found' })

  t.match(await failure(api.get('/api/projects/nope')), { status: 404, code: 'project_not_found' })
  t.match(await failure(api.get('/api/nothing-here')), { status: 404, code: 'not_found' })
})

t.test('OpenAPI is served at /docs and every route has a schema', async (t) => {
  const { api } = await startTestServer(t)
  const doc = await api.get<{ openapi: string; paths: Record<string, Record<string, { responses?: unknown }>> }>('/docs/json')
  t.match(doc.openapi, /^3\./)
  t.ok(doc.paths['/api/projects/{projectId}/payout-files'])
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) t.ok(op.responses, `${method.toUpperCase()} ${path} declares its responses`)
  }
})

/** Follows a list's `Link: rel="next"` from the first page to the last, as a client would. */
async function walk(api: Api, path: string, limit: number): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = []
  const pages: number[] = []
  let next: string | undefined = `${path}?limit=${limit}`
  while (next) {
    const res = await api.fetch(next)
    if (res.status !== 200) throw new Error(`${next}: HTTP ${res.status}`)
    const rows = (await res.json()) as Array<{ id: string }>
    pages.push(rows.length)
    ids.push(...rows.map((r) => r.id))
    next = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '')?.[1]
  }
  return { ids, pages }
}

t.test('every roster list is paged by keyset with a hard maximum', async (t) => {
  const { api } = await startTestServer(t)
  const rng = new Rng(7)
  const plan = planSite({ ...DEFAULT_SITE, workers: 7, teams: 5, seed: 5 })
  const site = await registerSite(api, plan)
  const P = `/api/projects/${site.projectId}`
  // The site has its own four (gates GT-, face terminals FT-); these sort among them by serial.
  for (const serial of ['D-05', 'D-01', 'D-04', 'D-02']) await api.post(`${P}/devices`, { serial, model: 'canonical', installedAt: '2026-09-01T00:00:00Z' })
  // A second project, so project-scoped lists show they stay in their project.
  const orgs = await api.get<Array<{ id: string; kind: string }>>('/api/organisations')
  const other = await api.post<{ id: string }>('/api/projects', {
    siteCode: 'S-2', name: '二期', regionCode: '330106', payDay: 10,
    constructionUnitId: orgs.find((o) => o.kind === 'construction_unit')?.id, generalContractorId: orgs.find((o) => o.kind === 'general_contractor')?.id,
    account: { bank: '农行', no: '19045101040099999', name: '专户' },
  })
  await api.post(`/api/projects/${other.id}/teams`, { name: '另一个班', employerId: orgs.find((o) => o.kind === 'subcontractor')?.id })
  await api.post(`/api/projects/${other.id}/devices`, { serial: 'D-03', model: 'canonical' })
  await api.post('/api/workers', { name: '路人', idNumber: idNumber(rng, 999), bankName: '农行', cardNo: cardNumber(999) })

  const lists: Array<[string, number]> = [
    ['/api/organisations', (await api.get<unknown[]>('/api/organisations')).length],
    ['/api/projects', 2],
    ['/api/workers', 8],
    [`${P}/teams`, 5],
    [`${P}/enrolments`, 7],
    [`${P}/devices`, 8],
  ]
  for (const [path, total] of lists) {
    const whole = await api.get<Array<{ id: string }>>(path)
    t.equal(whole.length, total, `${path}: one default page holds them all`)
    for (const limit of [1, 2, 3]) {
      const { ids, pages } = await walk(api, path, limit)
      t.same(ids, whole.map((r) => r.id), `${path}, ${limit} a page: every item once, in the list's order`)
      t.ok(pages.every((n) => n <= limit) && pages.length === Math.max(1, Math.ceil(total / limit)), `${path}, ${limit} a page: no empty page after a full last one`)
    }
    t.match(await failure(api.get(`${path}?limit=${LIMITS.page_size_max + 1}`)), { status: 400, code: 'validation_failed' }, `${path}: no page beyond the maximum`)
  }
  const serials = (await api.get<Array<{ serial: string }>>(`${P}/devices`)).map((d) => d.serial)
  t.same(serials.filter((x) => x.startsWith('D-')), ['D-01', 'D-02', 'D-04', 'D-05'], 'devices by serial, not by registration')
  t.same(serials, [...serials].sort(), 'devices by serial')
  const teamNames = (await api.get<Array<{ name: string }>>(`${P}/teams`)).map((x) => x.name)
  t.same(teamNames, [...teamNames].sort(), 'teams by name')
  for (const path of [`${P}/teams`, `${P}/enrolments`, `${P}/devices`]) {
    t.match(await failure(api.get(`${path}?after=nope`)), { status: 400, code: 'cursor_not_found' }, `${path}: an unknown cursor is said, not read as the start`)
  }
  const otherTeam = (await api.get<Array<{ id: string }>>(`/api/projects/${other.id}/teams`))[0]?.id as string
  t.match(await failure(api.get(`${P}/teams?after=${otherTeam}`)), { status: 400, code: 'cursor_not_found' }, "another project's team is no cursor here")
})

/** A device speaking the canonical format, so a test can say exactly what was punched. */
class Terminal {
  private seq = 0
  constructor(
    readonly serial: string,
    private readonly siteCode: string,
  ) {}

  frame(idNumber: string, local: string, direction: 'in' | 'out'): SimFrame {
    const recordId = String(++this.seq)
    const deviceTimeMs = parseLocalDateTime(local, 'Asia/Shanghai') as number
    const payload = Buffer.from(
      JSON.stringify({ deviceSerial: this.serial, recordId, person: { kind: 'id_number', value: idNumber }, deviceTime: `${local.replace(' ', 'T')}+08:00`, direction, verifyMethod: 'face', channel: 'gate' }),
    )
    return { serial: this.serial, recordId, topic: `wl/v1/${this.siteCode}/${this.serial}/punch`, payload, kind: 'punch', deviceTimeMs }
  }
}

interface Flag {
  kind: string
  workerId: string
  workDate: string
  detail: { clockSuspect?: string; why?: string; action?: string }
}
interface MonthDay {
  workDate: string
  status: string
  creditHalves: number
  punches: Array<{ reason: string | null; clockSuspect: string | null }>
}
interface Installation {
  device: { installedAt: string }
  previousInstalledAt: string
  punchesAccepted: number
  punchesSkipped: number
  skippedSample: Array<{ workDate: string; code: string }>
  punchesStillBeforeInstall: number
}

t.test('a device registered without installedAt, a replayed month, and the correction that clears it', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, workers: 2, teams: 1, seed: 3 })
  const site = await registerSite(api, plan)
  const P = `/api/projects/${site.projectId}`
  const device = await api.post<{ id: string; installedAt: string; mqtt: { password: string } }>(`${P}/devices`, { serial: 'CN-09', model: 'canonical' })
  site.secrets.set('CN-09', device.mqtt.password)
  t.equal(device.installedAt, '2026-11-03T02:00:00.000Z', 'left out, installedAt is the moment of registration')
  const [a] = plan.workers as [(typeof plan.workers)[0]]
  const idA = site.workerIds.get(a.key) as string
  const terminal = new Terminal('CN-09', plan.spec.siteCode)
  const send = async (frames: SimFrame[]): Promise<void> => {
    await publishFrames(server.mqttUrl, frames, { secrets: site.secrets })
    await settled(server)
  }
  // October, replayed in November by a terminal that was in fact installed in September; one reading before the
  // worker's entry (1 October).
  await send([
    terminal.frame(a.idNumber, '2026-09-30 07:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-08 07:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-08 17:00:00', 'out'),
    terminal.frame(a.idNumber, '2026-10-09 07:00:00', 'in'),
    terminal.frame(a.idNumber, '2026-10-09 17:00:00', 'out'),
  ])

  const flags = (await api.get<Flag[]>(`${P}/attendance-flags/2026-10`)).filter((f) => f.kind === 'clock_suspect')
  t.equal(flags.length, 4, 'the whole replayed month is suspect')
  for (const f of flags) t.match(f.detail, { clockSuspect: 'before_install', why: /installation/, action: /devices\/\{deviceId\}\/installation/ }, 'the flag says why and what to do')
  const month = async () => (await api.get<{ days: MonthDay[] }>(`${P}/workers/${idA}/timesheets/2026-10`)).days
  const day = (days: MonthDay[], d: string) => days.find((x) => x.workDate === d)
  t.match(day(await month(), '2026-10-08'), { status: 'absent', creditHalves: 0, punches: [{ reason: 'clock_suspect', clockSuspect: 'before_install' }, { reason: 'clock_suspect' }] })

  const correct = (installedAt: string, author = '王芳', reason = '安装单显示9月已安装') => api.post<Installation>(`${P}/devices/${device.id}/installation`, { installedAt, author, reason })
  t.match(await failure(correct('2026-09-01T00:00:00+08:00', '  ')), { status: 400, code: 'validation_failed' }, 'a change needs its author')

  const first = await correct('2026-10-09T00:00:00+08:00')
  t.match(first, { device: { installedAt: '2026-10-08T16:00:00.000Z' }, previousInstalledAt: '2026-11-03T02:00:00.000Z', punchesAccepted: 2, punchesSkipped: 0, punchesStillBeforeInstall: 3 })
  let days = await month()
  t.match(day(days, '2026-10-09'), { status: 'present', creditHalves: 2 }, 'the readings the new time clears count')
  t.match(day(days, '2026-10-08'), { creditHalves: 0, punches: [{ reason: 'clock_suspect' }, { reason: 'clock_suspect' }] }, 'those still before it do not')
  t.match(await correct('2026-10-09T00:00:00+08:00'), { punchesAccepted: 0, punchesStillBeforeInstall: 3 }, 'a repeat accepts nothing twice')

  const second = await correct('2026-09-01T00:00:00+08:00')
  t.match(second, { punchesAccepted: 2, punchesSkipped: 1, skippedSample: [{ workDate: '2026-09-30', code: 'date_outside_enrolment' }], punchesStillBeforeInstall: 0 }, 'a reading before the entry date cannot be accepted, and says so')
  days = await month()
  t.match(day(days, '2026-10-08'), { status: 'present', creditHalves: 2 })
  const corrections = (await api.get<{ corrections: Array<{ kind: string; author: string; reason: string }> }>(`${P}/workers/${idA}/timesheets/2026-10`)).corrections
  t.equal(corrections.length, 4, 'one accept_punch per reading, append-only')
  t.ok(corrections.every((c) => c.kind === 'accept_punch' && c.author === '王芳' && /CN-09 installed at .*安装单显示9月已安装/.test(c.reason)), 'each carries the author and the reason of the change')
  t.equal((await api.get<Flag[]>(`${P}/attendance-flags/2026-10`)).filter((f) => f.kind === 'clock_suspect').length, 0, 'nothing left suspect in October')

  await send([terminal.frame(a.idNumber, '2026-10-12 07:00:00', 'in'), terminal.frame(a.idNumber, '2026-10-12 17:00:00', 'out')])
  t.match(day(await month(), '2026-10-12'), { status: 'present', punches: [{ clockSuspect: null }, { clockSuspect: null }] }, 'readings received afterwards are judged against the new time')
})
