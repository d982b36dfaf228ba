/**
 * Payment evidence (src/payouts/formats) to the payout lines the ledger stores: each report of a payment becomes one
 * line, whatever format it came in, filled from our own instruction line where the bank names the payment only by
 * its EndToEndId (a pain.002 gives back no card, a camt batch may give no amounts). Pure: the caller reads the
 * instruction lines the file names and stores what this returns, or refuses the file with its errors.
 *
 * A CMB 代发 result names no EndToEndId: only our batch reference (YURREF, the instruction's MsgId) and the line's
 * place in the batch (TRXSEQ). Where those find one of our instruction lines and the bank's card and amount agree with
 * it, the report takes that line's EndToEndId, so that a camt.054 or pain.002 of the same payment and the 代发 result
 * are one payment to reconciliation (src/payouts/reconcile.ts: a payment's identity is its EndToEndId), not two.
 */
import { LIMITS } from '../config/limits.ts'
import { fen, formatYuan, type Fen } from '../kernel/money.ts'
import type { EvidenceFile, EvidenceStatus, PaymentEvidence, StatedTotal } from './formats/evidence.ts'
import type { PayoutLineRow } from './repository.ts'
import type { PayoutLineStatus } from '../db/schema/payouts.ts'

/** A fault of a file as the payout route answers it: the line (0 for the file), the field, a stable code, words to act on. */
export interface FileError {
  line: number
  field?: string
  code: string
  message: string
}

/** What an instruction line tells of the payment it asked for. */
export interface InstructedPayment {
  period: string
  payeeName: string
  cardNo: string
  amountFen: number
}

export interface EvidenceContext {
  projectId: string
  period: string
  fileId: string
  /** Today in the project's zone: the date of a report whose bank gave none (a pending status, a pain.002 without dates). */
  postedOn: string
  /** The file's SHA-256: names the references made up for reports the bank gave none for. */
  sha256: string
  /** The project's instruction lines the file's EndToEndIds name. */
  instructed: ReadonlyMap<string, InstructedPayment>
  /**
   * The project's instruction lines the file's reports without an EndToEndId name by batch reference and place in the
   * batch (`batchSeqKey`; see `batchSeqOf`), each with its EndToEndId. Absent: no report is matched that way.
   */
  instructedByBatchSeq?: ReadonlyMap<string, InstructedPayment & { endToEndId: string }>
  /**
   * Booked payments already posted for the project, by the bank's reference, that the file's returns name by that
   * reference alone: whom they paid. Absent: a return that names no payee finds none on file.
   */
  paidByBankRef?: ReadonlyMap<string, PaidPayment>
  newId: () => string
}

/** Whom a booked payment paid: what a return that names it only by the bank's reference takes its payee from. */
export interface PaidPayment {
  payeeCard: string
  payeeName: string
}

export interface EvidenceTotals {
  lineCount: number
  successCount: number
  successFen: Fen
  failedCount: number
  failedFen: Fen
  pendingCount: number
  returnedCount: number
  returnedFen: Fen
}

/** The key of `EvidenceContext.instructedByBatchSeq`: a batch reference and a 1-based place in it. */
export const batchSeqKey = (batchRef: string, seq: number): string => `${batchRef}\u0000${seq}`

/**
 * Where a report without an EndToEndId says it sat in our batch: the batch reference (paymentInfoId, CMB's YURREF) and
 * the line's place (CMB's TRXSEQ, kept by that format alone), or undefined when it does not say both.
 */
export function batchSeqOf(ev: PaymentEvidence): { batchRef: string; seq: number } | undefined {
  if (ev.endToEndId !== null || ev.paymentInfoId === null || ev.paymentInfoId === '') return undefined
  // CmbPaymentEvidence.trxseq: the only format that tells a line's place in our batch.
  const trxseq = 'trxseq' in ev ? ev.trxseq : undefined
  if (typeof trxseq !== 'string' || !/^\d{1,8}$/.test(trxseq)) return undefined
  const seq = Number(trxseq)
  return seq > 0 ? { batchRef: ev.paymentInfoId, seq } : undefined
}

