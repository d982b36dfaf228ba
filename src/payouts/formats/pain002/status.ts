/**
 * pain.002 status codes (ISO 20022 ExternalPaymentTransactionStatus1Code for TxSts and DtldSts from 001.04 on,
 * ExternalPaymentGroupStatus1Code for GrpSts and PmtInfSts; in 001.03 the closed lists TransactionIndividualStatus3Code
 * and TransactionGroupStatus3Code, a subset) and what each is as evidence of a wage payment (付款凭证):
 *
 * | Code | ISO name                                    | Evidence | Why                                                     |
 * |------|---------------------------------------------|----------|---------------------------------------------------------|
 * | ACSC | AcceptedSettlementCompleted(DebitorAccount) | booked   | the debtor's account entry is made: the money has left  |
 * | ACCC | AcceptedSettlementCompletedCreditorAccount  | booked   | settled on the creditor's (the worker's) account        |
 * | RCVD | Received                                    | pending  | received, nothing decided                               |
 * | ACTC | AcceptedTechnicalValidation                 | pending  | syntax and signature checked only                       |
 * | PATC | PartiallyAcceptedTechnicalCorrect           | pending  | authorisations still missing                            |
 * | ACCP | AcceptedCustomerProfile                     | pending  | customer profile checked, not executed                  |
 * | ACFC | AcceptedFundsChecked                        | pending  | funds checked, not executed                             |
 * | ACWC | AcceptedWithChange                          | pending  | accepted, the bank changed something (a date); not paid |
 * | ACSP | AcceptedSettlementInProcess                 | pending  | accepted for execution, settlement under way            |
 * | ACPD | AcceptedClearingProcessed                   | pending  | handed to clearing, not booked                          |
 * | ACWP | AcceptedWithoutPosting                      | pending  | accepted, not posted to the creditor's account          |
 * | PDNG | Pending                                     | pending  | further checks to come                                  |
 * | BLCK | Blocked                                     | pending  | neither posted nor returned: not paid, not failed       |
 * | PART | PartiallyAccepted (group, payment info)     | pending  | says only that part of a group was accepted             |
 * | RJCT | Rejected                                    | rejected | with StsRsnInf/Rsn/Cd (or Prtry) and AddtlInf           |
 * | CANC | Cancelled                                   | rejected | cancelled before execution, with its reason             |
 * | ACIS | AcceptedandChequeIssued                     | refused  | a cheque: no credit transfer to a card has it           |
 * | CPUC | CashPickedUpByCreditor                      | refused  | cash: no credit transfer to a card has it               |
 * | PRES | Presented                                   | refused  | a request to pay: no credit transfer to a card has it   |
 *
 * Any other code refuses the file: a status this ledger cannot place tells neither paid nor failed.
 *
 * A pain.002 never carries a return (退票) of an earlier success: that arrives as a camt.054 credit with RtrInf.
 */
import type { EvidenceStatus } from '../evidence.ts'

const EVIDENCE: Record<string, EvidenceStatus> = {
  ACSC: 'booked',
  ACCC: 'booked',
  RCVD: 'pending',
  ACTC: 'pending',
  PATC: 'pending',
  ACCP: 'pending',
  ACFC: 'pending',
  ACWC: 'pending',
  ACSP: 'pending',
  ACPD: 'pending',
  ACWP: 'pending',
  PDNG: 'pending',
  BLCK: 'pending',
  PART: 'pending',
  RJCT: 'rejected',
  CANC: 'rejected',
}

/** Codes of the list that belong to other instruments than a credit transfer to an account. */
const NOT_FOR_TRANSFERS = new Set(['ACIS', 'CPUC', 'PRES'])

export type StatusReading = { status: EvidenceStatus } | { fault: 'status_unknown' | 'status_not_applicable'; message: string }

export function evidenceStatus(code: string): StatusReading {
  const status = EVIDENCE[code]
  if (status !== undefined) return { status }
  if (NOT_FOR_TRANSFERS.has(code)) {
    return { fault: 'status_not_applicable', message: `Status ${code} is one of cheques, cash pick-up or requests to pay; a wage credit transfer cannot have it. Ask the bank what happened to the payment.` }
  }
  return { fault: 'status_unknown', message: `Status "${code}" is not an ISO 20022 payment status this ledger knows, so it cannot tell paid from failed. Ask the bank what it means.` }
}

/**
 * The standard's consistency rules between levels: GroupStatusRejectedRule (a RJCT group has RJCT blocks, when they
 * state a status), PaymentInformationStatusRejectedRule (a RJCT block has RJCT transactions), and
 * PaymentInformationStatusAcceptedRule and PendingRule (under ACTC, ACCP, ACSP, ACSC, ACWC or PDNG no transaction is
 * RJCT). The same test is applied from the group to its blocks, and to a block's transactions when the block states
 * no status. Only PART may have children of both kinds. A child breaking them leaves it unknown which of the two the
 * bank meant, so the file is refused. Returns the broken rule in words, or undefined.
 */
const ACCEPTED_OR_PENDING = new Set(['ACTC', 'ACCP', 'ACSP', 'ACSC', 'ACWC', 'PDNG'])

export function contradiction(parent: string, child: string): string | undefined {
  if (parent === 'RJCT' && child !== 'RJCT') return `under a rejected (RJCT) parent every status must be RJCT, this one is ${child}`
  if (ACCEPTED_OR_PENDING.has(parent) && child === 'RJCT') return `under a parent with status ${parent} no status may be RJCT (only a PART parent has both)`
  return undefined
}
