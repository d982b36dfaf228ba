/**
 * The six systems (六项制度, shared/domain.md "Why it exists") of one project, each as the bureau's inspector reads
 * it: green (in place), yellow (in place with a gap, or not yet shown by the ledger) or red (missing, or broken in a
 * way 条例 Art. 54–57 penalises). Every colour comes with the rule that set it and the evidence: the figures the
 * ledger holds, each naming its source so the page can link it.
 *
 * The thresholds are ours where the rules give none; each is named below with its reason. "The month due" is the
 * latest month whose pay date (the project's pay day of the next month, payroll/rules.ts payDateOf) has come: the
 * last month whose wages must already be in the workers' cards.
 *
 * Pure: the oversight service gathers the facts (src/oversight/service.ts); this only judges them.
 */
import type { Month, WorkDate } from '../kernel/time.ts'

export type Colour = 'green' | 'yellow' | 'red'

/** As a page or a file names them: 绿 / 黄 / 红 (never by colour alone: the name is written beside the swatch). */
export const COLOUR_NAMES: Readonly<Record<Colour, string>> = { green: '绿', yellow: '黄', red: '红' }

export type SystemKey = 'real_name' | 'dedicated_account' | 'agency_payment' | 'deposit' | 'rights_board' | 'monthly_in_full'

/** In the order the bureau's checklists list them. */
export const SYSTEMS: ReadonlyArray<{ key: SystemKey; name: string }> = [
  { key: 'real_name', name: '实名制' },
  { key: 'dedicated_account', name: '专用账户' },
  { key: 'agency_payment', name: '总包代发' },
  { key: 'deposit', name: '工资保证金' },
  { key: 'rights_board', name: '维权告示牌' },
  { key: 'monthly_in_full', name: '按月足额支付' },
]

/** Where a figure comes from: an API route's path (the page links it), with what to look at there. */
export type Source =
  | 'enrolments'
  | 'devices'
  | 'dedicated_account'
  | 'account_statements'
  | 'instructions'
  | 'payouts'
  | 'cases'
  | 'wage_deposits'
  | 'contract'
  | 'rights_board'
  | 'reconciliation'

export interface Evidence {
  label: string
  value: string
  source: Source
}

export interface SystemStatus {
  key: SystemKey
  name: string
  colour: Colour
  /** The rule, as one sentence, that gave this colour. */
  rule: string
  evidence: Evidence[]
}

/**
 * Share of the roster without a contract or safety training above which 实名制 is red rather than yellow: one
 * platform colours a project red when 10% or more of attended workers have no pay record (shared/domain.md "What
 * regulators and platforms flag"); the same tenth is used for the roster's papers, so one missing contract on a
 * hundred-worker site is a gap to fix, not a broken system.
 */
export const REAL_NAME_RED_SHARE = 0.1

/** Days without a credit into the dedicated account after which funding counts as lapsed: a month and its pay-day slack. */
export const FUNDING_LAPSE_DAYS = 45

export interface SixSystemsInput {
  today: WorkDate
  /** The latest month whose pay date has come (see the head comment). */
  dueMonth: Month
  roster: {
    /** Enrolments on site today (entered, not exited). */
    active: number
    withoutContract: number
    withoutTraining: number
    devices: number
  }
  account: {
    /** The register's entry in force (专用账户登记), or null when none is registered; openedOn null: not given. */
    registered: { openedOn: WorkDate | null } | null
    statements: number
    /** The newest credit (income) booked into the account, or null when none. */
    lastCreditOn: WorkDate | null
  }
  agency: {
    /** Workers enrolled at any time in the month due (entered by its end, not exited before its start). */
    workersInDueMonth: number
    /** Bank instructions (代发指令) for the month due. */
    instructions: number
    /** Bank result lines of the month due that were paid. */
    paidLines: number
    /** Open cases of kind PAYER_NOT_DEDICATED (paid from another account) on any month. */
    notDedicatedOpen: number
  }
  deposit: {
    /** No contract recorded, or no rate table for the region: the required amount cannot be known. */
    requirementKnown: boolean
    /** DEPOSIT_MISSING, DEPOSIT_SHORT, DEPOSIT_EXPIRING as deposits/rules.ts raises them today. */
    flags: ReadonlyArray<'DEPOSIT_MISSING' | 'DEPOSIT_SHORT' | 'DEPOSIT_EXPIRING'>
    inForceFen: number
    requiredFen: number | null
  }
  board: {
    /** Labels of the rights board's facts and channels shown as 未登记 (src/oversight/rights-board-facts.ts). */
    unrecorded: readonly string[]
    facts: number
  }
  payment: {
    /** Open (or acknowledged) arrears cases (UNPAID / SHORTFALL family), any month, with their amount short. */
    openArrears: number
    openArrearsShortFen: number
    /** The newest reconciliation run of the month due, or null when none ran. */
    dueMonthRun: { dueFen: number; paidFen: number; shortFen: number } | null
  }
}

