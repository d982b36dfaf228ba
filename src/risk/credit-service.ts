/**
 * Credit records (信用记录, 失信) on employers: recorded when a complaint clue is resolved with the arrears confirmed
 * (in the resolving transaction, once per clue), expired by the daily sweep when their rule's term ends, and repaired
 * (信用修复) when the bureau grants it — entered by the platform operator with the bureau's reason, since auditors
 * only read in this product. The rules are data (src/risk/credit-rules.ts).
 *
 * `activeCreditRecords(creditCode, onDate)` is what the risk index and the deposit rate read: the records counting on
 * a date, whatever region asks.
 */
import type { Database } from '../db/database.ts'
import { AppError, outOfScope } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { workDateOf, type Clock, type WorkDate } from '../kernel/time.ts'
import { ClueRepository, type CreditRecordEventRow, type CreditRecordRow, type RegionFilter } from './clue-repository.ts'
import { creditRecordState, creditRuleOf, creditRuleOn, expiresOn, repairCheck, type CreditRecordFacts, type CreditRecordState } from './credit-rules.ts'
import { inRegion } from './incident-service.ts'

export interface CreditRecordView extends CreditRecordRow {
  regionCode: string | null
  state: CreditRecordState
  expiresOn: WorkDate
  ruleSource: string
  events: CreditRecordEventRow[]
}

export interface ConfirmedArrears {
  creditCode: string
  employerName: string
  organisationId: string | null
  reason: string
  periodFrom: string
  periodTo: string
  amountFen: number
  recordedOn: WorkDate
  sourceKind: 'clue' | 'flag_case'
  sourceId: string
  actor: string
  atMs: number
}

export const CREDIT_LIST_MAX = 1000

export class CreditService {
  readonly repo: ClueRepository

  constructor(
    db: Database,
    private readonly clock: Clock,
    /** The zone "today" is counted in for records, which belong to no one project. */
    private readonly timeZone: string,
  ) {
    this.repo = new ClueRepository(db)
  }

  private today(): WorkDate {
    return workDateOf(this.clock.nowMs(), this.timeZone)
  }

  /** Records confirmed arrears under the rule in force on the day; once per source. Returns the record's id when made. */
  async record(a: ConfirmedArrears): Promise<string | undefined> {
    const id = newId()
    const made = await this.repo.insertCreditRecord({ id, ...a, ruleVersion: creditRuleOn(a.recordedOn).version })
    return made ? id : undefined
  }

  /**
   * The newest CREDIT_LIST_MAX records of a region (or of one employer), each with its state today; `state`: only
   * those in that state. The state is a condition of the read, not of its first page: records are read a page at a
   * time until the list is full or none is left, so a record still counting is listed however many newer ones there
   * are (for `active`, the read is narrowed in SQL to the records with no repair or expiry recorded).
   */
  async list(region: RegionFilter, creditCode?: string, state?: CreditRecordState): Promise<CreditRecordView[]> {
    const nowMs = this.clock.nowMs()
    const today = workDateOf(nowMs, this.timeZone)
    const out: CreditRecordView[] = []
    let before: { recordedOn: string; id: string } | undefined
    for (;;) {
      const rows = await this.repo.creditRecords({ region, creditCode, openOn: state === 'active' ? { date: today, atMs: nowMs } : undefined, before, limit: CREDIT_LIST_MAX })
      const events = await this.repo.creditEventsOf(rows.map((r) => r.id))
      for (const r of rows) {
        const view = this.viewOf(r, events.get(r.id) ?? [], today)
        if (state !== undefined && view.state !== state) continue
        out.push(view)
        if (out.length === CREDIT_LIST_MAX) return out
      }
      const last = rows.at(-1)
      if (rows.length < CREDIT_LIST_MAX || last === undefined) return out
      before = { recordedOn: last.recordedOn, id: last.id }
    }
  }

  async get(id: string, region: RegionFilter): Promise<CreditRecordView> {
    const r = await this.repo.creditRecord(id)
    if (!r) throw new AppError('credit_record_not_found', { creditRecordId: id })
    if (!inRegion(r.regionCode, region)) throw outOfScope('credit_record_not_found', { creditRecordId: id })
    return this.viewOf(r, (await this.repo.creditEventsOf([id])).get(id) ?? [], this.today())
  }

  /** The records of an employer counting on a date (recorded by then, neither expired nor repaired by then). */
  async activeCreditRecords(creditCode: string, onDate: WorkDate): Promise<CreditRecordRow[]> {
    const rows = await this.repo.creditRecordsOfCode(creditCode)
    const events = await this.repo.creditEventsOf(rows.map((r) => r.id))
    return rows.filter((r) => creditRecordState(this.factsOf(r, events.get(r.id) ?? []), onDate) === 'active')
  }

  /**
   * Repair granted by the bureau for arrears paid in full on `paidInFullOn`, refused before the rule allows it, and
   * while the employer has a record made after that payment (the months must pass without a new record).
   */
  async repair(id: string, input: { paidInFullOn: WorkDate; reason: string }, actor: string): Promise<CreditRecordView> {
    const view = await this.get(id, undefined)
    const others = (await this.repo.creditRecordsOfCode(view.creditCode)).filter((r) => r.id !== id)
    const check = repairCheck(this.factsOf(view, view.events), input.paidInFullOn, this.today(), undefined, view.periodFrom, others)
    if (!check.ok) throw new AppError('credit_repair_refused', { ...check.refusal })
    await this.repo.insertCreditEvent({ id: newId(), recordId: id, type: 'repaired', actor, reason: `${input.reason.trim()} (paid in full on ${input.paidInFullOn})`, atMs: this.clock.nowMs() })
    return this.get(id, undefined)
  }

  /** The daily sweep: an `expired` event on each record whose term has ended, once. Returns how many were appended. */
  async expire(): Promise<number> {
    const today = this.today()
    let appended = 0
    for (const r of await this.repo.openCreditRecords()) {
      const rule = creditRuleOf(r.ruleVersion)
      const end = expiresOn(r.recordedOn, rule)
      if (today < end) continue
      const made = await this.repo.insertCreditEvent({ id: newId(), recordId: r.id, type: 'expired', actor: 'clock', reason: `${rule.expiresAfterMonths} months from ${r.recordedOn} ended on ${end} (${rule.version})`, atMs: this.clock.nowMs() })
      if (made) appended++
    }
    return appended
  }

  private factsOf(r: CreditRecordRow, events: readonly CreditRecordEventRow[]): CreditRecordFacts {
    const on = (type: string): WorkDate | null => {
      const e = events.find((x) => x.type === type)
      return e === undefined ? null : workDateOf(e.atMs, this.timeZone)
    }
    return { recordedOn: r.recordedOn, ruleVersion: r.ruleVersion, repairedOn: on('repaired'), expiredOn: on('expired') }
  }

  private viewOf(r: CreditRecordRow & { regionCode: string | null }, events: CreditRecordEventRow[], today: WorkDate): CreditRecordView {
    const rule = creditRuleOf(r.ruleVersion)
    return { ...r, state: creditRecordState(this.factsOf(r, events), today), expiresOn: expiresOn(r.recordedOn, rule), ruleSource: rule.source, events }
  }
}
