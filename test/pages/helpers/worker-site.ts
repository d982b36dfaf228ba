/**
 * A worker's months as the worker's own page shows them, registered by the admin over the API: two workers on one
 * team, October's days as punches a manager added (so each has a first in and a last out), October confirmed by the
 * labour manager and its payroll sheet made, sent, submitted and approved, and the bank's file for October paying the
 * first worker short (800.00 on 2026-11-10) and the second in full; November's first days for the first worker. A
 * labour manager of the project (login `lm.<tag>`) issues sign-in codes. The clock stands on 2026-11-12.
 */
import { cardNumber, idNumber } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import type { Api } from '../../../simulators/api.ts'
import { fen } from '../../../src/kernel/money.ts'
import { formatPayoutFile } from '../../../src/payouts/file-format.ts'
import type { Services } from '../../../src/services.ts'
import { createLogin, logIn, registerAccessSite, type AccessSite } from '../../access/helpers/site.ts'

/** 2026-11-12 10:00 in Hangzhou: October is paid (short for one worker), November is under way. */
export const WORKER_NOW_MS = Date.parse('2026-11-12T02:00:00Z')
export const PAID_SHORT_FEN = 800_00

export interface SiteWorker {
  id: string
  name: string
  idNumber: string
  /** The last six characters of the ID number: what the worker types. */
  suffix: string
}

export interface WorkerSite {
  site: AccessSite
  projectName: string
  teamName: string
  a: SiteWorker
  b: SiteWorker
  /** October's net on the approved sheet, per worker id. */
  netFen: Map<string, number>
  /** The labour manager's API client (bearer), who issues codes. */
  lm: Api
}

async function idOf(services: Services, workerId: string): Promise<string> {
  const r = await services.db.get<{ idNumber: string }>({ text: 'SELECT id_number AS "idNumber" FROM workers WHERE id = ?', params: [workerId] })
  if (!r) throw new Error(`no worker ${workerId}`)
  return r.idNumber
}

export async function registerWorkerSite(admin: Api, services: Services, opts: { tag: string; seed: number; month?: boolean }): Promise<WorkerSite> {
  const site = await registerAccessSite(admin, { tag: opts.tag, regionCode: '330106', bankCode: '103331000011', seed: opts.seed })
  const rng = new Rng(opts.seed + 1)
  const P = `/api/projects/${site.projectId}`
  const project = await admin.get<{ name: string }>(P)
  const bId = idNumber(rng, opts.seed + 1)
  const b = await admin.post<{ id: string }>('/api/workers', { name: '李娜', idNumber: bId, bankName: '建行', cardNo: cardNumber(opts.seed + 1) })
  await admin.post(`${P}/enrolments`, { workerId: b.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-${opts.tag}-B` })
  const aId = await idOf(services, site.workerId)
  const a: SiteWorker = { id: site.workerId, name: '张伟', idNumber: aId, suffix: aId.slice(-6) }
  const bw: SiteWorker = { id: b.id, name: '李娜', idNumber: bId, suffix: bId.slice(-6) }
  await createLogin(admin, `lm.${opts.tag}`, 'labour_manager', { organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, `lm.${opts.tag}`))
  const teamName = `钢筋班 ${opts.tag}`
  const netFen = new Map<string, number>()
  if (opts.month !== false) {
    const punch = (w: string, date: string, time: string, direction: 'in' | 'out') =>
      admin.post(`${P}/workers/${w}/days/${date}/corrections`, { kind: 'add_punch', at: `${date} ${time}`, direction, reason: '闸机补录', author: '劳资员' })
    const day = async (w: string, date: string, from: string, to: string | null) => {
      await punch(w, date, from, 'in')
      if (to !== null) await punch(w, date, to, 'out')
    }
    await day(a.id, '2026-10-12', '07:30', '17:30')
    await day(a.id, '2026-10-13', '07:45', '16:15')
    await day(a.id, '2026-10-14', '07:30', '17:00')
    await day(bw.id, '2026-10-12', '08:00', '17:00')
    await day(bw.id, '2026-10-13', '08:00', '17:00')
    await day(a.id, '2026-11-10', '07:30', '17:30')
    await day(a.id, '2026-11-11', '07:40', null)
    await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
    const T = `${P}/teams/${site.teamId}/payroll-sheets/2026-10`
    const sheet = await admin.post<{ lines: Array<{ workerId: string; netFen: number }> }>(T, { reason: '十月工资' })
    for (const l of sheet.lines) netFen.set(l.workerId, l.netFen)
    await admin.post(`${T}/send`, {})
    await admin.post(`${T}/submit`, {})
    await admin.post(`${T}/approve`, { reason: '审核通过' })
    const file = formatPayoutFile(
      [
        { seq: 1, payeeCard: cardNumber(opts.seed), payeeName: a.name, amountFen: fen(PAID_SHORT_FEN), status: 'success', bankRef: `VCH-${opts.tag}-A`, valueDate: '2026-11-10', failureReason: null },
        { seq: 2, payeeCard: cardNumber(opts.seed + 1), payeeName: bw.name, amountFen: fen(netFen.get(bw.id)!), status: 'success', bankRef: `VCH-${opts.tag}-B`, valueDate: '2026-11-10', failureReason: null },
      ],
      { encoding: 'utf-8' },
    )
    const posted = await admin.fetch(`${P}/payout-files?period=2026-10`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: file })
    if (posted.status !== 201) throw new Error(`bank file not stored: ${posted.status} ${await posted.text()}`)
  }
  return { site, projectName: project.name, teamName, a, b: bw, netFen, lm }
}

/** A code issued by the labour manager for the worker (the reply's code: shown once). */
export async function issueCode(ws: WorkerSite, workerId: string): Promise<string> {
  const r = await ws.lm.post<{ code: string }>(`/api/projects/${ws.site.projectId}/workers/${workerId}/sign-in-codes`, {})
  return r.code
}
