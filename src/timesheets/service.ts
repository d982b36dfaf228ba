/** Month timesheets (月考勤表) of a project, built from raw punches on request. */
import { datesOfMonth, type Month } from '../kernel/time.ts'
import type { PunchRepository } from '../punches/repository.ts'
import { buildWorkerDays, monthOfWorkers, type WorkerMonth } from './rules.ts'

export class TimesheetService {
  constructor(private readonly punches: PunchRepository) {}

  /** Worker months for a project, keyed by worker id. Workers with no punch in the month are absent from the map. */
  month(projectId: string, month: Month): Map<string, WorkerMonth> {
    const dates = datesOfMonth(month)
    const rows = this.punches.punchesBetween(projectId, dates[0] as string, dates[dates.length - 1] as string)
    return monthOfWorkers(buildWorkerDays(rows))
  }
}
