/** The dedicated account: register, contract and funding schedule, statements, balance and funding flags. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock, Month, WorkDate } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { ApprovedSheet, DedicatedAccount, FundingFlag } from './funding.ts'

export class AccountService {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService },
    readonly clock: Clock,
  ) {}

  /** The register entry in force (the newest recorded), or undefined when none is registered. */
  async dedicatedAccount(_projectId: string): Promise<DedicatedAccount | undefined> {
    return undefined
  }

  /**
   * FUNDING_LATE for every scheduled period due by `asOf` and not received, and FUNDING_SHORT for the month's pay
   * day against the approved sheets (empty when no contract or account is registered).
   */
  async fundingFlags(_projectId: string, _period: Month, _payDate: WorkDate, _approvedSheets: readonly ApprovedSheet[], _asOf: WorkDate): Promise<FundingFlag[]> {
    return []
  }
}
