/** Wage terms, piece quantities and pay items (工资标准、计件数量、加扣项): kept append-only, read for sheets. STUB: being written. */
import type { Database } from '../db/database.ts'
import type { Clock, Month } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { PayInputsSource, WorkerPayInputs } from './inputs.ts'

export class PayInputsService implements PayInputsSource {
  constructor(
    readonly db: Database,
    readonly deps: { roster: RosterService },
    readonly clock: Clock,
  ) {}

  async forMonth(_projectId: string, _period: Month, _workerIds?: readonly string[]): Promise<Map<string, WorkerPayInputs>> {
    return new Map()
  }
}
