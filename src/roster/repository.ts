/** Database access for the roster. The only roster code that touches tables. */
import { getTableColumns, getTableName, sql, type SQL, type Table } from 'drizzle-orm'
import { q, type Database, type Transaction } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { newId } from '../kernel/ids.ts'
import { workDateOf } from '../kernel/time.ts'
import { AccountRepository, type DedicatedAccountRow } from '../account/repository.ts'
import type { EnrolmentBreak } from './spells.ts'
import type { AttendancePolicy } from '../timesheets/policy.ts'
import { devices, enrolmentBreakCorrections, enrolmentDeviceUsers, enrolmentEntries, enrolmentExits, enrolmentReturns, enrolments, organisations, projects, teams, workerCardChanges, workers } from '../db/schema/index.ts'

export type OrganisationRow = typeof organisations.$inferSelect
export type ProjectRow = typeof projects.$inferSelect
export type TeamRow = typeof teams.$inferSelect
export type WorkerRow = typeof workers.$inferSelect
export type EnrolmentRow = typeof enrolments.$inferSelect
export type DeviceRow = typeof devices.$inferSelect
export type WorkerCardChangeRow = typeof workerCardChanges.$inferSelect
export type EnrolmentExitRow = typeof enrolmentExits.$inferSelect
export type EnrolmentEntryRow = typeof enrolmentEntries.$inferSelect
export type EnrolmentDeviceUserRow = typeof enrolmentDeviceUsers.$inferSelect
export type EnrolmentReturnRow = typeof enrolmentReturns.$inferSelect
export type EnrolmentBreakCorrectionRow = typeof enrolmentBreakCorrections.$inferSelect

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

export interface EnrolmentWithWorker {
  enrolment: EnrolmentRow
  worker: WorkerRow
}

type Raw = Record<string, unknown>

/** Undoes a project's creation whose account number is in force elsewhere: thrown in its transaction, caught outside. */
class AccountElsewhere extends Error {
  constructor(readonly others: string[]) {
    super('account number in force on another project')
  }
}

/** `"t"."col" AS "<prefix>key"` for every column, as plain text: for the constant statements below. */
function columnText(table: Table, prefix = ''): string {
  const name = getTableName(table)
  return Object.entries(getTableColumns(table))
    .map(([key, col]) => `"${name}"."${col.name}" AS "${prefix}${key}"`)
    .join(', ')
}

// Constant texts, prepared once per connection: admission looks devices, workers and enrolments up on the ingest path
// after every start and roster change (the lookups cache only until the roster changes).
const DEVICE_BY_SERIAL = `SELECT ${columnText(devices)} FROM "devices" WHERE "serial" = ?`
const PROJECT_BY_ID = `SELECT ${columnText(projects)} FROM "projects" WHERE "id" = ?`
const PROJECT_BY_SITE_CODE = `SELECT ${columnText(projects)} FROM "projects" WHERE "site_code" = ?`
const WORKER_BY_ID_NUMBER = `SELECT ${columnText(workers)} FROM "workers" WHERE "id_number" = ?`
const ENROLMENT_OF = `SELECT ${columnText(enrolments)} FROM "enrolments" WHERE "project_id" = ? AND "worker_id" = ?`
const ENROLMENT_BY_DEVICE_USER = `SELECT ${columnText(enrolments)} FROM "enrolments" WHERE "project_id" = ? AND "device_user_id" = ?`

const SET_POLICY = `UPDATE "projects" SET "debounce_minutes" = ?, "max_shift_minutes" = ?, "incomplete_day_policy" = ?, "clock_ahead_minutes" = ? WHERE "id" = ?`
const SET_EXIT_DATE = `UPDATE "enrolments" SET "exit_date" = ? WHERE "id" = ?`
const SET_ENTRY_DATE = `UPDATE "enrolments" SET "entry_date" = ? WHERE "id" = ?`
const SET_RETURN = `UPDATE "enrolments" SET "exit_date" = NULL, "breaks" = ? WHERE "id" = ?`
const SET_BREAKS = `UPDATE "enrolments" SET "breaks" = ? WHERE "id" = ?`
const SET_DEVICE_USER = `UPDATE "enrolments" SET "device_user_id" = ? WHERE "id" = ?`
const SET_INSTALLED_AT = `UPDATE "devices" SET "installed_at_ms" = ? WHERE "id" = ?`

