/** Amount due per worker for a pay month, from the timesheet and the enrolment's wage terms. */
import { fen, type Fen } from '../kernel/money.ts'
import type { Month } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import type { TimesheetService } from '../timesheets/service.ts'
import { dueFor, payDateOf } from './rules.ts'

export interface DueWorker {
  workerId: string
  enrolmentId: string
  teamId: string
  name: string
  idNumber: string
  cardNo: string
  dailyRateFen: Fen
  daysPresent: number
  daysIncomplete: number
  workedMinutes: number
  dueFen: Fen
}

export interface PayrollDue {
  projectId: string
  period: Month
  payDate: string
  workers: DueWorker[]
}

export class PayrollService {
  constructor(
    private readonly roster: RosterService,
    private readonly timesheets: TimesheetService,
  ) {}

  due(projectId: string, period: Month): PayrollDue {
    const project = this.roster.project(projectId)
    const months = this.timesheets.month(projectId, period)
    const workers: DueWorker[] = []
    for (const { enrolment, worker } of this.roster.listEnrolments(projectId)) {
      const m = months.get(worker.id)
      if (!m) continue
      const rate = fen(enrolment.dailyRateFen)
      workers.push({
        workerId: worker.id,
        enrolmentId: enrolment.id,
        teamId: enrolment.teamId,
        name: worker.name,
        idNumber: worker.idNumber,
        cardNo: worker.cardNo,
        dailyRateFen: rate,
        daysPresent: m.daysPresent,
        daysIncomplete: m.daysIncomplete,
        workedMinutes: m.workedMinutes,
        dueFen: dueFor(rate, m.daysPresent),
      })
    }
    return { projectId, period, payDate: payDateOf(period, project.payDay), workers }
  }
}
