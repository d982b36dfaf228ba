/**
 * The roster the benchmarks run on: one project, its organisations, teams,
 * enrolled workers (checksum-valid ID numbers) and gates, registered through
 * the roster service in one transaction (on either engine: the service's calls
 * join it).
 */
import { workDateOf } from '../src/kernel/time.ts'
import type { Services } from '../src/services.ts'
import { cardNumber, creditCode, idNumber, personName } from '../simulators/identities.ts'
import { Rng } from '../simulators/random.ts'

export interface BenchRoster {
  projectId: string
  /** serial → device id, in serial order */
  deviceIds: Map<string, string>
  workers: Array<{ idNumber: string; workerId: string; enrolmentId: string }>
}

export interface BenchRosterSpec {
  siteCode: string
  timeZone: string
  /** Names the organisations and the project, e.g. 基准 (each bench its own). */
  label: string
  serialPrefix: string
  workers: number
  devices: number
  teams: number
  seed: number
  nowMs: number
}

export async function registerBenchRoster(services: Services, spec: BenchRosterSpec): Promise<BenchRoster> {
  return services.db.tx(async () => {
    const rng = new Rng(spec.seed)
    const { roster } = services
    const cu = await roster.createOrganisation({ kind: 'construction_unit', name: `${spec.label}建设单位`, creditCode: creditCode(rng) })
    const gc = await roster.createOrganisation({ kind: 'general_contractor', name: `${spec.label}总承包`, creditCode: creditCode(rng) })
    const sub = await roster.createOrganisation({ kind: 'subcontractor', name: `${spec.label}劳务分包`, creditCode: creditCode(rng) })
    const project = await roster.createProject({
      siteCode: spec.siteCode,
      name: `${spec.label}工程`,
      regionCode: '330106',
      timeZone: spec.timeZone,
      payDay: 10,
      constructionUnitId: cu.id,
      generalContractorId: gc.id,
      account: { bank: '中国农业银行', no: '19045101040099999', name: `${spec.label}工程农民工工资专用账户` },
    })
    const teams = []
    for (let i = 0; i < spec.teams; i++) teams.push(await roster.createTeam(project.id, { name: `班组${i + 1}`, employerId: sub.id }))
    // Entered and installed well before any device time the benches send (up to a year of history).
    const entryDate = workDateOf(spec.nowMs - 400 * 86_400_000, spec.timeZone)
    const workers: BenchRoster['workers'] = []
    const seen = new Set<string>()
    for (let i = 0; workers.length < spec.workers; i++) {
      const id = idNumber(rng, i + 1)
      if (seen.has(id)) continue
      seen.add(id)
      const w = await roster.createWorker({ name: personName(rng), idNumber: id, bankName: '中国农业银行', cardNo: cardNumber(i + 1) })
      const e = await roster.enrol(project.id, { workerId: w.id, teamId: teams[i % teams.length]!.id, dailyRate: '350.00', safetyTrained: true, entryDate, deviceUserId: `U${i + 1}` })
      workers.push({ idNumber: w.idNumber, workerId: w.id, enrolmentId: e.id })
    }
    const deviceIds = new Map<string, string>()
    for (let d = 0; d < spec.devices; d++) {
      const serial = `${spec.serialPrefix}-${String(d + 1).padStart(3, '0')}`
      const row = await roster.createDevice(project.id, { serial, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, installedAt: new Date(spec.nowMs - 500 * 86_400_000).toISOString() })
      deviceIds.set(serial, row.id)
    }
    return { projectId: project.id, deviceIds, workers }
  })
}
