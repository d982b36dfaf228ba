/**
 * A site for the labour manager's desk tests, registered by the admin over the API: the access tests' project (a
 * general contractor, a subcontractor's team 钢筋班 with 张伟 on it, a gate with lane 1 in and lane 2 out), a second
 * team of another subcontractor with 李强, and logins: the project's labour manager, the first subcontractor's team
 * manager, a team manager of an organisation with no team on the project, another contractor's labour manager, an
 * auditor of the region and one of another city. The clock stands on 2026-11-03 10:00 in Hangzhou: October has ended
 * and can be confirmed; 张伟 punched in on 2026-10-12 and never out (a day that needs review).
 */
import { cardNumber, creditCode, idNumber } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import type { Api } from '../../../simulators/api.ts'
import { punchTopic } from '../../../src/punches/admit.ts'
import type { Services } from '../../../src/services.ts'
import { createLogin, registerAccessSite, type AccessSite } from '../../access/helpers/site.ts'

/** 2026-11-03 10:00 in Hangzhou. */
export const DESK_NOW_MS = Date.parse('2026-11-03T02:00:00Z')
export const TODAY = '2026-11-03'
export const REVIEW_MONTH = '2026-10'
export const REVIEW_DAY = '2026-10-12'

export interface DeskSite {
  site: AccessSite
  tag: string
  serial: string
  otherTeamId: string
  otherWorkerId: string
  otherProjectId: string
  logins: { labourManager: string; teamManager: string; strangerTeamManager: string; otherLabourManager: string; auditor: string; otherAuditor: string }
}

export async function registerDeskSite(admin: Api, opts: { tag: string; seed: number }): Promise<DeskSite> {
  const rng = new Rng(opts.seed + 1000)
  const site = await registerAccessSite(admin, { tag: opts.tag, regionCode: '330106', bankCode: '103331000017', seed: opts.seed })
  const other = await registerAccessSite(admin, { tag: `${opts.tag}-O`, regionCode: '330106', bankCode: '103331000017', seed: opts.seed + 1 })
  const sub2 = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: `木工劳务 ${opts.tag}`, creditCode: creditCode(rng) })
  const stranger = await admin.post<{ id: string }>('/api/organisations', { kind: 'subcontractor', name: `无关劳务 ${opts.tag}`, creditCode: creditCode(rng) })
  const team2 = await admin.post<{ id: string }>(`/api/projects/${site.projectId}/teams`, { name: `木工班 ${opts.tag}`, employerId: sub2.id })
  const worker2 = await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, opts.seed + 500), bankName: '农行', cardNo: cardNumber(opts.seed + 500) })
  await admin.post(`/api/projects/${site.projectId}/enrolments`, { workerId: worker2.id, teamId: team2.id, dailyRate: '320.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W2-${opts.tag}` })
  const logins = {
    labourManager: `lm.${opts.tag}`,
    teamManager: `tm.${opts.tag}`,
    strangerTeamManager: `tm.stranger.${opts.tag}`,
    otherLabourManager: `lm.other.${opts.tag}`,
    auditor: `auditor.${opts.tag}`,
    otherAuditor: `auditor.nb.${opts.tag}`,
  }
  await createLogin(admin, logins.labourManager, 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, logins.teamManager, 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(admin, logins.strangerTeamManager, 'team_manager', { organisationId: stranger.id })
  await createLogin(admin, logins.otherLabourManager, 'labour_manager', { organisationId: other.generalContractorId })
  await createLogin(admin, logins.auditor, 'auditor', { regionCode: '3301' })
  await createLogin(admin, logins.otherAuditor, 'auditor', { regionCode: '3302' })
  return { site, tag: opts.tag, serial: `GT-${opts.tag}`, otherTeamId: team2.id, otherWorkerId: worker2.id, otherProjectId: other.projectId, logins }
}

/** A gate frame (devices/README.md, gate-ts200): lane 1 in, lane 2 out. `who` is a device user id or an ID number. */
export function gateFrame(serial: string, seq: number, lane: 1 | 2, atMs: number, who: { userId: string } | { idNo: string }): Buffer {
  return Buffer.from(JSON.stringify({ sn: serial, seq, lane, ...who, ts: Math.floor(atMs / 1000), mode: 'face' }))
}

/** Stores a frame through the inbox, as the broker would, and waits for its commit. */
export async function submitFrame(services: Services, d: DeskSite, frame: Buffer): Promise<void> {
  await services.inbox.submit({ topic: punchTopic(d.tag, d.serial), payload: frame, clientId: d.serial })
}

/** October's open day and today's first punches: 张伟 in on 2026-10-12 08:30 (never out), both in this morning. */
export async function seedDeskPunches(services: Services, d: DeskSite): Promise<void> {
  await submitFrame(services, d, gateFrame(d.serial, 1, 1, Date.parse('2026-10-12T00:30:00Z'), { userId: `W-${d.tag}` }))
  await submitFrame(services, d, gateFrame(d.serial, 2, 1, Date.parse('2026-11-02T23:30:00Z'), { userId: `W-${d.tag}` }))
  await submitFrame(services, d, gateFrame(d.serial, 3, 1, Date.parse('2026-11-02T23:40:00Z'), { userId: `W2-${d.tag}` }))
}