/**
 * Our instruction line a report without an EndToEndId names by batch and place, when the bank's card and amount agree
 * with it. A place is a weaker name than a reference of ours (a batch re-sent in another order, a line number mistyped
 * at the bank), so it is taken only with both confirmed; a report that does not state them confirms nothing.
 */
function matchedByBatchSeq(ev: PaymentEvidence, ctx: EvidenceContext): (InstructedPayment & { endToEndId: string }) | undefined {
  const at = ctx.instructedByBatchSeq === undefined ? undefined : batchSeqOf(ev)
  const line = at === undefined ? undefined : ctx.instructedByBatchSeq?.get(batchSeqKey(at.batchRef, at.seq))
  if (line === undefined) return undefined
  // When the card or the amount disagrees the report keeps no EndToEndId: it stays a payment of its own (by its bank
  // reference), so reconciliation flags what it shows (a card no worker owns, a shortfall, an overpayment) rather than
  // this reading deciding which side is right.
  if (ev.payeeCard !== line.cardNo || ev.amountFen === null || ev.amountFen !== line.amountFen) return undefined
  return line
}

const STATUS: Record<EvidenceStatus, PayoutLineStatus> = { booked: 'success', rejected: 'failed', pending: 'pending', returned: 'returned' }

export function evidenceLines(file: EvidenceFile, ctx: EvidenceContext): { lines: PayoutLineRow[]; totals: EvidenceTotals } | { errors: FileError[] } {
  const errors: FileError[] = []
  const lines: PayoutLineRow[] = []
  const totals = { lineCount: 0, successCount: 0, successFen: 0, failedCount: 0, failedFen: 0, pendingCount: 0, returnedCount: 0, returnedFen: 0 }
  // The bank references met, per status: a set each rather than a joined key per line (100,000 strings fewer).
  const refs: Record<PayoutLineStatus, Set<string>> = { success: new Set(), failed: new Set(), pending: new Set(), returned: new Set() }
  // Groups whose total the file states and whose amounts were taken from our instruction: what they add up to.
  const grouped = new Map<string, { stated: StatedTotal; sumFen: number; count: number }>()
  // Reports without a bank reference get one made up from the file and the line; the transactions of one camt batch
  // entry share the entry's line number, so each also gets its place in the entry.
  const unreferenced = new Map<number, number>()
  for (const ev of file.lines) if (ev.bankRef === null) unreferenced.set(ev.lineNo, (unreferenced.get(ev.lineNo) ?? 0) + 1)
  const placed = new Map<number, number>()
  // A return that names its payment by the bank's reference and no payee (a camt reversal without the parties) was paid
  // to whom that payment was: posted before, or booked in this same file.
  // Only such a return reads it: a file of payments alone builds no map of its 100,000 booked lines.
  const withPaid = file.lines.some((ev) => ev.status === 'returned' && ev.payeeCard === null) ? { ...ctx, paidByBankRef: paidWith(file, ctx) } : ctx
  for (const ev of file.lines) {
    let place: number | undefined
    if (ev.bankRef === null && (unreferenced.get(ev.lineNo) ?? 0) > 1) {
      place = (placed.get(ev.lineNo) ?? 0) + 1
      placed.set(ev.lineNo, place)
    }
    const line = lineOf(file, ev, withPaid, errors, place)
    if (!line) continue
    if (ev.statedTotal !== undefined) {
      const g = grouped.get(ev.statedTotal.group) ?? { stated: ev.statedTotal, sumFen: 0, count: 0 }
      g.sumFen += line.amountFen
      g.count++
      grouped.set(ev.statedTotal.group, g)
    }
    const seen = refs[line.status]
    if (seen.has(line.bankRef)) {
      errors.push({ line: ev.lineNo, field: 'bank_ref', code: 'duplicate_bank_ref', message: `Line ${ev.lineNo} repeats the report of ${line.bankRef} with status ${ev.status}: a report is counted once.` })
      continue
    }
    seen.add(line.bankRef)
    lines.push(line)
    totals.lineCount++
    switch (line.status) {
      case 'success':
        totals.successCount++
        totals.successFen += line.amountFen
        break
      case 'failed':
        totals.failedCount++
        totals.failedFen += line.amountFen
        break
      case 'pending':
        totals.pendingCount++
        break
      case 'returned':
        totals.returnedCount++
        totals.returnedFen += line.amountFen
        break
    }
  }
  for (const { stated, sumFen, count } of grouped.values()) {
    if (errors.length > 0) break
    if (sumFen !== stated.totalFen) {
      errors.push({
        line: 0,
        field: stated.field,
        code: stated.code,
        message: `${stated.label} states ${formatYuan(stated.totalFen)} yuan; its ${count} payments, at the amounts our instruction gave them (the file states none), add up to ${formatYuan(fen(sumFen))}. The file's total is what left the account: check the file with the bank.`,
      })
    }
  }
  if (errors.length > 0) return { errors }
  return {
    lines,
    totals: { ...totals, successFen: fen(totals.successFen), failedFen: fen(totals.failedFen), returnedFen: fen(totals.returnedFen) },
  }
}

