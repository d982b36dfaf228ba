/** The dedicated account: register, contract and funding schedule, statements, balance and funding flags. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'

export class AccountService {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService },
    readonly clock: Clock,
  ) {}
}
