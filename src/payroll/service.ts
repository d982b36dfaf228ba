/** Amount due per worker for a pay month, from the timesheet (frozen where confirmed) and the enrolment's wage terms. */
import { fen, type Fen } from '../kernel/money.ts'
import type { Month } from '../kernel/time.ts'
import type { EnrolmentWithWorker } from '../roster/repository.ts'
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
  /** Days credited by the month's timesheet, in halves (the timesheet's own `creditHalves`). */
  creditHalves: number
  /** Days credited (or taken back) by adjustments to confirmed months carried into this month, in halves. */
  adjustmentHalves: number
  /**
   * Halves an adjustment took back beyond what this month credits: the wage is never negative, so this remainder is
   * shown for a person to settle, not carried silently.
   */
  uncreditedHalves: number
  /**
   * Days the wage is due for (计薪天数), in halves: creditHalves + adjustmentHalves, never below zero. Not called
   * daysPresent: across the API that name means days whose status is present (the timesheet's count), and a day
   * credited by policy or a correction is not one.
   */
  dueHalves: number
  daysIncomplete: number
  /** Worked minutes of the month's timesheet (the timesheet's `workedMinutes`). */
  workedMinutes: number
  /** Worked minutes carried in by the same adjustments as adjustmentHalves. */
  adjustmentMinutes: number
  /** True when the month's timesheet is confirmed and frozen. */
  confirmed: boolean
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

  /**
   * `exceptTeams`: teams whose due is read elsewhere (their approved payroll sheet's), left out here; when that is every
   * team, neither the roster nor the timesheet is read.
   */
  async due(projectId: string, period: Month, exceptTeams?: ReadonlySet<string>): Promise<PayrollDue> {
    const project = await this.roster.project(projectId)
    const payDate = payDateOf(period, project.payDay)
    let enrolled: EnrolmentWithWorker[]
    if (exceptTeams === undefined || exceptTeams.size === 0) enrolled = await this.roster.listEnrolments(projectId)
    else {
      const teams = (await this.roster.listTeams(projectId)).filter((t) => !exceptTeams.has(t.id))
      if (teams.length === 0) return { projectId, period, payDate, workers: [] }
      enrolled = (await this.roster.listEnrolments(projectId)).filter(({ enrolment }) => !exceptTeams.has(enrolment.teamId))
    }
    const lines = await this.timesheets.projectMonth(projectId, period, enrolled)
    const workers: DueWorker[] = []
    for (const { enrolment, worker } of enrolled) {
      const line = lines.get(worker.id)
      if (!line) continue
      const rate = fen(enrolment.dailyRateFen)
      const halves = line.month.creditHalves + line.adjustmentHalves
      workers.push({
        workerId: worker.id,
        enrolmentId: enrolment.id,
        teamId: enrolment.teamId,
        name: worker.name,
        idNumber: worker.idNumber,
        cardNo: worker.cardNo,
        dailyRateFen: rate,
        creditHalves: line.month.creditHalves,
        adjustmentHalves: line.adjustmentHalves,
        uncreditedHalves: Math.max(0, -halves),
        dueHalves: Math.max(0, halves),
        daysIncomplete: line.month.daysIncomplete,
        workedMinutes: line.month.workedMinutes,
        adjustmentMinutes: line.adjustmentMinutes,
        confirmed: line.frozen,
        dueFen: dueFor(rate, halves),
      })
    }
    return { projectId, period, payDate, workers }
  }
}
