/** Payroll sheets (工资支付表): made, sent, answered, submitted, approved, instructed, settled. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { TimesheetService } from '../timesheets/service.ts'
import type { Month } from '../kernel/time.ts'
import type { ApprovedPayrollSource, ApprovedTeamMonth } from './approved.ts'
import type { PayInputsSource } from './inputs.ts'

export class PayrollSheetService implements ApprovedPayrollSource {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService; timesheets: TimesheetService; inputs: PayInputsSource },
    readonly clock: Clock,
  ) {}

  async approvedForMonth(_projectId: string, _period: Month): Promise<ApprovedTeamMonth[]> {
    return []
  }

  async settle(_sheetId: string, _actor: string, _reason: string): Promise<void> {}
}
