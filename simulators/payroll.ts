/**
 * The month's money as a site's back office moves it, through the HTTP API: the labour manager reviews the days the
 * gates left incomplete and confirms each team's timesheet; the team manager makes the payroll sheet (工资支付表) and
 * sends it; the workers answer it (one disputes); the team manager submits it and the GC's labour manager approves it.
 * Each party acts with its own login, as it would on a real site.
 */
import type { Api } from './api.ts'
import { ApiError } from './api.ts'

export interface TeamSheet {
  teamId: string
  teamName: string
  sheetId: string
  state: string
  netFen: number
  workerCount: number
  disputed: number
}

interface ReviewDay {
  workerId: string
  workDate: string
  reasons: string[]
}

/** The error body's code and details, when a call is refused. */
function refusal(e: unknown): { code: string; details: Record<string, unknown> } | undefined {
  if (!(e instanceof ApiError)) return undefined
  const err = (e.body as { error?: { code?: string; details?: Record<string, unknown> } } | undefined)?.error
  return err?.code ? { code: err.code, details: err.details ?? {} } : undefined
}

/**
 * Confirms a team's month. Days the gates left for review are settled first, as a labour manager does after checking
 * with the team: an incomplete day (a punch missing) is set present, a suspect clock reading accepted as a present day.
 */
export async function reviewAndConfirm(manager: Api, projectId: string, teamId: string, month: string): Promise<{ reviewed: number }> {
  const confirm = (): Promise<unknown> => manager.post(`/api/projects/${projectId}/teams/${teamId}/timesheets/${month}/confirmation`, { confirmedBy: '劳资专管员 王芳' })
  let reviewed = 0
  for (let round = 0; round < 20; round++) {
    try {
      await confirm()
      return { reviewed }
    } catch (e) {
      const r = refusal(e)
      if (r?.code === 'timesheet_already_confirmed') return { reviewed }
      if (r?.code !== 'timesheet_needs_review') throw e
      for (const day of (r.details.days ?? []) as ReviewDay[]) {
        await manager.post(`/api/projects/${projectId}/workers/${day.workerId}/days/${day.workDate}/corrections`, {
          kind: 'set_status',
          status: 'present',
          reason: `班组长核实：${day.reasons.includes('incomplete') ? '漏刷卡，当天在岗' : '考勤机时钟异常，当天在岗'}`,
          author: '劳资专管员 王芳',
        })
        reviewed++
      }
    }
  }
  throw new Error(`team ${teamId}: the month still needs review after 20 rounds`)
}

type SheetView = { sheetId: string; state: string; totals?: { netFen: number }; netFen?: number; lines: Array<{ workerId: string }> }

/**
 * Makes, sends and (after the workers' answers) submits and approves one team's sheet. `answer` says how each worker
 * answers; a worker it returns undefined for does not answer at all.
 */
export async function payrollSheet(
  /** `worker` answers with the worker's own login (channel app), or, with `answersOnPaper`, records the paper they signed. */
  parties: { teamManager: Api; labourManager: Api; worker: (workerId: string) => Api; answersOnPaper?: boolean },
  projectId: string,
  team: { id: string; name: string },
  month: string,
  answer: (workerId: string) => { decision: 'confirm' | 'dispute'; note?: string } | undefined,
): Promise<TeamSheet> {
  const base = `/api/projects/${projectId}/teams/${team.id}/payroll-sheets/${month}`
  const made = await parties.teamManager.post<SheetView>(base, { reason: '按已确认考勤表编制' })
  await parties.teamManager.post(`${base}/send`, { reason: '发给工人确认' })
  let disputed = 0
  for (const line of made.lines) {
    const a = answer(line.workerId)
    if (!a) continue
    if (a.decision === 'dispute') disputed++
    await parties.worker(line.workerId).post(`/api/projects/${projectId}/workers/${line.workerId}/payroll/${month}/answer`, { decision: a.decision, channel: parties.answersOnPaper ? 'paper' : 'app', ...(a.note ? { note: a.note } : {}) })
  }
  await parties.teamManager.post(`${base}/submit`, { reason: '班组提交' })
  const approved = await parties.labourManager.post<SheetView>(`${base}/approve`, { reason: '总包劳资审核通过' })
  return { teamId: team.id, teamName: team.name, sheetId: approved.sheetId, state: approved.state, netFen: approved.totals?.netFen ?? approved.netFen ?? 0, workerCount: made.lines.length, disputed }
}

/** The construction unit's own account, from which it funds labour cost into the dedicated account. */
export const FUNDER_ACCOUNT_NO = '33050161880000001234'