const yuan = (f: number): string => `¥${(f / 100).toFixed(2)}`
const share = (n: number, of: number): string => (of === 0 ? '0%' : `${((100 * n) / of).toFixed(1)}%`)

/**
 * 实名制 (real-name management, 建市〔2019〕18号): every worker on the roster with a contract and safety training, and
 * a gate or face terminal that records attendance.
 * - red: workers on site and no attendance device, or more than REAL_NAME_RED_SHARE of them without a contract or
 *   safety training;
 * - yellow: nobody on the roster today (not started, or the roster is not kept: the ledger cannot tell), or a few
 *   without their papers;
 * - green: everyone on site has both, and a device records them.
 */
export function realName(r: SixSystemsInput['roster']): Omit<SystemStatus, 'key' | 'name'> {
  const lacking = Math.max(r.withoutContract, r.withoutTraining)
  const evidence: Evidence[] = [
    { label: '在场实名登记人数', value: String(r.active), source: 'enrolments' },
    { label: '无劳动合同', value: `${r.withoutContract}（${share(r.withoutContract, r.active)}）`, source: 'enrolments' },
    { label: '未经安全培训', value: `${r.withoutTraining}（${share(r.withoutTraining, r.active)}）`, source: 'enrolments' },
    { label: '考勤设备', value: String(r.devices), source: 'devices' },
  ]
  if (r.active > 0 && r.devices === 0) return { colour: 'red', rule: '有工人在场但没有登记考勤设备：考勤无从记录', evidence }
  if (r.active > 0 && lacking > r.active * REAL_NAME_RED_SHARE) {
    return { colour: 'red', rule: `超过 ${REAL_NAME_RED_SHARE * 100}% 的在场工人缺劳动合同或安全培训`, evidence }
  }
  if (r.active === 0) return { colour: 'yellow', rule: '花名册上今天没有在场工人：未开工，或未按实名制登记', evidence }
  if (lacking > 0) return { colour: 'yellow', rule: `有在场工人缺劳动合同或安全培训（不超过 ${REAL_NAME_RED_SHARE * 100}%）`, evidence }
  return { colour: 'green', rule: '在场工人均有劳动合同和安全培训，且有考勤设备', evidence }
}

/** Whole days from a to b (both YYYY-MM-DD). */
function daysBetween(a: WorkDate, b: WorkDate): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000)
}

/**
 * 专用账户 (the dedicated wage account, 条例 Art. 26, 29): registered, and funded by the construction unit at least
 * monthly.
 * - red: not registered (条例 Art. 55 penalises a project without one);
 * - yellow: registered, but no statement posted, or no credit in the last FUNDING_LAPSE_DAYS (labour cost is due at
 *   least monthly; the slack covers a pay cycle's timing);
 * - green: registered and credited within FUNDING_LAPSE_DAYS.
 */
