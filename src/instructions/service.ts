/** Bank instructions (代发指令) from approved payroll sheets, and re-attempts. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { AccountService } from '../account/service.ts'
import type { PayrollSheetService } from '../payroll/sheet-service.ts'

export class InstructionService {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService; sheets: PayrollSheetService; account: AccountService },
    readonly clock: Clock,
  ) {}
}
