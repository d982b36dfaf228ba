/** Database access for the roster. The only roster code that touches tables. */
import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm'
import type { Db } from '../db/client.ts'
import type { AttendancePolicy } from '../timesheets/policy.ts'
import { devices, enrolments, organisations, projects, teams, workers } from '../db/schema/index.ts'

export type OrganisationRow = typeof organisations.$inferSelect
export type ProjectRow = typeof projects.$inferSelect
export type TeamRow = typeof teams.$inferSelect
export type WorkerRow = typeof workers.$inferSelect
export type EnrolmentRow = typeof enrolments.$inferSelect
export type DeviceRow = typeof devices.$inferSelect

/** A page of a list: at most `limit` rows after the row whose id is `after` (keyset paging, no OFFSET). */
export interface PageQuery {
  limit: number
  after?: string
}

/** A stored punch the device's clock put before its installation (clock_suspect = before_install). */
export interface BeforeInstallPunch {
  id: number
  workerId: string
  workDate: string
}

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
  /** Oldest first: ids are time-ordered (UUIDv7), so the id alone is the keyset. */
  pageOrganisations(page: PageQuery): OrganisationRow[] {
    const q = this.db.select().from(organisations)
    return (page.after ? q.where(gt(organisations.id, page.after)) : q).orderBy(asc(organisations.id)).limit(page.limit).all()
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
  pageProjects(page: PageQuery): ProjectRow[] {
    const q = this.db.select().from(projects)
    return (page.after ? q.where(gt(projects.id, page.after)) : q).orderBy(asc(projects.id)).limit(page.limit).all()
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
  /** By name, as people look for a team; the anchor team's name is the keyset. Undefined when `after` is no team of the project. */
  pageTeams(projectId: string, page: PageQuery): TeamRow[] | undefined {
    let from: SQL | undefined
    if (page.after) {
      const anchor = this.team(projectId, page.after)
      if (!anchor) return undefined
      from = sql`(${teams.name}, ${teams.id}) > (${anchor.name}, ${anchor.id})`
    }
    return this.db.select().from(teams).where(and(eq(teams.projectId, projectId), from)).orderBy(asc(teams.name), asc(teams.id)).limit(page.limit).all()
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
  pageWorkers(page: PageQuery): WorkerRow[] {
    const q = this.db.select().from(workers)
    return (page.after ? q.where(gt(workers.id, page.after)) : q).orderBy(asc(workers.id)).limit(page.limit).all()
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
  /**
   * A page of the roster in its printed order (team, name); the anchor enrolment's team and worker are the keyset.
   * Undefined when `after` is no enrolment of the project.
   */
  pageEnrolments(projectId: string, page: PageQuery): Array<{ enrolment: EnrolmentRow; worker: WorkerRow }> | undefined {
    let from: SQL | undefined
    if (page.after) {
      const anchor = this.enrolment(projectId, page.after)
      const anchorWorker = anchor && this.worker(anchor.workerId)
      if (!anchor || !anchorWorker) return undefined
      from = sql`(${enrolments.teamId}, ${workers.name}, ${workers.id}) > (${anchor.teamId}, ${anchorWorker.name}, ${anchorWorker.id})`
    }
    return this.db
      .select({ enrolment: enrolments, worker: workers })
      .from(enrolments)
      .innerJoin(workers, eq(workers.id, enrolments.workerId))
      .where(and(eq(enrolments.projectId, projectId), from))
      .orderBy(asc(enrolments.teamId), asc(workers.name), asc(workers.id))
      .limit(page.limit)
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
  device(projectId: string, id: string): DeviceRow | undefined {
    return this.db.select().from(devices).where(and(eq(devices.projectId, projectId), eq(devices.id, id))).get()
  }
  /** By serial, as written on the device; the anchor device's serial (unique) is the keyset. Undefined when `after` is no device of the project. */
  pageDevices(projectId: string, page: PageQuery): DeviceRow[] | undefined {
    let from: SQL | undefined
    if (page.after) {
      const anchor = this.device(projectId, page.after)
      if (!anchor) return undefined
      from = gt(devices.serial, anchor.serial)
    }
    return this.db.select().from(devices).where(and(eq(devices.projectId, projectId), from)).orderBy(asc(devices.serial)).limit(page.limit).all()
  }
  setInstalledAt(id: string, installedAtMs: number): void {
    this.db.update(devices).set({ installedAtMs }).where(eq(devices.id, id)).run()
  }

  /**
   * Punches of the device stored as before_install whose device time is not before `installedAtMs`, and that no
   * standing accept_punch correction counts yet, from punch id `afterId` on. Read here rather than in the timesheets
   * because the question is the device's: which of its readings a corrected installation date clears. Raw punches
   * are never updated; what clears them is a correction, so this is what is still waiting for one.
   */
  punchesClearedByInstall(deviceId: string, installedAtMs: number, afterId: number, limit: number): BeforeInstallPunch[] {
    return this.db.all<BeforeInstallPunch>(sql`
      SELECT p.id AS id, p.worker_id AS workerId, p.work_date AS workDate FROM punches p
      WHERE p.device_id = ${deviceId} AND p.id > ${afterId} AND p.clock_suspect = 'before_install' AND p.device_time_ms >= ${installedAtMs}
        AND NOT EXISTS (
          SELECT 1 FROM corrections c
          WHERE c.project_id = p.project_id AND c.worker_id = p.worker_id AND c.kind = 'accept_punch' AND c.punch_id = p.id
            AND NOT EXISTS (SELECT 1 FROM corrections r WHERE r.project_id = c.project_id AND r.worker_id = c.worker_id AND r.kind = 'revoke' AND r.revokes_id = c.id))
      ORDER BY p.id LIMIT ${limit}`)
  }
  /** How many of the device's punches are still before its installation as now recorded. */
  countBeforeInstall(deviceId: string, installedAtMs: number): number {
    const row = this.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM punches WHERE device_id = ${deviceId} AND clock_suspect = 'before_install' AND device_time_ms < ${installedAtMs}`)
    return row?.n ?? 0
  }
}

