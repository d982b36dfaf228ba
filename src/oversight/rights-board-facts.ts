/**
 * What the rights board (维权信息告示牌) says, from the facts the ledger keeps. 保障农民工工资支付条例 Art. 34 has the
 * general contractor post it "in a conspicuous place at the entrance of the site": the parties, the labour manager,
 * the pay day, the minimum wage, and where to complain about unpaid wages. So nothing on it is personal data, and
 * nothing on it may be a guess: a fact the ledger does not hold is shown as 未登记 (not recorded), never left out, so
 * the inspector and the worker both see what is missing.
 *
 * Pure: the route gathers the inputs through the services and renders what this returns.
 */
import { formatYuan } from '../kernel/money.ts'
import type { WorkDate } from '../kernel/time.ts'
import type { MinimumWage, MinimumWageStandard } from '../payroll/minimum-wage.ts'

/** Shown for every fact the ledger does not record. */
export const UNRECORDED = '未登记'

export interface BoardInputs {
  project: { id: string; siteCode: string; name: string; regionCode: string; payDay: number }
  constructionUnit: { name: string }
  generalContractor: { name: string }
  /**
   * The dedicated account as registered (专用账户登记, the entry in force), or else as the project was created with.
   * Only the bank and the account's name are shown: the account number is not needed to complain or to be paid.
   */
  account: { bank: string; accountName: string }
  /** The minimum wage in force today at the project's region; undefined when no source the ledger keeps names it. */
  minimumWage: MinimumWage | undefined
  /**
   * The provincial standard in force today, when the region's own tier is not kept: the board then lists the
   * province's tiers (the worker's is one of them) and says the county's tier is not recorded, never picks one.
   */
  provincialStandard?: MinimumWageStandard | undefined
  /** Who the general contractor registered for the board (维权信息登记), or undefined when it has not. */
  contacts?: { labourManagerName: string; labourManagerPhone: string; localComplaintName: string | null; localComplaintPhone: string | null } | undefined
  /** Today in the project's time zone: the date the board's facts are as of. */
  today: WorkDate
  /** The worker's own page, which the QR code opens. */
  workerPageUrl: string
}

export interface BoardFact {
  /** Stable key, for tests and for the template's layout. */
  key: 'project' | 'construction_unit' | 'general_contractor' | 'labour_manager' | 'labour_manager_phone' | 'pay_day' | 'account_bank' | 'account_name' | 'minimum_wage'
  label: string
  /** The fact, or UNRECORDED. */
  value: string
  /** A smaller line under the value: where it comes from, or what is missing. */
  note?: string
  recorded: boolean
}

export interface ComplaintChannel {
  label: string
  /** The number to dial, or UNRECORDED. */
  phone: string
  note: string
  recorded: boolean
}

export interface RightsBoard {
  projectId: string
  projectName: string
  siteCode: string
  facts: BoardFact[]
  channels: ComplaintChannel[]
  workerPageUrl: string
  asOf: WorkDate
}

/**
 * The lines every site may list whatever its city: 12333 is 人力资源社会保障部's national hotline, answered by the local
 * bureau, whose labour inspectors (劳动保障监察) take wage complaints; 12345 is the government service hotline, one
 * number in every city since 国办发〔2020〕53号, which forwards wage arrears to the bureau in charge. The local
 * inspection brigade's own line differs by county: the general contractor registers it with the project's contacts.
 */
const NATIONAL_CHANNELS: readonly ComplaintChannel[] = [
  { label: '劳动保障监察举报投诉', phone: '12333', note: '人力资源社会保障服务热线，由当地人社部门受理欠薪投诉', recorded: true },
  { label: '政务服务便民热线', phone: '12345', note: '各地统一号码，转办欠薪问题', recorded: true },
]

/** The pay day as the board states it: wages of a month are paid by this day of the next (clamped to the month's end). */
export function payDayText(payDay: number): string {
  const base = `每月${payDay}日前支付上月工资`
  return payDay > 28 ? `${base}（当月无${payDay}日的，为当月最后一日）` : base
}

