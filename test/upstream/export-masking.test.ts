/**
 * (Found by review.) The "masked" upstream export (GET /api/projects/{id}/upstream/export, labour manager and auditor) and
 * the refused records of GET /api/projects/{id}/upstream leak a worker's personal numbers.
 *
 * What is wrong: src/upstream/export.ts maskPayload masks only ENCRYPTED_FIELDS (ID and card numbers). A ProjectWorker
 * record also carries CellPhone in full and BirthDate (YYYY-MM-DD). The ID mask `330106********1234` hides exactly the
 * 8 birth-date digits, which the BirthDate column of the same row restores: the masked file gives the full ID number.
 *
 * What the README says: "ID numbers, bank cards and phone numbers ... masked in every reply"; the export row of the
 * table: "ID and card numbers masked", only the reveal (for a purpose, access-logged, rate-limited) gives full numbers.
 * PIPL Art. 28 (domain.md): mask them in views, log every access to full values.
 *
 * What should happen: in the masked export (and the summary's refused payloads) no full phone number appears, and the
 * full ID number cannot be read off the row (birth date hidden or reduced, e.g. to the year, as the roster's lists do
 * with birthYear).
 */
import t from 'tap'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn } from '../access/helpers/site.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

t.test('the masked upstream export gives neither the phone nor (with the birth date) the full ID number', async (t) => {
  const clock = new ManualClock(START)
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } },
    projects: { 'UPM-1': { projectCode: 'P330106019' } },
    passMs: 3_600_000,
    sweepMs: 3_600_000,
    watchMs: 3_600_000,
  })
  const { api, services } = await startTestServer(t, { clock, config: { upstream } })
  const rng = new Rng(7)
  const org = (kind: string, n: number) => api.post<{ id: string }>('/api/organisations', { kind, name: `${kind} ${n}`, creditCode: creditCode(n) })
  const cu = await org('construction_unit', 1)
  const gc = await org('general_contractor', 2)
  const sub = await org('subcontractor', 3)
  const p = await api.post<{ id: string }>('/api/projects', { siteCode: 'UPM-1', name: '工程 UPM-1', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1904510104000000001', name: '专户' } })
  const team = await api.post<{ id: string }>(`/api/projects/${p.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const idNo = idNumber(rng, 1)
  const phone = '13812345678'
  const worker = await api.post<{ id: string; phoneMasked: string }>('/api/workers', { name: '张伟', idNumber: idNo, bankName: '农行', cardNo: cardNumber(1), phone })
  t.equal(worker.phoneMasked, '138****5678', 'the roster masks the phone')
  await api.post(`/api/projects/${p.id}/enrolments`, { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-11-01' })
  await services.upstream.reporter.idle()

  await createLogin(api, 'auditor.3301', 'auditor', { regionCode: '3301' })
  const auditorToken = await logIn(api, "auditor.3301")
  const res = await fetch(`${api.baseUrl}/api/projects/${p.id}/upstream/export?kind=ProjectWorker&format=csv`, { headers: { authorization: `Bearer ${auditorToken}` } })
  t.equal(res.status, 200)
  const [header, row] = Buffer.from(await res.arrayBuffer()).subarray(3).toString('utf8').split('\r\n')
  const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i] ?? '']))
  t.notOk(row!.includes(idNo), 'the ID number itself is masked')
  t.notOk(row!.includes(phone), 'the phone number is masked in the masked export (README: phone numbers masked in every reply)')
  // The masked ID shows region and last four; the row must not give back the eight digits it hides.
  const rebuilt = `${String(cells.IDCardNumber).slice(0, 6)}${String(cells.BirthDate ?? '').replaceAll('-', '')}${String(cells.IDCardNumber).slice(-4)}`
  t.not(rebuilt, idNo, 'masked ID + BirthDate of the same row must not rebuild the full ID number')
})
