/**
 * A project with one of everything, registered by the admin over HTTP, and credentials for each role over it: what
 * the access tests (role × route matrix, scopes) call routes with.
 */
import { creditCode, cardNumber, idNumber } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import type { Api } from '../../../simulators/api.ts'
import { fen } from '../../../src/kernel/money.ts'
import { formatPayoutFile } from '../../../src/payouts/file-format.ts'
import type { Role } from '../../../src/access/roles.ts'

/** The pay month the fixtures post a file for (past, so nothing refuses it as the future). */
export const MONTH = '2026-10'
export const DAY = '2026-10-12'

export interface AccessSite {
  constructionUnitId: string
  generalContractorId: string
  subcontractorId: string
  projectId: string
  teamId: string
  workerId: string
  enrolmentId: string
  deviceId: string
  /** Set once a bank file was posted for MONTH (postPayoutFile). */
  fileId?: string
  flagId?: string
}

export interface SiteSpec {
  /** Site code, and what names and serials are made from. */
  tag: string
  regionCode: string
  /** 12-digit 联行号 of the dedicated account's bank. */
  bankCode: string
  seed: number
}

/** GC, construction unit, subcontractor, project (region and bank as given), a team, a worker enrolled on it, a device. */
export async function registerAccessSite(admin: Api, spec: SiteSpec): Promise<AccessSite> {
  const rng = new Rng(spec.seed)
  const org = (kind: string, name: string) => admin.post<{ id: string }>('/api/organisations', { kind, name: `${name} ${spec.tag}`, creditCode: creditCode(rng) })
  const cu = await org('construction_unit', '建设单位')
  const gc = await org('general_contractor', '总包')
  const sub = await org('subcontractor', '劳务分包')
  const project = await admin.post<{ id: string }>('/api/projects', {
    siteCode: spec.tag,
    name: `工程 ${spec.tag}`,
    regionCode: spec.regionCode,
    payDay: 10,
    constructionUnitId: cu.id,
    generalContractorId: gc.id,
    account: { bank: '专户银行', bankCode: spec.bankCode, no: `1904510104${String(spec.seed).padStart(7, '0')}`, name: `总包 ${spec.tag} 农民工工资专用账户` },
  })
  const team = await admin.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: `钢筋班 ${spec.tag}`, employerId: sub.id })
  const worker = await admin.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNumber(rng, spec.seed), bankName: '农行', cardNo: cardNumber(spec.seed) })
  const enrolment = await admin.post<{ id: string }>(`/api/projects/${project.id}/enrolments`, {
    workerId: worker.id,
    teamId: team.id,
    dailyRate: '350.00',
    safetyTrained: true,
    entryDate: '2026-09-01',
    deviceUserId: `W-${spec.tag}`,
  })
  const device = await admin.post<{ id: string }>(`/api/projects/${project.id}/devices`, {
    serial: `GT-${spec.tag}`,
    model: 'gate-ts200',
    settings: { lanes: { '1': 'in', '2': 'out' } },
    installedAt: '2026-09-01T00:00:00.000Z',
  })
  return {
    constructionUnitId: cu.id,
    generalContractorId: gc.id,
    subcontractorId: sub.id,
    projectId: project.id,
    teamId: team.id,
    workerId: worker.id,
    enrolmentId: enrolment.id,
    deviceId: device.id,
  }
}

/**
 * Posts a result file for MONTH with the bank's key: one payment to the site's worker and one to a card that is no
 * worker's, so the reconciliation raises at least one flag. Sets site.fileId and site.flagId.
 */
export async function postPayoutFile(bank: Api, admin: Api, site: AccessSite, seed: number): Promise<void> {
  const lines = [
    { seq: 1, payeeCard: cardNumber(seed), payeeName: '张伟', amountFen: fen(100_00), status: 'success' as const, bankRef: `R${seed}01`, valueDate: '2026-11-08', failureReason: null },
    { seq: 2, payeeCard: cardNumber(900_000 + seed), payeeName: '包工头', amountFen: fen(500_00), status: 'success' as const, bankRef: `R${seed}02`, valueDate: '2026-11-08', failureReason: null },
  ]
  const res = await bank.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: formatPayoutFile(lines, { encoding: 'utf-8' }),
  })
  const body = (await res.json()) as { file?: { id: string }; error?: unknown }
  if (res.status !== 201 || !body.file) throw new Error(`payout file not stored: ${res.status} ${JSON.stringify(body)}`)
  site.fileId = body.file.id
  const flags = await admin.get<{ flags: Array<{ id: string }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  const flag = flags.flags[0]
  if (!flag) throw new Error('the reconciliation raised no flag')
  site.flagId = flag.id
}

export const PASSWORD = 'correct horse battery staple'

/** Makes a login with the admin's API (POST /api/users) and returns its id. */
export async function createLogin(admin: Api, login: string, role: Role, scope: { organisationId?: string; regionCode?: string; workerId?: string; bankCode?: string }): Promise<string> {
  const u = await admin.post<{ id: string }>('/api/users', { login, displayName: login, password: PASSWORD, role, ...scope })
  return u.id
}

/** A bearer session for the login (POST /api/session). */
export async function logIn(api: Api, login: string, password = PASSWORD): Promise<string> {
  const s = await api.as(undefined).post<{ token: string }>('/api/session', { login, password, mode: 'bearer' })
  return s.token
}

/** An API key made with the admin's API (POST /api/api-keys). */
export async function createKey(admin: Api, name: string, role: Exclude<Role, 'worker'>, scope: { organisationId?: string; regionCode?: string; bankCode?: string }, days?: number): Promise<{ key: string; id: string; prefix: string }> {
  const r = await admin.post<{ key: string; apiKey: { id: string; prefix: string } }>('/api/api-keys', { name, role, ...scope, ...(days === undefined ? {} : { days }) })
  return { key: r.key, id: r.apiKey.id, prefix: r.apiKey.prefix }
}