/** An enrolment and its worker in one row: the two tables share column names, so each side carries a prefix. */
const ENROLMENT_WITH_WORKER = sql.raw(`${columnText(enrolments, 'e.')}, ${columnText(workers, 'w.')}`)

/** Each side's keys with their prefixed aliases, listed once: a roster of 100,000 is split 100,000 times. */
const ENROLMENT_KEYS = Object.keys(getTableColumns(enrolments)).map((k) => [k, `e.${k}`] as const)
const WORKER_KEYS = Object.keys(getTableColumns(workers)).map((k) => [k, `w.${k}`] as const)

/** A worker enrolled on a project as reconciliation reads them (RosterRepository.cardHolders). */
export interface CardHolder {
  workerId: string
  workerName: string
  cardNo: string
  teamId: string
  entryDate: string
  exitDate: string | null
  /** The breaks between spells (src/roster/spells.ts). */
  breaks: EnrolmentBreak[]
}

function enrolmentWithWorker(raw: Raw): EnrolmentWithWorker {
  const e: Raw = {}
  const w: Raw = {}
  for (const [k, alias] of ENROLMENT_KEYS) e[k] = raw[alias]
  for (const [k, alias] of WORKER_KEYS) w[k] = raw[alias]
  return { enrolment: rowOf<EnrolmentRow>(enrolments, e), worker: rowOf<WorkerRow>(workers, w) }
}

export class RosterRepository {
  constructor(private readonly db: Database) {}