/**
 * The dedicated account (the project was created with it, without its opening date) restated from the bank's 开户证明
 * with its opening date and balance, the contract's labour-cost schedule, and the bank's statement of the account:
 * the construction unit funds the month's labour cost three days after it was due, so five days before pay day the
 * account is short of the approved payroll (FUNDING_SHORT); the next month's funding, due on the first of the month
 * after it, has not arrived at all (FUNDING_LATE).
 */
export async function fundAccount(
  manager: Api,
  bank: Api,
  projectId: string,
  account: { bank: string; bankCode: string; accountNo: string; accountName: string },
  month: string,
  amountFen: number,
  funderName: string,
): Promise<{ statementLines: number; dueOn: string; arrivedOn: string }> {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const next = (k: number): string => new Date(Date.UTC(y, m - 1 + k, 1)).toISOString().slice(0, 7)
  const dueOn = `${next(1)}-03`
  const arrivedOn = `${next(1)}-06`
  await manager.post(`/api/projects/${projectId}/dedicated-account`, { ...account, openedOn: `${next(-2)}-01`, openingFen: 0, reason: '开户登记（专用账户开户证明）' })
  await manager.post(`/api/projects/${projectId}/contract`, {
    contractAmountFen: 86_000_000_00,
    labourCostFen: 17_200_000_00,
    funderAccountNos: [FUNDER_ACCOUNT_NO],
    signedOn: `${next(-2)}-01`,
    reason: '施工合同人工费用拨付条款',
    periods: [
      { periodId: month, dueOn, amount: { kind: 'fixed', amountFen } },
      { periodId: next(1), dueOn: `${next(2)}-01`, amount: { kind: 'fixed', amountFen } },
    ],
  })
  const yuan = (fenAmount: number): string => `${Math.floor(fenAmount / 100)}.${String(fenAmount % 100).padStart(2, '0')}`
  const csv = [
    `账号,${account.accountNo}`,
    `户名,${account.accountName}`,
    '币种,人民币',
    '交易日期,记账日期,借方金额,贷方金额,对方账号,对方户名,流水号,摘要',
    `${arrivedOn},${arrivedOn},,${yuan(amountFen)},${FUNDER_ACCOUNT_NO},${funderName},ABCF${arrivedOn.replace(/-/g, '')}0001,人工费拨付 ${month}`,
    '',
  ].join('\r\n')
  const posted = await bank.request<{ statement: { lineCount: number } }>('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(`\ufeff${csv}`, 'utf8'), 'text/csv')
  return { statementLines: posted.statement?.lineCount ?? 1, dueOn, arrivedOn }
}

/** A bank guarantee letter (银行保函) in place of the cash deposit, expiring within the month: DEPOSIT_EXPIRING. */
export async function lodgeDeposit(manager: Api, projectId: string, contractorId: string, today: string): Promise<void> {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number]
  const expiresOn = new Date(Date.UTC(y, m - 1, d + 20)).toISOString().slice(0, 10)
  await manager.post(`/api/projects/${projectId}/wage-deposits`, {
    contractorId,
    form: 'bank_guarantee',
    amountFen: 860_000_00,
    issuer: '中国农业银行杭州分行',
    reference: 'ABC-BG-2026-0815',
    effectiveOn: `${y - 1}-${String(m).padStart(2, '0')}-01`,
    expiresOn,
    reason: '工资保证金以银行保函形式提交',
  })
}

export interface InstructionLine {
  workerId: string
  endToEndId: string
  payeeName: string
  amountFen: number
}

/** The bank instruction (代发指令) of an approved sheet: the lines, and both files a bank takes (pain.001, GBK 代发). */
export async function instruct(manager: Api, projectId: string, teamId: string, month: string): Promise<{ id: string; msgId: string; lines: InstructionLine[]; pain001: Buffer; agencyFile: Buffer }> {
  const made = await manager.post<{ id: string; msgId: string; lines: InstructionLine[] }>(`/api/projects/${projectId}/teams/${teamId}/payroll-sheets/${month}/instruction`, {})
  const file = async (path: string): Promise<Buffer> => {
    const res = await manager.fetch(path)
    if (!res.ok) throw new ApiError(res.status, await res.text())
    return Buffer.from(await res.arrayBuffer())
  }
  return {
    id: made.id,
    msgId: made.msgId,
    lines: made.lines,
    pain001: await file(`/api/projects/${projectId}/instructions/${made.id}/pain001`),
    agencyFile: await file(`/api/projects/${projectId}/instructions/${made.id}/agency-file?profile=cmb`),
  }
}
