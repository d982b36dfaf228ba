/** Payroll sheets (工资支付表): made, sent, answered, submitted, approved, instructed, settled. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { TimesheetService } from '../timesheets/service.ts'
import type { PayInputsSource } from './inputs.ts'

export class PayrollSheetService {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService; timesheets: TimesheetService; inputs: PayInputsSource },
    readonly clock: Clock,
  ) {}
}
