/**
 * The wage guarantee deposit register (工资保证金) per project and general contractor, and its flags (rules.ts).
 *
 * A deposit is a row: form (cash, bank guarantee letter, guarantee insurance), amount, issuer, reference, effective
 * date and (letter or policy) expiry. It is released (返还) by a later row that names it (`withdrawsId`) with the
 * release date and a reason: the register is append-only, and a correction is a release and a new deposit.
 *
 * The required amount is `requiredDeposit` over the contract amount in force (AccountService) and the rate table of
 * the project's province. The contractor's arrears are its credit records (src/risk/credit-service.ts) counting on the
 * day: one recorded in the 2 years before raises the rate (and in the year before, Art. 9's case too). The rest of
 * its record (dishonesty list, clean years, other projects) is not something this ledger knows: it is taken as clean,
 * with no clean years counted and no other project in the region, which gives the base rate (or the small-contract
 * exemption), the figure a contractor must lodge unless the bureau has decided otherwise. The project is under construction from the contract's signing date.
 */
import { LIMITS } from '../config/limits.ts'
import type { Database } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { fen } from '../kernel/money.ts'
import { isWorkDate, workDateOf, type Clock, type WorkDate } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { AccountService } from '../account/service.ts'
import { DepositRepository, type DepositRow } from './repository.ts'
import { addMonthsToDate } from '../risk/credit-rules.ts'
import { depositFlags, depositRateTableFor, inForce, requiredDeposit, type ContractorRecord, type DepositFlag, type DepositForm, type DepositRecord, type DepositRateTable, type RequiredDeposit } from './rules.ts'

export interface NewDeposit {
  contractorId?: string
  form?: DepositForm
  amountFen?: number
  issuer?: string
  reference?: string
  /** A deposit: the day it takes effect. A withdrawal: the day it is released. */
  effectiveOn: WorkDate
  expiresOn?: WorkDate
  reason: string
  withdrawsId?: string
}

export type DepositState = 'in_force' | 'not_yet' | 'expired' | 'released'

export interface DepositView {
  deposit: DepositRow
  state: DepositState
  releasedOn: WorkDate | null
  releasedById: string | null
}

export interface DepositRegister {
  asOf: WorkDate
  contractorId: string
  /** Null when no contract is recorded, or no rate table covers the project's region. */
  required: (RequiredDeposit & { contractAmountFen: number; regionCode: string; rateSource: string }) | null
  record: ContractorRecord
  deposits: DepositView[]
  withdrawals: DepositRow[]
  flags: DepositFlag[]
}

/** What the ledger assumes of the contractor without the bureau's word: see the head comment. */
export function assumedRecord(hasDedicatedAccount: boolean): ContractorRecord {
  return {
    arrearsInPriorTwoYears: false,
    arrearsInPriorYear: false,
    seriouslyDishonest: false,
    consecutiveCleanYears: 0,
    realNameAndDedicatedAccount: hasDedicatedAccount,
    severalProjectsInRegion: false,
  }
}

export class DepositService {
  private readonly repo: DepositRepository

  constructor(
    readonly db: Database,
    readonly deps: {
      roster: RosterService
      account: AccountService
      /** The contractor's credit records counting on a date (CreditService.activeCreditRecords); absent: none known. */
      credit?: { activeCreditRecords(creditCode: string, onDate: WorkDate): Promise<ReadonlyArray<{ recordedOn: string }>> }
    },
    readonly clock: Clock,
  ) {
    this.repo = new DepositRepository(db)
  }

