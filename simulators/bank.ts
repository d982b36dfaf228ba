/**
 * A simulated bank: pays a month's wages out of the dedicated account and
 * writes the result file (代发结果文件) in GBK, as a bank's batch system
 * would — with the faults the reconciliation must catch: shortfalls, a worker
 * left off the batch, two workers' wages paid to their labour boss's card, a
 * payment that failed on a frozen account, and one that arrived late.
 */
import { fen, subFen, sumFen, type Fen } from '../src/kernel/money.ts'
import { formatPayoutFile, type PayoutFileLineInput } from '../src/payouts/file-format.ts'
import { Rng } from './random.ts'
import type { RegisteredSite, SitePlan } from './site.ts'

export interface DueFromApi {
  payDate: string
  workers: Array<{ workerId: string; name: string; dueFen: number }>
}

export interface BankScenario {
  file: Buffer
  /** What the reconciliation should flag, by kind. */
  expectedFlags: Record<string, number>
  lines: PayoutFileLineInput[]
}

function dayBefore(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10)
}

/**
 * `due` is what the bank was told to pay: the timesheet's pay due, or an instruction's lines. With `endToEndIds` (the
 * instruction's EndToEndId per worker) each line paid to a worker's own card carries it back, as a bank answering a
 * pain.001 does; the boss's card was never instructed, so its line has none.
 */
export function bankResultFile(plan: SitePlan, site: RegisteredSite, due: DueFromApi, seed = plan.spec.seed + 2, endToEndIds?: ReadonlyMap<string, string>): BankScenario {
  const rng = new Rng(seed)
  const cardOf = new Map<string, string>()
  for (const w of plan.workers) cardOf.set(site.workerIds.get(w.key) as string, w.cardNo)
  const payable = due.workers.filter((w) => w.dueFen > 0)
  const onTime = dayBefore(due.payDate, 2)
  const late = dayBefore(due.payDate, -3)

  // Pick distinct workers for each fault, deterministically.
  const order = [...payable].sort((a, b) => (a.workerId < b.workerId ? -1 : 1))
  const take = (): DueFromApi['workers'][number] => order.splice(rng.int(0, order.length - 1), 1)[0]!
  const short = [take(), take(), take()]
  const missed = take()
  const viaBoss = [take(), take()]
  const frozen = take()
  const lateOne = take()
  const special = new Set([...short, missed, ...viaBoss, frozen, lateOne].map((w) => w.workerId))

  const lines: PayoutFileLineInput[] = []
  let seq = 0
  const pay = (card: string, name: string, amountFen: Fen, status: 'success' | 'failed', valueDate: string, failureReason: string | null = null, workerId?: string) => {
    seq++
    const endToEndId = workerId === undefined ? undefined : endToEndIds?.get(workerId)
    lines.push({ seq, payeeCard: card, payeeName: name, amountFen, status, bankRef: `ABC${due.payDate.replace(/-/g, '')}${String(seq).padStart(6, '0')}`, valueDate, failureReason, ...(endToEndId ? { endToEndId } : {}) })
  }
  for (const w of payable) {
    if (special.has(w.workerId)) continue
    pay(cardOf.get(w.workerId) as string, w.name, fen(w.dueFen), 'success', onTime, null, w.workerId)
  }
  for (const w of short) pay(cardOf.get(w.workerId) as string, w.name, subFen(fen(w.dueFen), fen(rng.int(1, 5) * 10_000)), 'success', onTime, null, w.workerId)
  pay(plan.labourBoss.cardNo, plan.labourBoss.name, sumFen(viaBoss.map((w) => fen(w.dueFen))), 'success', onTime)
  pay(cardOf.get(frozen.workerId) as string, frozen.name, fen(frozen.dueFen), 'failed', onTime, '账户冻结', frozen.workerId)
  pay(cardOf.get(lateOne.workerId) as string, lateOne.name, fen(lateOne.dueFen), 'success', late, null, lateOne.workerId)

  return {
    file: formatPayoutFile(lines, { encoding: 'gbk', delimiter: '|', withTotals: true, chineseHeader: true }),
    lines,
    // missed + two via the boss + the frozen card are unpaid; the boss's card is unknown.
    expectedFlags: { SHORTFALL: 3, UNPAID: 4, UNKNOWN_PAYEE: 1, FAILED: 1, LATE: 1 },
  }
}