  async insertOrganisation(row: OrganisationRow): Promise<void> {
    await this.db.run(insertInto(organisations, [row]))
  }
  async organisation(id: string): Promise<OrganisationRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(organisations)} WHERE ${organisations.id} = ${id}`)
    return raw && rowOf<OrganisationRow>(organisations, raw)
  }
  async organisationByCreditCode(code: string): Promise<OrganisationRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(organisations)} WHERE ${organisations.creditCode} = ${code}`)
    return raw && rowOf<OrganisationRow>(organisations, raw)
  }
  /** Oldest first: ids are time-ordered (UUIDv7), so the id alone is the keyset. */
  async pageOrganisations(page: PageQuery): Promise<OrganisationRow[]> {
    const from = page.after ? sql`WHERE ${organisations.id} > ${page.after}` : sql``
    const raws = await this.db.all<Raw>(sql`${selectFrom(organisations)} ${from} ORDER BY ${organisations.id} LIMIT ${page.limit}`)
    return raws.map((r) => rowOf<OrganisationRow>(organisations, r))
  }

  /**
   * The project and, when given, the first register entry of its dedicated account, in one transaction. Answers the
   * other projects the account number is in force on; then nothing is recorded (a dedicated account is one project's).
   */
  async insertProject(row: ProjectRow, account?: DedicatedAccountRow): Promise<string[]> {
    if (account === undefined) {
      await this.db.run(insertInto(projects, [row]))
      return []
    }
    try {
      return await this.db.tx(async (tx) => {
        await this.db.run(insertInto(projects, [row]))
        const others = await new AccountRepository(this.db).insertAccountUnlessElsewhere(tx, account)
        if (others.length > 0) throw new AccountElsewhere(others)
        return []
      })
    } catch (err) {
      if (err instanceof AccountElsewhere) return err.others
      throw err
    }
  }
  /** The oldest entry of the project's dedicated-account register: the one recorded with it, when it had a bank code. */
  async firstAccountEntry(projectId: string): Promise<DedicatedAccountRow | undefined> {
    return (await new AccountRepository(this.db).accountHistory(projectId)).at(-1)
  }
  async project(id: string): Promise<ProjectRow | undefined> {
    const raw = await this.db.get<Raw>(q(PROJECT_BY_ID, id))
    return raw && rowOf<ProjectRow>(projects, raw)
  }
  async projectBySiteCode(siteCode: string): Promise<ProjectRow | undefined> {
    const raw = await this.db.get<Raw>(q(PROJECT_BY_SITE_CODE, siteCode))
    return raw && rowOf<ProjectRow>(projects, raw)
  }
  async setPolicy(projectId: string, p: AttendancePolicy): Promise<void> {
    await this.db.run(q(SET_POLICY, p.debounceMinutes, p.maxShiftMinutes, p.incompleteDay, p.clockAheadMinutes, projectId))
  }

  async listProjects(): Promise<ProjectRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(projects)} ORDER BY ${projects.id}`)
    return raws.map((r) => rowOf<ProjectRow>(projects, r))
  }
  /** within: a condition on projects (a caller's scope); undefined for all. */
  async pageProjects(page: PageQuery, within?: SQL): Promise<ProjectRow[]> {
    const conditions = [page.after ? sql`${projects.id} > ${page.after}` : undefined, within].filter((c): c is SQL => c !== undefined)
    const where = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``
    const raws = await this.db.all<Raw>(sql`${selectFrom(projects)} ${where} ORDER BY ${projects.id} LIMIT ${page.limit}`)
    return raws.map((r) => rowOf<ProjectRow>(projects, r))
  }

  async insertTeam(row: TeamRow): Promise<void> {
    await this.db.run(insertInto(teams, [row]))
  }
  async team(projectId: string, id: string): Promise<TeamRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(teams)} WHERE ${teams.projectId} = ${projectId} AND ${teams.id} = ${id}`)
    return raw && rowOf<TeamRow>(teams, raw)
  }
  async teamByName(projectId: string, name: string): Promise<TeamRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(teams)} WHERE ${teams.projectId} = ${projectId} AND ${teams.name} = ${name}`)
    return raw && rowOf<TeamRow>(teams, raw)
  }
  async listTeams(projectId: string): Promise<TeamRow[]> {
    const name = this.db.dialect.bytewise(teams.name)
    const raws = await this.db.all<Raw>(sql`${selectFrom(teams)} WHERE ${teams.projectId} = ${projectId} ORDER BY ${name}, ${teams.id}`)
    return raws.map((r) => rowOf<TeamRow>(teams, r))
  }
  /** By name, as people look for a team; the anchor team's name is the keyset. Undefined when `after` is no team of the list (of the project, and of `employerId` when given). */
  async pageTeams(projectId: string, page: PageQuery, employerId?: string): Promise<TeamRow[] | undefined> {
    const name = this.db.dialect.bytewise(teams.name)
    let from = employerId === undefined ? sql`` : sql`AND ${teams.employerId} = ${employerId}`
    if (page.after) {
      const anchor = await this.team(projectId, page.after)
      // Another employer's team is no item of this list: answered as an id that does not exist, never a page after it.
      if (!anchor || (employerId !== undefined && anchor.employerId !== employerId)) return undefined
      from = sql`${from} AND (${name}, ${teams.id}) > (${anchor.name}, ${anchor.id})`
    }
    const raws = await this.db.all<Raw>(sql`${selectFrom(teams)} WHERE ${teams.projectId} = ${projectId} ${from} ORDER BY ${name}, ${teams.id} LIMIT ${page.limit}`)
    return raws.map((r) => rowOf<TeamRow>(teams, r))
  }

  async insertWorker(row: WorkerRow): Promise<void> {
    await this.db.run(insertInto(workers, [row]))
  }
  /**
   * Records a change of the worker's card and puts the new card on the worker row, in one transaction: false (nothing
   * written) when the worker no longer holds `change.previousCardNo` (another change went first).
   */
  async changeWorkerCard(change: Omit<WorkerCardChangeRow, 'id' | 'seq'>): Promise<WorkerCardChangeRow | 'held' | undefined> {
    return this.db.tx(async (tx) => {
      await tx.lock(`worker-card:${change.workerId}`)
      await tx.lock(`card:${change.cardNo}`)
      if (change.cardNo !== change.previousCardNo && (await this.cardHeldByAnother(change.cardNo, change.workerId))) return 'held'
      const held = await tx.get<{ cardNo: string; bankName: string }>(
        sql`SELECT ${workers.cardNo} AS "cardNo", ${workers.bankName} AS "bankName" FROM ${workers} WHERE ${workers.id} = ${change.workerId}`,
      )
      if (held?.cardNo !== change.previousCardNo || held.bankName !== change.previousBankName) return undefined
      const last = await tx.get<{ seq: number | null }>(sql`SELECT MAX(${workerCardChanges.seq}) AS "seq" FROM ${workerCardChanges} WHERE ${workerCardChanges.workerId} = ${change.workerId}`)
      const row: WorkerCardChangeRow = { id: newId(), seq: Number(last?.seq ?? 0) + 1, ...change }
      await tx.run(insertInto(workerCardChanges, [row]))
      await tx.run(sql`UPDATE ${workers} SET card_no = ${row.cardNo}, bank_name = ${row.bankName} WHERE ${workers.id} = ${row.workerId}`)
      return row
    })
  }
  /** The worker who holds this card now, else one who held it before a change; undefined when no one did. */
  async holderOfCard(cardNo: string): Promise<string | undefined> {
    const now = await this.db.get<{ id: string }>(sql`SELECT ${workers.id} AS "id" FROM ${workers} WHERE ${workers.cardNo} = ${cardNo} ORDER BY ${workers.id} LIMIT 1`)
    if (now) return now.id
    const before = await this.db.get<{ id: string }>(
      sql`SELECT ${workerCardChanges.workerId} AS "id" FROM ${workerCardChanges} WHERE ${workerCardChanges.previousCardNo} = ${cardNo} ORDER BY ${workerCardChanges.workerId} LIMIT 1`,
    )
    return before?.id
  }
  /** Runs fn in a transaction holding the lock of this card: who holds a card is decided one writer at a time. */
  withCardLock<T>(cardNo: string, fn: () => Promise<T>): Promise<T> {
    return this.db.tx(async (tx) => {
      await tx.lock(`card:${cardNo}`)
      return fn()
    })
  }
  /** Whether a worker other than `exceptWorkerId` holds this card now, or held it before a change. */
  async cardHeldByAnother(cardNo: string, exceptWorkerId: string | null): Promise<boolean> {
    const other = exceptWorkerId ?? ''
    const now = await this.db.get(sql`SELECT 1 AS "one" FROM ${workers} WHERE ${workers.cardNo} = ${cardNo} AND ${workers.id} <> ${other}`)
    if (now) return true
    const before = await this.db.get(sql`SELECT 1 AS "one" FROM ${workerCardChanges} WHERE ${workerCardChanges.previousCardNo} = ${cardNo} AND ${workerCardChanges.workerId} <> ${other}`)
    return before !== undefined
  }
  /** The worker's card changes, oldest first. */
  async workerCardChanges(workerId: string): Promise<WorkerCardChangeRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(workerCardChanges)} WHERE ${workerCardChanges.workerId} = ${workerId} ORDER BY ${workerCardChanges.seq}`)
    return raws.map((r) => rowOf<WorkerCardChangeRow>(workerCardChanges, r))
  }
  async worker(id: string): Promise<WorkerRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(workers)} WHERE ${workers.id} = ${id}`)
    return raw && rowOf<WorkerRow>(workers, raw)
  }
  async workerByIdNumber(idNumber: string): Promise<WorkerRow | undefined> {
    const raw = await this.db.get<Raw>(q(WORKER_BY_ID_NUMBER, idNumber))
    return raw && rowOf<WorkerRow>(workers, raw)
  }
  async pageWorkers(page: PageQuery): Promise<WorkerRow[]> {
    const from = page.after ? sql`WHERE ${workers.id} > ${page.after}` : sql``
    const raws = await this.db.all<Raw>(sql`${selectFrom(workers)} ${from} ORDER BY ${workers.id} LIMIT ${page.limit}`)
    return raws.map((r) => rowOf<WorkerRow>(workers, r))
  }

  async insertEnrolment(row: EnrolmentRow): Promise<void> {
    await this.db.run(insertInto(enrolments, [row]))
  }
  async enrolment(projectId: string, id: string): Promise<EnrolmentRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(enrolments)} WHERE ${enrolments.projectId} = ${projectId} AND ${enrolments.id} = ${id}`)
    return raw && rowOf<EnrolmentRow>(enrolments, raw)
  }
  async enrolmentOf(projectId: string, workerId: string): Promise<EnrolmentRow | undefined> {
    const raw = await this.db.get<Raw>(q(ENROLMENT_OF, projectId, workerId))
    return raw && rowOf<EnrolmentRow>(enrolments, raw)
  }
  async enrolmentByDeviceUser(projectId: string, deviceUserId: string): Promise<EnrolmentRow | undefined> {
    const raw = await this.db.get<Raw>(q(ENROLMENT_BY_DEVICE_USER, projectId, deviceUserId))
    return raw && rowOf<EnrolmentRow>(enrolments, raw)
  }
  /** Runs fn in one transaction; the repository's calls inside it (and any other service's) join it. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.tx(fn)
  }
  /** Records an exit: its history row, and the exit date in force on the enrolment, in one transaction. */
  async recordExit(row: EnrolmentExitRow): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(insertInto(enrolmentExits, [row]))
      await this.db.run(q(SET_EXIT_DATE, row.exitDate, row.enrolmentId))
    })
  }
  /**
   * Records a return (再次进场): its history row, and on the enrolment the exit it follows moved into the breaks (now
   * `breaks`) and the exit in force cleared, in one transaction.
   */
  async recordReturn(row: EnrolmentReturnRow, breaks: readonly EnrolmentBreak[]): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(insertInto(enrolmentReturns, [row]))
      await this.db.run(q(SET_RETURN, JSON.stringify(breaks), row.enrolmentId))
    })
  }
  /** The enrolment's returns recorded, oldest first. */
  async returnsOf(enrolmentId: string): Promise<EnrolmentReturnRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(enrolmentReturns)} WHERE ${enrolmentReturns.enrolmentId} = ${enrolmentId} ORDER BY ${enrolmentReturns.atMs}, ${enrolmentReturns.id}`)
    return raws.map((r) => rowOf<EnrolmentReturnRow>(enrolmentReturns, r))
  }
  /**
   * Records a correction of a break (a return's date, or the exit before it): its history row, and the breaks in force
   * on the enrolment (now `breaks`), in one transaction.
   */
  async recordBreakCorrection(row: EnrolmentBreakCorrectionRow, breaks: readonly EnrolmentBreak[]): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(insertInto(enrolmentBreakCorrections, [row]))
      await this.db.run(q(SET_BREAKS, JSON.stringify(breaks), row.enrolmentId))
    })
  }
  /** The enrolment's break corrections, oldest first. */
  async breakCorrectionsOf(enrolmentId: string): Promise<EnrolmentBreakCorrectionRow[]> {
    const raws = await this.db.all<Raw>(
      sql`${selectFrom(enrolmentBreakCorrections)} WHERE ${enrolmentBreakCorrections.enrolmentId} = ${enrolmentId} ORDER BY ${enrolmentBreakCorrections.atMs}, ${enrolmentBreakCorrections.id}`,
    )
    return raws.map((r) => rowOf<EnrolmentBreakCorrectionRow>(enrolmentBreakCorrections, r))
  }
  /** Records a correction of the entry date: its history row, and the entry date in force on the enrolment, in one transaction. */
  async recordEntry(row: EnrolmentEntryRow): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(insertInto(enrolmentEntries, [row]))
      await this.db.run(q(SET_ENTRY_DATE, row.entryDate, row.enrolmentId))
    })
  }
  /** Records a change of the 考勤号: its history row, and the id in force on the enrolment, in one transaction. */
  async recordDeviceUser(row: EnrolmentDeviceUserRow): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(insertInto(enrolmentDeviceUsers, [row]))
      await this.db.run(q(SET_DEVICE_USER, row.deviceUserId, row.enrolmentId))
    })
  }
  /** The enrolment's 考勤号 changes, oldest first. */
  async deviceUsersOf(enrolmentId: string): Promise<EnrolmentDeviceUserRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(enrolmentDeviceUsers)} WHERE ${enrolmentDeviceUsers.enrolmentId} = ${enrolmentId} ORDER BY ${enrolmentDeviceUsers.atMs}, ${enrolmentDeviceUsers.id}`)
    return raws.map((r) => rowOf<EnrolmentDeviceUserRow>(enrolmentDeviceUsers, r))
  }
  /** The enrolment's entry-date corrections, oldest first. */
  async entriesOf(enrolmentId: string): Promise<EnrolmentEntryRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(enrolmentEntries)} WHERE ${enrolmentEntries.enrolmentId} = ${enrolmentId} ORDER BY ${enrolmentEntries.atMs}, ${enrolmentEntries.id}`)
    return raws.map((r) => rowOf<EnrolmentEntryRow>(enrolmentEntries, r))
  }
  /** The enrolment's exits recorded, oldest first. */
  async exitsOf(enrolmentId: string): Promise<EnrolmentExitRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(enrolmentExits)} WHERE ${enrolmentExits.enrolmentId} = ${enrolmentId} ORDER BY ${enrolmentExits.atMs}, ${enrolmentExits.id}`)
    return raws.map((r) => rowOf<EnrolmentExitRow>(enrolmentExits, r))
  }
  /**
   * The last work date after `after` on which the worker punched on the project, if any, in the project's zone
   * (`timeZone`): an added punch's date is the one its time falls on.
   */
  async lastPunchDateAfter(projectId: string, workerId: string, after: string, timeZone: string): Promise<string | undefined> {
    // A person's standing correction that puts the worker on site (an added punch, a day set present or half) is
    // attendance too: an exit before it would drop it as silently as a gate's punch.
    const standing = sql`NOT EXISTS (SELECT 1 FROM corrections r WHERE r.project_id = c.project_id AND r.worker_id = c.worker_id AND r.kind = 'revoke' AND r.revokes_id = c.id)`
    // A gate's punch a person voided (not theirs, a reading of a reset clock) is no attendance: an exit before it
    // needs no reason.
    const row = await this.db.get<{ d: string | null }>(sql`
      SELECT MAX(p.work_date) AS "d" FROM punches p
      WHERE p.project_id = ${projectId} AND p.work_date > ${after} AND p.worker_id = ${workerId}
        AND NOT EXISTS (SELECT 1 FROM corrections c WHERE c.project_id = p.project_id AND c.worker_id = p.worker_id AND c.kind = 'void_punch' AND c.punch_id = p.id AND ${standing})`)
    const set = await this.db.get<{ d: string | null }>(sql`
      SELECT MAX(c.work_date) AS "d" FROM corrections c
      WHERE c.project_id = ${projectId} AND c.worker_id = ${workerId} AND c.work_date > ${after}
        AND c.kind = 'set_status' AND c.status IN ('present', 'half_day') AND ${standing}`)
    // An added punch is on the date its time falls on: a night shift's out, filed on the day of its in, falls on the
    // next morning (the day filed or the one after it). The latest such time, dated in the zone as the rules date it.
    const added = await this.db.get<{ at: number | string | null }>(sql`
      SELECT MAX(c.at_ms) AS "at" FROM corrections c
      WHERE c.project_id = ${projectId} AND c.worker_id = ${workerId} AND c.work_date >= ${after}
        AND c.kind = 'add_punch' AND c.at_ms IS NOT NULL AND ${standing}`)
    const addedOn = added?.at === null || added?.at === undefined ? undefined : workDateOf(Number(added.at), timeZone)
    const dates = [row?.d, set?.d, addedOn].filter((d): d is string => typeof d === 'string' && d > after)
    return dates.length === 0 ? undefined : dates.sort().at(-1)
  }
  /** Enrolments of a project joined with their workers (the roster 花名册), in its printed order (team, name). */
  async listEnrolments(projectId: string): Promise<EnrolmentWithWorker[]> {
    const raws = await this.db.all<Raw>(sql`${this.enrolmentsWithWorkers(projectId)} ${this.rosterOrder()}`)
    return raws.map(enrolmentWithWorker)
  }
  /**
   * A page of the roster in its printed order (team, name); the anchor enrolment's team and worker are the keyset.
   * Undefined when `after` is no enrolment of the list (of the project, and in a team of `employerId` when given).
   */
  async pageEnrolments(projectId: string, page: PageQuery, employerId?: string): Promise<EnrolmentWithWorker[] | undefined> {
    let from = employerId === undefined ? sql`` : sql`AND ${enrolments.teamId} IN (SELECT ${teams.id} FROM ${teams} WHERE ${teams.employerId} = ${employerId})`
    if (page.after) {
      const anchor = await this.enrolment(projectId, page.after)
      const anchorWorker = anchor && (await this.worker(anchor.workerId))
      if (!anchor || !anchorWorker) return undefined
      // An enrolment in another employer's team is no item of this list: answered as one that does not exist.
      if (employerId !== undefined && (await this.team(projectId, anchor.teamId))?.employerId !== employerId) return undefined
      const name = this.db.dialect.bytewise(workers.name)
      from = sql`${from} AND (${enrolments.teamId}, ${name}, ${workers.id}) > (${anchor.teamId}, ${anchorWorker.name}, ${anchorWorker.id})`
    }
    const raws = await this.db.all<Raw>(sql`${this.enrolmentsWithWorkers(projectId)} ${from} ${this.rosterOrder()} LIMIT ${page.limit}`)
    return raws.map(enrolmentWithWorker)
  }
  /**
   * Every enrolment's worker, card, team and dates, in no order: what a reconciliation attributes payments and
   * enrolment spans by. Six columns, not the roster's forty: a month of 100,000 workers is reconciled on every post.
   */
  async cardHolders(projectId: string): Promise<CardHolder[]> {
    type Row = [workerId: string, workerName: string, cardNo: string, teamId: string, entryDate: string, exitDate: string | null, breaks: string]
    // Read as arrays and made into CardHolder at once: a row keyed by alias and then its copy cost a tenth of a second.
    const rows = await this.db.values<Row>(
      sql`SELECT ${enrolments.workerId}, ${workers.name}, ${workers.cardNo}, ${enrolments.teamId}, ${enrolments.entryDate}, ${enrolments.exitDate}, ${enrolments.breaks}
        FROM ${enrolments} INNER JOIN ${workers} ON ${workers.id} = ${enrolments.workerId} WHERE ${enrolments.projectId} = ${projectId}`,
    )
    // Almost every enrolment has no break: its text is not parsed.
    return rows.map((r) => ({ workerId: r[0], workerName: r[1], cardNo: r[2], teamId: r[3], entryDate: r[4], exitDate: r[5], breaks: r[6] === '[]' ? [] : (JSON.parse(r[6]) as EnrolmentBreak[]) }))
  }
  /**
   * The cards the project's enrolled workers held before a change (换卡), each with its worker: a payment made to a
   * former card is still the worker's.
   */
  async formerCards(projectId: string): Promise<Array<{ workerId: string; workerName: string; cardNo: string }>> {
    return this.db.all(
      sql`SELECT DISTINCT ${workers.id} AS "workerId", ${workers.name} AS "workerName", ${workerCardChanges.previousCardNo} AS "cardNo"
        FROM ${enrolments} INNER JOIN ${workers} ON ${workers.id} = ${enrolments.workerId}
        INNER JOIN ${workerCardChanges} ON ${workerCardChanges.workerId} = ${workers.id} WHERE ${enrolments.projectId} = ${projectId}`,
    )
  }
  /**
   * The months of the project's exits dated from `from` to `to` (inclusive), oldest first: the exits in force, and
   * those a return (再次进场) followed, which keep their settlement deadline, as recorded or as corrected since (a month
   * an exit was corrected out of is visited still: it finds nothing due there).
   */
  async exitMonths(projectId: string, from: string, to: string): Promise<string[]> {
    const rows = await this.db.all<{ exitDate: string }>(
      sql`SELECT DISTINCT ${enrolments.exitDate} AS "exitDate" FROM ${enrolments}
        WHERE ${enrolments.projectId} = ${projectId} AND ${enrolments.exitDate} >= ${from} AND ${enrolments.exitDate} <= ${to}
        UNION
        SELECT DISTINCT r.exit_date AS "exitDate" FROM enrolment_returns r INNER JOIN enrolments e ON e.id = r.enrolment_id
        WHERE e.project_id = ${projectId} AND r.exit_date >= ${from} AND r.exit_date <= ${to}
        UNION
        SELECT DISTINCT c.exit_date AS "exitDate" FROM enrolment_break_corrections c INNER JOIN enrolments e ON e.id = c.enrolment_id
        WHERE e.project_id = ${projectId} AND c.exit_date >= ${from} AND c.exit_date <= ${to}`,
    )
    return [...new Set(rows.map((r) => r.exitDate.slice(0, 7)))].sort()
  }
  /** One team's enrolments, in roster order: a team's month reads its own members, not the whole project's. */
  async listTeamEnrolments(projectId: string, teamId: string): Promise<EnrolmentWithWorker[]> {
    const raws = await this.db.all<Raw>(sql`${this.enrolmentsWithWorkers(projectId)} AND ${enrolments.teamId} = ${teamId} ${this.rosterOrder()}`)
    return raws.map(enrolmentWithWorker)
  }
  private enrolmentsWithWorkers(projectId: string): SQL {
    return sql`SELECT ${ENROLMENT_WITH_WORKER} FROM ${enrolments} INNER JOIN ${workers} ON ${workers.id} = ${enrolments.workerId} WHERE ${enrolments.projectId} = ${projectId}`
  }
  private rosterOrder(): SQL {
    return sql`ORDER BY ${enrolments.teamId}, ${this.db.dialect.bytewise(workers.name)}, ${workers.id}`
  }

  async insertDevice(row: DeviceRow): Promise<void> {
    await this.db.run(insertInto(devices, [row]))
  }
  async deviceBySerial(serial: string): Promise<DeviceRow | undefined> {
    const raw = await this.db.get<Raw>(q(DEVICE_BY_SERIAL, serial))
    return raw && rowOf<DeviceRow>(devices, raw)
  }
  async listDevices(projectId: string): Promise<DeviceRow[]> {
    const raws = await this.db.all<Raw>(sql`${selectFrom(devices)} WHERE ${devices.projectId} = ${projectId} ORDER BY ${this.db.dialect.bytewise(devices.serial)}`)
    return raws.map((r) => rowOf<DeviceRow>(devices, r))
  }
  async device(projectId: string, id: string): Promise<DeviceRow | undefined> {
    const raw = await this.db.get<Raw>(sql`${selectFrom(devices)} WHERE ${devices.projectId} = ${projectId} AND ${devices.id} = ${id}`)
    return raw && rowOf<DeviceRow>(devices, raw)
  }
  /** By serial, as written on the device; the anchor device's serial (unique) is the keyset. Undefined when `after` is no device of the project. */
  async pageDevices(projectId: string, page: PageQuery): Promise<DeviceRow[] | undefined> {
    const serial = this.db.dialect.bytewise(devices.serial)
    let from = sql``
    if (page.after) {
      const anchor = await this.device(projectId, page.after)
      if (!anchor) return undefined
      from = sql`AND ${serial} > ${anchor.serial}`
    }
    const raws = await this.db.all<Raw>(sql`${selectFrom(devices)} WHERE ${devices.projectId} = ${projectId} ${from} ORDER BY ${serial} LIMIT ${page.limit}`)
    return raws.map((r) => rowOf<DeviceRow>(devices, r))
  }
  async setInstalledAt(id: string, installedAtMs: number): Promise<void> {
    await this.db.run(q(SET_INSTALLED_AT, installedAtMs, id))
  }

  /**
   * Punches of the device stored as before_install whose device time is not before `installedAtMs`, and that no
   * standing accept_punch correction counts yet, from punch id `afterId` on. Read here rather than in the timesheets
   * because the question is the device's: which of its readings a corrected installation date clears. Raw punches
   * are never updated; what clears them is a correction, so this is what is still waiting for one.
   */
  async punchesClearedByInstall(deviceId: string, installedAtMs: number, afterId: number, limit: number): Promise<BeforeInstallPunch[]> {
    return this.db.all<BeforeInstallPunch>(sql`
      SELECT p.id AS "id", p.worker_id AS "workerId", p.work_date AS "workDate" FROM punches p
      WHERE p.device_id = ${deviceId} AND p.id > ${afterId} AND p.clock_suspect = 'before_install' AND p.device_time_ms >= ${installedAtMs}
        AND NOT EXISTS (
          SELECT 1 FROM corrections c
          WHERE c.project_id = p.project_id AND c.worker_id = p.worker_id AND c.kind = 'accept_punch' AND c.punch_id = p.id
            AND NOT EXISTS (SELECT 1 FROM corrections r WHERE r.project_id = c.project_id AND r.worker_id = c.worker_id AND r.kind = 'revoke' AND r.revokes_id = c.id))
      ORDER BY p.id LIMIT ${limit}`)
  }
  /** How many of the device's punches are still before its installation as now recorded. */
  async countBeforeInstall(deviceId: string, installedAtMs: number): Promise<number> {
    const row = await this.db.get<{ n: number }>(sql`SELECT count(*) AS "n" FROM punches WHERE device_id = ${deviceId} AND clock_suspect = 'before_install' AND device_time_ms < ${installedAtMs}`)
    return row?.n ?? 0
  }
}