  async record(projectId: string, input: NewDeposit, recordedBy: string): Promise<DepositRow> {
    const project = await this.deps.roster.project(projectId)
    const refuse = (reason: string, field?: string): never => {
      throw new AppError('deposit_invalid', { reason, ...(field === undefined ? {} : { field }) })
    }
    if (!isWorkDate(input.effectiveOn)) refuse(`effectiveOn "${input.effectiveOn}" is not a date written YYYY-MM-DD`, 'effectiveOn')
    if (input.reason.trim() === '') refuse('an entry needs a reason', 'reason')
    return this.db.tx(async (tx) => {
      await tx.lock(`wage-deposits:${projectId}`)
      const base = { id: newId(), projectId, reason: input.reason, recordedBy, recordedAtMs: this.clock.nowMs() }
      if (input.withdrawsId !== undefined) {
        const target = await this.repo.byId(projectId, input.withdrawsId)
        if (target === undefined) throw new AppError('deposit_not_found', { depositId: input.withdrawsId })
        if (target.withdrawsId !== null) refuse('the entry named is itself a release, not a deposit', 'withdrawsId')
        const rows = await this.repo.ofProject(projectId)
        if (rows.some((r) => r.withdrawsId === target.id)) refuse(`deposit ${target.id} is already released`, 'withdrawsId')
        const same: [keyof NewDeposit, unknown][] = [
          ['contractorId', target.contractorId],
          ['form', target.form],
          ['amountFen', target.amountFen],
          ['issuer', target.issuer],
          ['reference', target.reference],
          ['expiresOn', target.expiresOn ?? undefined],
        ]
        for (const [k, v] of same) if (input[k] !== undefined && input[k] !== v) refuse(`a release restates the deposit it releases: ${k} differs from it`, k)
        if (input.effectiveOn < target.effectiveOn) refuse(`the release date ${input.effectiveOn} is before the deposit took effect (${target.effectiveOn})`, 'effectiveOn')
        const row: DepositRow = {
          ...base,
          contractorId: target.contractorId,
          form: target.form,
          amountFen: target.amountFen,
          issuer: target.issuer,
          reference: target.reference,
          effectiveOn: input.effectiveOn,
          expiresOn: target.expiresOn,
          withdrawsId: target.id,
        }
        await this.repo.insert(row)
        return row
      }
      if (input.contractorId === undefined) return refuse('contractorId is required', 'contractorId')
      if (input.contractorId !== project.generalContractorId) refuse("the deposit is lodged by the project's general contractor; contractorId names another organisation", 'contractorId')
      if (input.form === undefined) return refuse('form is required: cash, bank_guarantee or insurance', 'form')
      if (input.amountFen === undefined || !Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) return refuse('amountFen must be a whole number of fen above zero', 'amountFen')
      if (input.amountFen > LIMITS.deposit_amount_fen_max) return refuse(`amountFen ${input.amountFen} is above the largest deposit the register holds (${LIMITS.deposit_amount_fen_max} fen, ¥10 billion); check the amount`, 'amountFen')
      if (input.issuer === undefined || input.issuer.trim() === '') return refuse('issuer is required: the bank or insurer, or the custodian bank of cash', 'issuer')
      if (input.reference === undefined || input.reference.trim() === '') return refuse('reference is required: the letter, policy or deposit receipt number', 'reference')
      if (input.form === 'cash') {
        if (input.expiresOn !== undefined) refuse('a cash deposit does not expire: it is held until released', 'expiresOn')
      } else {
        if (input.expiresOn === undefined) refuse(`a ${input.form === 'bank_guarantee' ? 'guarantee letter' : 'policy'} has an expiry date (expiresOn)`, 'expiresOn')
        if (!isWorkDate(input.expiresOn!)) refuse(`expiresOn "${input.expiresOn}" is not a date written YYYY-MM-DD`, 'expiresOn')
        if (input.expiresOn! < input.effectiveOn) refuse('the expiry date is before the effective date', 'expiresOn')
      }
      const row: DepositRow = {
        ...base,
        contractorId: input.contractorId,
        form: input.form,
        amountFen: input.amountFen,
        issuer: input.issuer,
        reference: input.reference,
        effectiveOn: input.effectiveOn,
        expiresOn: input.expiresOn ?? null,
        withdrawsId: null,
      }
      await this.repo.insert(row)
      return row
    })
  }