export function dedicatedAccount(a: SixSystemsInput['account'], today: WorkDate): Omit<SystemStatus, 'key' | 'name'> {
  const evidence: Evidence[] = [
    { label: '专用账户登记', value: a.registered ? (a.registered.openedOn === null ? '已登记（开户日期未填）' : `已登记，${a.registered.openedOn} 开户`) : '未登记', source: 'dedicated_account' },
    { label: '已上传对账单', value: String(a.statements), source: 'account_statements' },
    { label: '最近一笔人工费拨付', value: a.lastCreditOn ?? '无', source: 'account_statements' },
  ]
  if (!a.registered) return { colour: 'red', rule: '未登记农民工工资专用账户（条例第五十五条）', evidence }
  if (a.statements === 0) return { colour: 'yellow', rule: '已登记专用账户，但未上传对账单：拨付情况无从核对', evidence }
  if (a.lastCreditOn === null || daysBetween(a.lastCreditOn, today) > FUNDING_LAPSE_DAYS) {
    return { colour: 'yellow', rule: `${FUNDING_LAPSE_DAYS} 天内没有人工费拨入专用账户`, evidence }
  }
  return { colour: 'green', rule: `已登记专用账户，${FUNDING_LAPSE_DAYS} 天内有人工费拨入`, evidence }
}

/**
 * 总包代发 (the general contractor pays through the bank, from the dedicated account, into each worker's card, 条例
 * Art. 31), judged on the month due.
 * - red: an open PAYER_NOT_DEDICATED case (paid from another account), or workers on the roster that month and no
 *   paid line from the bank;
 * - yellow: paid lines, but no bank instruction made through the ledger for the month (paid, but not on the
 *   contractor's reviewed instruction);
 * - green: nobody to pay that month, or an instruction and the bank's paid lines.
 */
export function agencyPayment(g: SixSystemsInput['agency'], dueMonth: Month): Omit<SystemStatus, 'key' | 'name'> {
  const evidence: Evidence[] = [
    { label: `${dueMonth} 在册工人`, value: String(g.workersInDueMonth), source: 'enrolments' },
    { label: `${dueMonth} 代发指令`, value: String(g.instructions), source: 'instructions' },
    { label: `${dueMonth} 银行代发成功笔数`, value: String(g.paidLines), source: 'payouts' },
    { label: '非专用账户付款（未结案件）', value: String(g.notDedicatedOpen), source: 'cases' },
  ]
  if (g.notDedicatedOpen > 0) return { colour: 'red', rule: '有工资不是从专用账户付出的未结案件', evidence }
  if (g.workersInDueMonth > 0 && g.paidLines === 0) return { colour: 'red', rule: `${dueMonth} 有在册工人，但银行没有一笔代发成功`, evidence }
  if (g.workersInDueMonth > 0 && g.instructions === 0) return { colour: 'yellow', rule: `${dueMonth} 有银行代发记录，但没有经台账发出的代发指令`, evidence }
  if (g.workersInDueMonth === 0) return { colour: 'green', rule: `${dueMonth} 没有在册工人，无需代发`, evidence }
  return { colour: 'green', rule: `${dueMonth} 经代发指令由银行代发到工人本人银行卡`, evidence }
}

/**
 * 工资保证金 (the wage guarantee deposit, 人社部发〔2021〕65号), from deposits/rules.ts's flags today.
 * - red: DEPOSIT_MISSING or DEPOSIT_SHORT;
 * - yellow: a letter or policy expiring within 30 days (DEPOSIT_EXPIRING), or the requirement cannot be computed (no
 *   contract recorded, or no rate table for the region) so nothing can be checked;
 * - green: in force and enough, or exempt.
 */
export function deposit(d: SixSystemsInput['deposit']): Omit<SystemStatus, 'key' | 'name'> {
  const evidence: Evidence[] = [
    { label: '在保金额', value: yuan(d.inForceFen), source: 'wage_deposits' },
    { label: '应存金额', value: d.requiredFen === null ? '无法计算（未登记施工合同或无本地费率）' : yuan(d.requiredFen), source: d.requiredFen === null ? 'contract' : 'wage_deposits' },
    { label: '预警', value: d.flags.length === 0 ? '无' : d.flags.join('、'), source: 'wage_deposits' },
  ]
  if (d.flags.includes('DEPOSIT_MISSING')) return { colour: 'red', rule: '应存工资保证金而没有在保的保证金', evidence }
  if (d.flags.includes('DEPOSIT_SHORT')) return { colour: 'red', rule: '在保工资保证金少于应存金额', evidence }
  if (d.flags.includes('DEPOSIT_EXPIRING')) return { colour: 'yellow', rule: '保函或保险 30 天内到期', evidence }
  if (!d.requirementKnown) return { colour: 'yellow', rule: '未登记施工合同（或本地区无费率表），应存金额无法核对', evidence }
  return { colour: 'green', rule: '工资保证金在保且足额（或依规免存）', evidence }
}

