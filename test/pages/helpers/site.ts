/**
 * Names are plain (each test's service has its own database, and the browser test's screenshots show them); codes
 * carry the tag.
 *
 * Two general contractors, each with a project, and a login for each role the pages tests sign in as: what the
 * pages' HTTP and browser tests share. Registered by the admin over the API, as a platform operator would.
 */
import { creditCode } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import type { Api } from '../../../simulators/api.ts'
import { createLogin, PASSWORD } from '../../access/helpers/site.ts'

export { PASSWORD }

export interface PagesSite {
  projectId: string
  projectName: string
  siteCode: string
  constructionUnitName: string
  generalContractorName: string
  /** The other contractor's project: out of the labour manager's scope. */
  otherProjectId: string
  otherProjectName: string
  /**
   * Logins (password PASSWORD): this project's labour manager, the other contractor's, a team manager of a
   * subcontractor with a team on this project, an auditor of the region and one of another city, a bank.
   */
  logins: { labourManager: string; otherLabourManager: string; teamManager: string; auditor: string; otherAuditor: string; bank: string }
}

export async function registerPagesSite(admin: Api, opts: { tag: string; seed: number; projectName?: string }): Promise<PagesSite> {
  const rng = new Rng(opts.seed)
  const org = (kind: string, name: string) => admin.post<{ id: string; name: string }>('/api/organisations', { kind, name, creditCode: creditCode(rng) })
  const cu = await org('construction_unit', '杭州城投置业有限公司')
  const gc = await org('general_contractor', '浙江建工集团有限公司')
  const otherGc = await org('general_contractor', '钱塘建设有限公司')
  const sub = await org('subcontractor', '杭州劳务有限公司')
  // Each project its own account number: a dedicated account is one project's, and a project is created with it.
  const project = (siteCode: string, name: string, gcId: string, accountNo: string) =>
    admin.post<{ id: string; name: string; siteCode: string }>('/api/projects', {
      siteCode,
      name,
      regionCode: '330106',
      payDay: 15,
      constructionUnitId: cu.id,
      generalContractorId: gcId,
      account: { bank: '中国农业银行杭州西湖支行', bankCode: '103331000017', no: accountNo, name: `${gc.name}${name}农民工工资专用账户` },
    })
  const p = await project(`${opts.tag}-A`, opts.projectName ?? '西溪安置房二期', gc.id, `19045101040${opts.seed}`)
  const other = await project(`${opts.tag}-B`, '钱塘江堤加固工程', otherGc.id, `19045101041${opts.seed}`)
  await admin.post(`/api/projects/${p.id}/teams`, { name: '钢筋班', employerId: sub.id })
  const logins = {
    labourManager: `lm.${opts.tag}`,
    otherLabourManager: `lm.other.${opts.tag}`,
    teamManager: `tm.${opts.tag}`,
    auditor: `auditor.${opts.tag}`,
    otherAuditor: `auditor.nb.${opts.tag}`,
    bank: `bank.${opts.tag}`,
  }
  await createLogin(admin, logins.labourManager, 'labour_manager', { organisationId: gc.id })
  await createLogin(admin, logins.otherLabourManager, 'labour_manager', { organisationId: otherGc.id })
  await createLogin(admin, logins.teamManager, 'team_manager', { organisationId: sub.id })
  await createLogin(admin, logins.auditor, 'auditor', { regionCode: '3301' })
  await createLogin(admin, logins.otherAuditor, 'auditor', { regionCode: '3302' })
  await createLogin(admin, logins.bank, 'bank', { bankCode: '103' })
  return {
    projectId: p.id,
    projectName: p.name,
    siteCode: p.siteCode,
    constructionUnitName: cu.name,
    generalContractorName: gc.name,
    otherProjectId: other.id,
    otherProjectName: other.name,
    logins,
  }
}