/** The booked payments posted before (ctx.paidByBankRef) and those of this file, by the bank's reference. */
function paidWith(file: EvidenceFile, ctx: EvidenceContext): Map<string, PaidPayment> {
  const paid = new Map<string, PaidPayment>(ctx.paidByBankRef ?? [])
  for (const ev of file.lines) {
    const byId = ev.endToEndId === null ? undefined : ctx.instructed.get(ev.endToEndId)
    const payeeCard = ev.payeeCard ?? byId?.cardNo ?? null
    if (ev.status === 'booked' && ev.bankRef !== null && payeeCard !== null) paid.set(ev.bankRef, { payeeCard, payeeName: ev.payeeName ?? byId?.payeeName ?? '' })
  }
  return paid
}

/**
 * The faults the upload would find in a parsed file that need nothing of the ledger: a report in another currency
 * than CNY, above the per-line maximum, naming no payee and no EndToEndId, or stating no amount and naming no
 * instruction, a report repeated. What `npm run bank-file` adds to the parser's faults, so that a file it reads is not
 * then refused on upload for a fault it could have named. Left out, since only the ledger knows them: EndToEndIds
 * and months of our instructions, references already posted, payments a return names by the bank's reference alone,
 * and group totals made of our instructions' amounts.
 */
export function faultsWithoutLedger(file: EvidenceFile): FileError[] {
  const made = evidenceLines(file, { projectId: '', period: '', fileId: '', postedOn: '', sha256: '', instructed: new Map(), newId: () => '' })
  if (!('errors' in made)) return []
  const namedByBankRef = new Set(file.lines.flatMap((l) => (l.status === 'returned' && l.payeeCard === null && l.endToEndId === null && l.returnOf?.bankRef ? [l.lineNo] : [])))
  return made.errors.filter((e) => e.code !== 'unknown_end_to_end_id' && !(e.code === 'no_payee' && namedByBankRef.has(e.line)))
}

/** Records a fault of line `at`: false, for the line's `ok`. (A closure made per line was one more object per line.) */
function fault(errors: FileError[], at: number, field: string, code: string, message: string): false {
  errors.push({ line: at, field, code, message })
  return false
}