  /** The register as of a date (default today in the project's zone): deposits and their state, the required amount, the flags. */
  async register(projectId: string, asOf?: WorkDate): Promise<DepositRegister> {
    const project = await this.deps.roster.project(projectId)
    const day = asOf ?? workDateOf(this.clock.nowMs(), project.timeZone)
    const rows = await this.repo.ofProject(projectId)
    const withdrawals = rows.filter((r) => r.withdrawsId !== null)
    const releaseOf = new Map(withdrawals.map((w) => [w.withdrawsId!, w]))
    const records = rows.filter((r) => r.withdrawsId === null).map((r) => toRecord(r, releaseOf.get(r.id)))
    const deposits = rows
      .filter((r) => r.withdrawsId === null)
      .map((r, i): DepositView => {
        const rec = records[i]!
        const release = releaseOf.get(r.id)
        const state: DepositState = inForce(rec, day)
          ? 'in_force'
          : rec.releasedOn !== undefined && rec.releasedOn <= day
            ? 'released'
            : rec.lodgedOn > day
              ? 'not_yet'
              : 'expired'
        return { deposit: r, state, releasedOn: release?.effectiveOn ?? null, releasedById: release?.id ?? null }
      })
    const check = await this.checkInput(projectId, day)
    return {
      asOf: day,
      contractorId: project.generalContractorId,
      required:
        check === undefined
          ? null
          : { ...requiredDeposit(fen(check.contractAmountFen), check.record, check.table), contractAmountFen: check.contractAmountFen, regionCode: project.regionCode, rateSource: check.table.source },
      record: check?.record ?? (await this.recordOf(project.generalContractorId, projectId, day)),
      deposits,
      withdrawals,
      flags: check === undefined ? [] : depositFlags({ ...check.input, deposits: records }),
    }
  }

  private async checkInput(
    projectId: string,
    asOf: WorkDate,
  ): Promise<{ contractAmountFen: number; record: ContractorRecord; table: DepositRateTable; input: Parameters<typeof depositFlags>[0] } | undefined> {
    const project = await this.deps.roster.project(projectId)
    const contract = await this.deps.account.contract(projectId)
    const table = depositRateTableFor(project.regionCode)
    if (contract === undefined || table === undefined) return undefined
    const record = await this.recordOf(project.generalContractorId, projectId, asOf)
    const contractAmountFen = contract.contract.contractAmountFen
    return {
      contractAmountFen,
      record,
      table,
      input: {
        project: { projectId, contractorId: project.generalContractorId, regionCode: project.regionCode, contractAmountFen: fen(contractAmountFen), underConstruction: contract.contract.signedOn <= asOf },
        record,
        deposits: [],
        asOf,
        table,
      },
    }
  }

  /** The contractor's record as of a day: clean as assumed, but for the arrears its credit records show. */
  private async recordOf(contractorId: string, projectId: string, asOf: WorkDate): Promise<ContractorRecord> {
    const record = assumedRecord((await this.deps.account.dedicatedAccount(projectId)) !== undefined)
    if (!this.deps.credit) return record
    const { creditCode } = await this.deps.roster.organisation(contractorId)
    const recorded = (await this.deps.credit.activeCreditRecords(creditCode, asOf)).map((r) => r.recordedOn)
    return {
      ...record,
      arrearsInPriorTwoYears: recorded.some((d) => d > addMonthsToDate(asOf, -24)),
      arrearsInPriorYear: recorded.some((d) => d > addMonthsToDate(asOf, -12)),
    }
  }

  /** DEPOSIT_MISSING, DEPOSIT_SHORT and DEPOSIT_EXPIRING for the project as of a date (empty with no contract recorded). */
  async flags(projectId: string, asOf: WorkDate): Promise<DepositFlag[]> {
    const check = await this.checkInput(projectId, asOf)
    if (check === undefined) return []
    const rows = await this.repo.ofProject(projectId)
    const releaseOf = new Map(rows.filter((r) => r.withdrawsId !== null).map((w) => [w.withdrawsId!, w]))
    const records = rows.filter((r) => r.withdrawsId === null).map((r) => toRecord(r, releaseOf.get(r.id)))
    return depositFlags({ ...check.input, deposits: records })
  }
}

function toRecord(r: DepositRow, release: DepositRow | undefined): DepositRecord {
  const common = { depositId: r.id, projectId: r.projectId, amountFen: fen(r.amountFen), lodgedOn: r.effectiveOn, ...(release === undefined ? {} : { releasedOn: release.effectiveOn }) }
  return r.form === 'cash' ? { ...common, form: 'cash' } : { ...common, form: r.form, expiresOn: r.expiresOn ?? r.effectiveOn, issuer: r.issuer }
}
