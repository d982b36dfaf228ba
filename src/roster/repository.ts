/** Database access for the roster. The only roster code that touches tables. */
import { and, asc, eq, gt, sql } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import type { AttendancePolicy } from '../timesheets/policy.ts'
import { devices, enrolments, organisations, projects, teams, workers } from '../db/schema/index.ts'

export type OrganisationRow = typeof organisations.$inferSelect
export type ProjectRow = typeof projects.$inferSelect
export type TeamRow = typeof teams.$inferSelect
export type WorkerRow = typeof workers.$inferSelect
export type EnrolmentRow = typeof enrolments.$inferSelect
export type DeviceRow = typeof devices.$inferSelect

export class RosterRepository {
  // Prepared once: admission looks workers up on the ingest path after every start and roster change, and an
  // unprepared drizzle query builds and prepares its SQL each time (about 0.4 ms).
  private readonly workerByIdNumberStmt
  private readonly enrolmentOfStmt

  constructor(private readonly db: Db) {
    this.workerByIdNumberStmt = db.select().from(workers).where(eq(workers.idNumber, sql.placeholder('idNumber'))).prepare()
    this.enrolmentOfStmt = db
      .select()
      .from(enrolments)
      .where(and(eq(enrolments.projectId, sql.placeholder('projectId')), eq(enrolments.workerId, sql.placeholder('workerId'))))
      .prepare()
  }

  insertOrganisation(row: OrganisationRow): void {
    this.db.insert(organisations).values(row).run()
  }
  organisation(id: string): OrganisationRow | undefined {
    return this.db.select().from(organisations).where(eq(organisations.id, id)).get()
  }
  organisationByCreditCode(code: string): OrganisationRow | undefined {
    return this.db.select().from(organisations).where(eq(organisations.creditCode, code)).get()
  }
  listOrganisations(): OrganisationRow[] {
    return this.db.select().from(organisations).orderBy(asc(organisations.id)).all()
  }

  insertProject(row: ProjectRow): void {
    this.db.insert(projects).values(row).run()
  }
  project(id: string): ProjectRow | undefined {
    return this.db.select().from(projects).where(eq(projects.id, id)).get()
  }
  projectBySiteCode(siteCode: string): ProjectRow | undefined {
    return this.db.select().from(projects).where(eq(projects.siteCode, siteCode)).get()
  }
  setPolicy(projectId: string, p: AttendancePolicy): void {
    this.db
      .update(projects)
      .set({ debounceMinutes: p.debounceMinutes, maxShiftMinutes: p.maxShiftMinutes, incompleteDayPolicy: p.incompleteDay, clockAheadMinutes: p.clockAheadMinutes })
      .where(eq(projects.id, projectId))
      .run()
  }

  listProjects(): ProjectRow[] {
    return this.db.select().from(projects).orderBy(asc(projects.id)).all()
  }

  insertTeam(row: TeamRow): void {
    this.db.insert(teams).values(row).run()
  }
  team(projectId: string, id: string): TeamRow | undefined {
    return this.db.select().from(teams).where(and(eq(teams.projectId, projectId), eq(teams.id, id))).get()
  }
  listTeams(projectId: string): TeamRow[] {
    return this.db.select().from(teams).where(eq(teams.projectId, projectId)).orderBy(asc(teams.name)).all()
  }

  insertWorker(row: WorkerRow): void {
    this.db.insert(workers).values(row).run()
  }
  worker(id: string): WorkerRow | undefined {
    return this.db.select().from(workers).where(eq(workers.id, id)).get()
  }
  workerByIdNumber(idNumber: string): WorkerRow | undefined {
    return this.workerByIdNumberStmt.get({ idNumber })
  }
  listWorkers(limit: number, after: string | undefined): WorkerRow[] {
    const q = this.db.select().from(workers)
    return (after ? q.where(gt(workers.id, after)) : q).orderBy(asc(workers.id)).limit(limit).all()
  }

  insertEnrolment(row: EnrolmentRow): void {
    this.db.insert(enrolments).values(row).run()
  }
  enrolment(projectId: string, id: string): EnrolmentRow | undefined {
    return this.db.select().from(enrolments).where(and(eq(enrolments.projectId, projectId), eq(enrolments.id, id))).get()
  }
  enrolmentOf(projectId: string, workerId: string): EnrolmentRow | undefined {
    return this.enrolmentOfStmt.get({ projectId, workerId })
  }
  enrolmentByDeviceUser(projectId: string, deviceUserId: string): EnrolmentRow | undefined {
    return this.db.select().from(enrolments).where(and(eq(enrolments.projectId, projectId), eq(enrolments.deviceUserId, deviceUserId))).get()
  }
  setExitDate(id: string, exitDate: string): void {
    this.db.update(enrolments).set({ exitDate }).where(eq(enrolments.id, id)).run()
  }
  /** Enrolments of a project joined with their workers (the roster 花名册). */
  listEnrolments(projectId: string): Array<{ enrolment: EnrolmentRow; worker: WorkerRow }> {
    return this.db
      .select({ enrolment: enrolments, worker: workers })
      .from(enrolments)
      .innerJoin(workers, eq(workers.id, enrolments.workerId))
      .where(eq(enrolments.projectId, projectId))
      .orderBy(asc(enrolments.teamId), asc(workers.name), asc(workers.id))
      .all()
  }

  insertDevice(row: DeviceRow): void {
    this.db.insert(devices).values(row).run()
  }
  deviceBySerial(serial: string): DeviceRow | undefined {
    return this.db.select().from(devices).where(eq(devices.serial, serial)).get()
  }
  listDevices(projectId: string): DeviceRow[] {
    return this.db.select().from(devices).where(eq(devices.projectId, projectId)).orderBy(asc(devices.serial)).all()
  }
}