function lineOf(file: EvidenceFile, ev: PaymentEvidence, ctx: EvidenceContext, errors: FileError[], place: number | undefined): PayoutLineRow | undefined {
  const at = ev.lineNo
  const bySeq = ev.endToEndId === null ? matchedByBatchSeq(ev, ctx) : undefined
  const endToEndId = ev.endToEndId ?? bySeq?.endToEndId ?? null
  const instructed = bySeq ?? (ev.endToEndId === null ? undefined : ctx.instructed.get(ev.endToEndId))
  let ok = true
  if (ev.currency !== 'CNY') ok = fault(errors, at, 'currency', 'not_cny', `Line ${at} is in ${ev.currency}; wages here are paid in CNY (人民币).`)
  if (ev.endToEndId !== null && instructed === undefined && (ev.payeeCard === null || ev.amountFen === null)) {
    ok = fault(errors, at, 'end_to_end_id', 'unknown_end_to_end_id', `Line ${at} names the payment ${ev.endToEndId} only, and no instruction of this project has that EndToEndId. Check that the file answers this project's instruction.`)
  }
  if (instructed !== undefined && instructed.period !== ctx.period) {
    ok = fault(errors, at, 'end_to_end_id', 'wrong_period', `Line ${at} answers the instruction of ${instructed.period} (EndToEndId ${endToEndId}), not ${ctx.period}. Post the file for ${instructed.period}.`)
  }
  // A card the bank names is what was paid, even when it is not the one instructed: reconciliation flags what it shows.
  const returnedRef = ev.status === 'returned' && ev.payeeCard === null && instructed === undefined ? (ev.returnOf?.bankRef ?? null) : null
  const original = returnedRef === null ? undefined : ctx.paidByBankRef?.get(returnedRef)
  const card = ev.payeeCard ?? instructed?.cardNo ?? original?.payeeCard ?? null
  if (card === null && ev.endToEndId === null) {
    if (returnedRef !== null) {
      ok = fault(
        errors,
        at,
        'payee_card',
        'no_payee',
        `Line ${at} returns the payment ${returnedRef} and names no payee's account, and no booked payment with that reference is on file for this project: post the file that booked ${returnedRef} first (or in the same file), then this one; or ask the bank for a return that names the payee's account.`,
      )
    } else ok = fault(errors, at, 'payee_card', 'no_payee', `Line ${at} names neither the payee's account nor our EndToEndId: the payment cannot be told apart.`)
  }
  const amount = ev.amountFen ?? (instructed ? fen(instructed.amountFen) : null)
  if (amount === null && instructed !== undefined) ok = fault(errors, at, 'amount', 'no_amount', `Line ${at} states no amount.`)
  else if (amount === null && ev.endToEndId === null) ok = fault(errors, at, 'amount', 'no_amount', `Line ${at} states no amount and names no instruction of ours to take it from.`)
  if (amount !== null && amount > LIMITS.payout_line_amount_fen_max) {
    ok = fault(errors, at, 'amount', 'amount_too_large', `Line ${at}: ${formatYuan(amount)} yuan is more than one payment line may carry (${formatYuan(fen(LIMITS.payout_line_amount_fen_max))}); no wage payment is that large. Check the amount with the bank.`)
  }
  if (!ok || card === null || amount === null) return undefined
  const bankRef = ev.bankRef ?? `${file.format}:${file.messageId ?? ctx.sha256.slice(0, 16)}:${at}${place === undefined ? '' : `/${place}`}`
  return {
    id: ctx.newId(),
    fileId: ctx.fileId,
    projectId: ctx.projectId,
    period: ctx.period,
    lineNo: at,
    seq: at,
    payeeCard: card,
    payeeName: ev.payeeName ?? instructed?.payeeName ?? original?.payeeName ?? '',
    amountFen: amount,
    status: STATUS[ev.status],
    bankRef,
    valueDate: ev.valueDate ?? ev.bookingDate ?? ctx.postedOn,
    failureReason: ev.reasonText ?? ev.reasonCode,
    payerAccountNo: ev.payerAccountNo ?? file.accountNo,
    // A return found by batch and place (CMB's 退票 names the line it undoes by BTHDTL) carries the original's
    // EndToEndId on both, as a camt return does: reconciliation and the attempts read it to find what came back.
    endToEndId,
    reasonCode: ev.reasonCode,
    returnOfEndToEndId: ev.returnOf?.endToEndId ?? (ev.status === 'returned' ? (bySeq?.endToEndId ?? null) : null),
    returnOfBankRef: ev.returnOf?.bankRef ?? null,
    uetr: ev.uetr,
  }
}
