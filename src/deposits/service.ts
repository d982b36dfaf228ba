/** The wage guarantee deposit register (工资保证金) and its flags. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock, WorkDate } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { AccountService } from '../account/service.ts'
import type { DepositFlag } from './rules.ts'

export class DepositService {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService; account: AccountService },
    readonly clock: Clock,
  ) {}

  /** DEPOSIT_MISSING, DEPOSIT_SHORT and DEPOSIT_EXPIRING for the project as of a date (empty with no contract recorded). */
  async flags(_projectId: string, _asOf: WorkDate): Promise<DepositFlag[]> {
    return []
  }
}