const TIER_NAMES: Readonly<Record<number, string>> = { 1: '一档', 2: '二档', 3: '三档', 4: '四档' }

function minimumWageFact(mw: MinimumWage | undefined, provincial: MinimumWageStandard | undefined): BoardFact {
  if (!mw) {
    const tiers = provincial === undefined ? [] : Object.entries(provincial.tiers).sort(([a], [b]) => Number(a) - Number(b))
    if (tiers.length === 0) {
      return { key: 'minimum_wage', label: '当地最低工资标准', value: UNRECORDED, note: '本项目所在地区的最低工资标准未收录', recorded: false }
    }
    // The province's tiers are sourced; which one the county is in is not: list them all, name none.
    // Monthly figures only: the board is one sheet, and full-time work is what a site's workers do.
    const list = tiers.map(([tier, a]) => `${TIER_NAMES[Number(tier)] ?? `第${tier}档`} ${formatYuan(a.monthlyFen)} 元`).join('、')
    return {
      key: 'minimum_wage',
      label: '当地最低工资标准',
      value: UNRECORDED,
      note: `本地区适用档次未收录。全省月最低工资（${provincial!.effectiveFrom} 起）：${list}`,
      recorded: false,
    }
  }
  return {
    key: 'minimum_wage',
    label: '当地最低工资标准',
    value: `月最低工资 ${formatYuan(mw.monthlyFen)} 元；非全日制每小时 ${formatYuan(mw.hourlyFen)} 元`,
    note: `第${mw.tier}档，${mw.standardEffectiveFrom} 起执行`,
    recorded: true,
  }
}

export function rightsBoard(input: BoardInputs): RightsBoard {
  const { project, contacts } = input
  const facts: BoardFact[] = [
    { key: 'project', label: '工程名称', value: project.name, note: `项目编号 ${project.siteCode}`, recorded: true },
    { key: 'construction_unit', label: '建设单位', value: input.constructionUnit.name, recorded: true },
    { key: 'general_contractor', label: '施工总承包单位', value: input.generalContractor.name, recorded: true },
    // A login's display name is not the appointment (a general contractor's labour managers log in for every site it
    // runs): the board names whom the general contractor registered for this project.
    contacts
      ? { key: 'labour_manager', label: '劳资专管员', value: contacts.labourManagerName, recorded: true }
      : { key: 'labour_manager', label: '劳资专管员', value: UNRECORDED, note: '本项目的劳资专管员尚未登记', recorded: false },
    contacts
      ? { key: 'labour_manager_phone', label: '劳资专管员电话', value: contacts.labourManagerPhone, recorded: true }
      : { key: 'labour_manager_phone', label: '劳资专管员电话', value: UNRECORDED, recorded: false },
    { key: 'pay_day', label: '工资支付日', value: payDayText(project.payDay), note: '工资由总承包单位通过工资专用账户直接发放到本人银行卡', recorded: true },
    { key: 'account_bank', label: '工资专用账户开户银行', value: input.account.bank, recorded: true },
    { key: 'account_name', label: '工资专用账户户名', value: input.account.accountName, recorded: true },
    minimumWageFact(input.minimumWage, input.provincialStandard),
  ]
  const channels: ComplaintChannel[] = [
    ...NATIONAL_CHANNELS,
    contacts?.localComplaintPhone
      ? { label: '当地劳动保障监察机构电话', phone: contacts.localComplaintPhone, note: contacts.localComplaintName ?? '', recorded: true }
      : { label: '当地劳动保障监察机构电话', phone: UNRECORDED, note: '本项目所在地的投诉电话尚未登记', recorded: false },
  ]
  return { projectId: project.id, projectName: project.name, siteCode: project.siteCode, facts, channels, workerPageUrl: input.workerPageUrl, asOf: input.today }
}
