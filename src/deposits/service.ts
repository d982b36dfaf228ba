/** The wage guarantee deposit register (工资保证金) and its flags. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { AccountService } from '../account/service.ts'

export class DepositService {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService; account: AccountService },
    readonly clock: Clock,
  ) {}
}
