/**
 * Upstream reporting over HTTP on the run's engine: GET /api/projects/{id}/upstream per kind (queued, sent, accepted,
 * refused with the reasons, oldest waiting), ID numbers masked; POST …/upstream/records/{id}/resend by the general
 * contractor's labour manager only, the newest refused revision only; a project without configuration says so.
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { teamMasterRecord } from '../../src/upstream/records.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { failure, startTestServer } from '../helpers/server.ts'
import { createLogin, logIn } from '../access/helpers/site.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

interface Summary {
  configured: boolean
  province: string | null
  projectCode: string | null
  kinds: Array<{ kind: string; counts: Record<string, number>; oldestWaitingSince: string | null }>
  refused: Array<{ id: number; kind: string; key: string; revision: number; state: string; reason: string | null; payload: Record<string, unknown> }>
}

t.test('upstream over HTTP: the summary, the refusals with reasons, the resend', async (t) => {
  const clock = new ManualClock(START)
  const { url } = await startPlatform(t, clock)
  // The timers are left for the test to drive (passes by hand on the manual clock).
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } },
    projects: { 'UPH-1': { projectCode: 'P330106009' } },
    passMs: 3_600_000,
    sweepMs: 3_600_000,
    watchMs: 3_600_000,
  })
  const { api, services } = await startTestServer(t, { clock, config: { upstream } })
  const rng = new Rng(5)
  const org = (kind: string, n: number) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: creditCode(n) })
  const cu = await org('construction_unit', 1)
  const gc = await org('general_contractor', 2)
  const sub = await org('subcontractor', 3)
  const project = (siteCode: string) =>
    api.post<{ id: string }>('/api/projects', { siteCode, name: `工程 ${siteCode}`, regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  const p = await project('UPH-1')
  const other = await project('UPH-2')
  const team = await api.post<{ id: string }>(`/api/projects/${p.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const idNo = idNumber(rng, 1)
  const worker = await api.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNo, bankName: '农行', cardNo: cardNumber(1) })
  await api.post(`/api/projects/${p.id}/enrolments`, { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-11-01' })
  await services.upstream.reporter.idle()
  // A team under a credit code the platform refuses, queued beside the roster.
  const bad = teamMasterRecord({ projectId: p.id, projectCode: 'P330106009', timeZone: 'Asia/Shanghai' }, { name: '某劳务', creditCode: 'NOT-A-CODE' }, { id: 'tx', name: '外来班', createdAtMs: START })
  await services.db.tx((tx) => services.upstream.reporter.outbox.enqueue(tx, p.id, [bad]))

  await createLogin(api, 'lm.gc', 'labour_manager', { organisationId: gc.id })
  await createLogin(api, 'tm.sub', 'team_manager', { organisationId: sub.id })
  await createLogin(api, 'auditor.3301', 'auditor', { regionCode: '3301' })
  const lm = api.as(await logIn(api, 'lm.gc'))
  const tm = api.as(await logIn(api, 'tm.sub'))
  const auditor = api.as(await logIn(api, 'auditor.3301'))
  const path = `/api/projects/${p.id}/upstream`

  const waiting = await lm.get<Summary>(path)
  t.match(waiting, { configured: true, province: '33', projectCode: 'P330106009' })
  t.same(
    waiting.kinds.map((k) => [k.kind, k.counts.queued, k.oldestWaitingSince]).sort(),
    [
      ['EntryExitHistory', 1, new Date(START).toISOString()],
      ['ProjectWorker', 1, new Date(START).toISOString()],
      ['TeamMaster', 2, new Date(START).toISOString()],
    ],
    'per kind what waits, and since when',
  )

  for (let i = 0; i < 30; i++) {
    await services.upstream.runner.pass()
    clock.advance(10_000)
  }
  const sent = await auditor.get<Summary>(path)
  t.same(sent.kinds.map((k) => [k.kind, k.counts.accepted, k.counts.refused, k.oldestWaitingSince]).sort(), [
    ['EntryExitHistory', 1, 0, null],
    ['ProjectWorker', 1, 0, null],
    ['TeamMaster', 1, 1, null],
  ])
  t.equal(sent.refused.length, 1)
  const refused = sent.refused[0]!
  t.match(refused, { kind: 'TeamMaster', key: bad.key, revision: 1, state: 'refused', reason: /CorpCode/ })

  t.equal((await failure(tm.post(`${path}/records/${refused.id}/resend`, {}))).status, 403, 'a team manager does not resend')
  t.equal((await failure(auditor.post(`${path}/records/${refused.id}/resend`, {}))).status, 403, 'nor an auditor')
  t.same((await failure(lm.post(`${path}/records/999999/resend`, {}))).code, 'upstream_record_not_found')
  t.same((await failure(lm.post(`/api/projects/${other.id}/upstream/records/${refused.id}/resend`, {}))).code, 'upstream_record_not_found', 'not through another project')
  const resent = await lm.post<{ revision: number; state: string; key: string }>(`${path}/records/${refused.id}/resend`, {})
  t.match(resent, { key: bad.key, revision: 2, state: 'queued' })
  const again = await failure(lm.post(`${path}/records/${refused.id}/resend`, {}))
  t.same([again.status, again.code], [409, 'upstream_record_not_refused'], 'the refused revision is no longer the newest')
  t.same((await lm.get<Summary>(path)).refused, [], 'the resent record is no longer listed as refused')

  t.match(await lm.get<Summary>(`/api/projects/${other.id}/upstream`), { configured: false, province: null, projectCode: null, kinds: [], refused: [] })
  // The export of a kind: CSV with a BOM, the standard's fields as columns, ID numbers masked; revealed for a purpose.
  const csv = await fetch(`${api.baseUrl}${path}/export?kind=ProjectWorker&format=csv`, { headers: { authorization: `Bearer ${lm.token}` } })
  t.equal(csv.status, 200)
  t.match(csv.headers.get('content-type'), /^text\/csv/)
  const bytes = Buffer.from(await csv.arrayBuffer())
  t.same([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a BOM')
  const [header, row] = bytes.subarray(3).toString('utf8').split('\r\n')
  t.match(header, /^ProjectCode,CorpCode,CorpName,TeamName,WorkerName,IDCardType,IDCardNumber,/)
  t.notOk(row!.includes(idNo), 'masked')
  t.ok(row!.includes(`${idNo.slice(0, 6)}********${idNo.slice(-4)}`))
  const xlsx = await fetch(`${api.baseUrl}${path}/export?kind=WorkerAttendance`, { headers: { authorization: `Bearer ${auditor.token}` } })
  t.equal(xlsx.status, 200, 'an auditor reads the masked file; XLSX by default')
  t.same([...Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2)], [0x50, 0x4b], 'a zip (xlsx)')
  const revealBody = { kind: 'ProjectWorker', format: 'csv', purpose: '手工上传至省平台' }
  t.equal((await failure(auditor.post(`${path}/export/reveal`, revealBody))).status, 403, 'only the labour manager reveals')
  const full = await fetch(`${api.baseUrl}${path}/export/reveal`, { method: 'POST', headers: { authorization: `Bearer ${lm.token}`, 'content-type': 'application/json' }, body: JSON.stringify(revealBody) })
  t.equal(full.status, 200)
  t.ok((await full.text()).includes(idNo), 'the full number, for the upload')
})

t.test('ID numbers in a refused record are masked', async (t) => {
  const clock = new ManualClock(START)
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET } }, projects: { 'UPH-3': {} }, passMs: 3_600_000, sweepMs: 3_600_000, watchMs: 3_600_000 })
  const { api, services } = await startTestServer(t, { clock, config: { upstream } })
  const rng = new Rng(6)
  const org = (kind: string, n: number) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: creditCode(n) })
  const cu = await org('construction_unit', 11)
  const gc = await org('general_contractor', 12)
  const p = await api.post<{ id: string }>('/api/projects', { siteCode: 'UPH-3', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  const id = idNumber(rng, 3)
  // Attendance of a worker the platform has never been told of (no roster record queued): refused.
  const { workerAttendanceRecord } = await import('../../src/upstream/records.ts')
  const punch = workerAttendanceRecord({ projectCode: 'UPH-3', timeZone: 'Asia/Shanghai' }, { name: '无此班组' }, { idType: 'resident_id', idNumber: id }, { kind: 'device', punchId: 1, deviceSerial: 'G', channel: 'gate', atMs: START, direction: 'in' })
  await services.db.tx((tx) => services.upstream.reporter.outbox.enqueue(tx, p.id, [{ ...punch, payload: { ...punch.payload, CheckTime: 'yesterday' } }]))
  for (let i = 0; i < 10; i++) {
    await services.upstream.runner.pass()
    clock.advance(10_000)
  }
  const s = await api.get<Summary>(`/api/projects/${p.id}/upstream`)
  t.equal(s.refused.length, 1)
  t.equal(s.refused[0]?.payload.IDCardNumber, `${id.slice(0, 6)}********${id.slice(-4)}`)
  t.notOk(JSON.stringify(s).includes(id), 'the full number is nowhere in the answer')
})