/**
 * 维权告示牌 (the rights board, 条例 Art. 34), from the facts src/oversight/rights-board-facts.ts shows.
 * - red: half the facts or more are 未登记 (the board would not tell a worker where to turn);
 * - yellow: some facts 未登记 (today always the labour manager and the local line: no field holds them yet);
 * - green: every fact recorded.
 */
export function rightsBoard(b: SixSystemsInput['board']): Omit<SystemStatus, 'key' | 'name'> {
  const evidence: Evidence[] = [
    { label: '告示牌事项', value: String(b.facts), source: 'rights_board' },
    { label: '未登记事项', value: b.unrecorded.length === 0 ? '无' : b.unrecorded.join('、'), source: 'rights_board' },
  ]
  if (b.unrecorded.length * 2 >= b.facts) return { colour: 'red', rule: '告示牌一半以上事项未登记', evidence }
  if (b.unrecorded.length > 0) return { colour: 'yellow', rule: '告示牌有事项未登记', evidence }
  return { colour: 'green', rule: '告示牌事项均已登记', evidence }
}

/**
 * 按月足额支付 (monthly payment in full, 条例 Art. 11, 月清月结).
 * - red: an open arrears case (UNPAID / SHORTFALL), whatever its month, or the month due's latest reconciliation
 *   found a shortfall;
 * - yellow: no reconciliation of the month due (no bank file posted, so payment in full is not shown);
 * - green: the month due reconciled with nothing short, and no open arrears case.
 */
export function monthlyInFull(p: SixSystemsInput['payment'], dueMonth: Month, workersInDueMonth: number): Omit<SystemStatus, 'key' | 'name'> {
  const run = p.dueMonthRun
  const evidence: Evidence[] = [
    { label: '未结欠薪案件', value: `${p.openArrears}（欠 ${yuan(p.openArrearsShortFen)}）`, source: 'cases' },
    { label: `${dueMonth} 应发 / 实发`, value: run ? `${yuan(run.dueFen)} / ${yuan(run.paidFen)}` : '未对账', source: 'reconciliation' },
    { label: `${dueMonth} 少发`, value: run ? yuan(run.shortFen) : '未对账', source: 'reconciliation' },
  ]
  if (p.openArrears > 0) return { colour: 'red', rule: '有未结的欠薪案件', evidence }
  if (run && run.shortFen > 0) return { colour: 'red', rule: `${dueMonth} 对账有少发`, evidence }
  if (!run && workersInDueMonth > 0) return { colour: 'yellow', rule: `${dueMonth} 尚未对账：是否足额支付无从证明`, evidence }
  if (!run) return { colour: 'green', rule: `${dueMonth} 没有在册工人，无应发工资`, evidence }
  return { colour: 'green', rule: `${dueMonth} 已足额支付，无未结欠薪案件`, evidence }
}

/** The six, in SYSTEMS order. */
export function sixSystems(input: SixSystemsInput): SystemStatus[] {
  const judged: Record<SystemKey, Omit<SystemStatus, 'key' | 'name'>> = {
    real_name: realName(input.roster),
    dedicated_account: dedicatedAccount(input.account, input.today),
    agency_payment: agencyPayment(input.agency, input.dueMonth),
    deposit: deposit(input.deposit),
    rights_board: rightsBoard(input.board),
    monthly_in_full: monthlyInFull(input.payment, input.dueMonth, input.agency.workersInDueMonth),
  }
  return SYSTEMS.map((s) => ({ key: s.key, name: s.name, ...judged[s.key] }))
}

/** The month before. */
export function previousMonth(month: Month): Month {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`
}

/** The latest month whose pay date (payDateOf) is on or before today: the month whose wages must already be paid. */
export function dueMonthOf(today: WorkDate, payDateOf: (m: Month) => WorkDate): Month {
  let m = previousMonth(today.slice(0, 7))
  while (payDateOf(m) > today) m = previousMonth(m)
  return m
}
