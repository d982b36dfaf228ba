/** The instruction and payee lines the pain.001 and 代发 file tests write from. */
import type { AgencyFileLine } from '../../../src/instructions/agency-file.ts'
import type { Pain001Instruction } from '../../../src/instructions/pain001.ts'
import { fen } from '../../../src/kernel/money.ts'
import { creditCodeCheckChar } from '../../../src/roster/identity.ts'

const GC_CODE_BODY = '91330106MA2H0X0X0'

export const INSTRUCTION: Pain001Instruction = {
  messageId: 'WL-P1-2026-11-A1',
  createdAtMs: Date.UTC(2026, 11, 3, 8, 0, 0),
  initiatingParty: { name: '浙江之江建设集团有限公司', creditCode: GC_CODE_BODY + creditCodeCheckChar(GC_CODE_BODY)! },
  debtor: { name: '浙江之江建设集团有限公司西溪项目农民工工资专用账户', accountNo: '33050161123500000123', bankCode: '105331000013' },
  requestedExecutionDate: '2026-12-10',
}

/** Worker n's line of November 2026 (a 代发 line is a pain.001 line with an optional memo). */
export function line(n: number, over: Partial<AgencyFileLine> = {}): AgencyFileLine {
  return {
    workerId: `0190f000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    month: '2026-11',
    attempt: 1,
    workerName: `工人${n}`,
    cardNo: `62170015400${String(n).padStart(8, '0')}`,
    cardBankName: '中国建设银行杭州西湖支行',
    amountFen: fen(100_000 + n),
    ...over,
  }
}
