/**
 * Two projects in two regions (杭州 330106, 深圳 440305) whose organisations' credit codes the test knows, a worker on
 * each, and logins of every role the early warning's routes answer: what the signal import and risk index tests share.
 */
import { Api } from '../../../simulators/api.ts'
import { creditCode, idNumber, cardNumber } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import { createKey, createLogin, logIn } from '../../access/helpers/site.ts'

export interface RegionSite {
  projectId: string
  teamId: string
  regionCode: string
  codes: { constructionUnit: string; generalContractor: string; subcontractor: string }
  ids: { constructionUnit: string; generalContractor: string; subcontractor: string }
}

export interface Regions {
  hz: RegionSite
  sz: RegionSite
  /** A credit code on no roster: an employer known only from the departments' files. */
  outsider: string
  as: { auditorHz: Api; auditorSz: Api; labourManagerHz: Api; teamManagerHz: Api; bank: Api }
}

async function site(admin: Api, rng: Rng, tag: string, regionCode: string, seed: number): Promise<RegionSite> {
  const codes = { constructionUnit: creditCode(rng), generalContractor: creditCode(rng), subcontractor: creditCode(rng) }
  const org = async (kind: string, name: string, code: string): Promise<string> => (await admin.post<{ id: string }>('/api/organisations', { kind, name: `${name} ${tag}`, creditCode: code })).id
  const ids = {
    constructionUnit: await org('construction_unit', '建设单位', codes.constructionUnit),
    generalContractor: await org('general_contractor', '总包', codes.generalContractor),
    subcontractor: await org('subcontractor', '劳务分包', codes.subcontractor),
  }
  const project = await admin.post<{ id: string }>('/api/projects', {
    siteCode: tag,
    name: `工程 ${tag}`,
    regionCode,
    payDay: 10,
    constructionUnitId: ids.constructionUnit,
    generalContractorId: ids.generalContractor,
    account: { bank: '专户银行', bankCode: '103331000011', no: `1904510104${String(seed).padStart(7, '0')}`, name: `总包 ${tag} 农民工工资专用账户` },
  })
  const team = await admin.post<{ id: string }>(`/api/projects/${project.id}/teams`, { name: `钢筋班 ${tag}`, employerId: ids.subcontractor })
  const worker = await admin.post<{ id: string }>('/api/workers', { name: '张伟', idNumber: idNumber(rng, seed), bankName: '农行', cardNo: cardNumber(seed) })
  await admin.post(`/api/projects/${project.id}/enrolments`, { workerId: worker.id, teamId: team.id, dailyRate: '350.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-${tag}` })
  return { projectId: project.id, teamId: team.id, regionCode, codes, ids }
}

export async function registerRegions(admin: Api, seed: number): Promise<Regions> {
  const rng = new Rng(seed)
  const hz = await site(admin, rng, `HZ${seed}`, '330106', seed)
  const sz = await site(admin, rng, `SZ${seed}`, '440305', seed + 1)
  let outsider = creditCode(rng)
  while ([hz, sz].some((s) => Object.values(s.codes).includes(outsider))) outsider = creditCode(rng)
  await createLogin(admin, `aud.hz.${seed}`, 'auditor', { regionCode: '3301' })
  await createLogin(admin, `aud.sz.${seed}`, 'auditor', { regionCode: '4403' })
  await createLogin(admin, `lm.hz.${seed}`, 'labour_manager', { organisationId: hz.ids.generalContractor })
  await createLogin(admin, `tm.hz.${seed}`, 'team_manager', { organisationId: hz.ids.subcontractor })
  const bank = await createKey(admin, `bank ${seed}`, 'bank', { bankCode: '103' })
  const as = async (login: string): Promise<Api> => admin.as(await logIn(admin, login))
  return {
    hz,
    sz,
    outsider,
    as: { auditorHz: await as(`aud.hz.${seed}`), auditorSz: await as(`aud.sz.${seed}`), labourManagerHz: await as(`lm.hz.${seed}`), teamManagerHz: await as(`tm.hz.${seed}`), bank: admin.as(bank.key) },
  }
}

/** A department's CSV (UTF-8): the header the departments use, then the rows. */
export function signalCsv(rows: ReadonlyArray<readonly [code: string, name: string, kind: string, source: string, period: string, amount: string, severity: string]>): Buffer {
  return Buffer.from(['统一社会信用代码,单位名称,预警类型,来源部门,所属期,金额,等级', ...rows.map((r) => r.join(','))].join('\r\n') + '\r\n', 'utf8')
}
