/**
 * Database access for logins, sessions, API keys, device credentials and the
 * scope questions the access plugin asks on every request. Constant texts
 * (`q()`), prepared once per connection: authentication runs per request.
 */
import { sql } from 'drizzle-orm'
import { q, type Database } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { apiKeys, deviceCredentials, sessions, users } from '../db/schema/index.ts'
import type { Role } from './roles.ts'

export type UserRow = typeof users.$inferSelect
export type ApiKeyRow = typeof apiKeys.$inferSelect
export type SessionRow = typeof sessions.$inferSelect

/** A session with what authentication needs of its user (not the password hash: every request reads this). */
export interface SessionWithUser {
  expiresAtMs: number
  revokedAtMs: number | null
  user: Pick<UserRow, 'id' | 'login' | 'role' | 'organisationId' | 'regionCode' | 'workerId' | 'bankCode' | 'disabledAtMs'>
}

type Raw = Record<string, unknown>

const USER_COLUMNS = `u.id AS "id", u.login AS "login", u.display_name AS "displayName", u.role AS "role", u.organisation_id AS "organisationId",
  u.region_code AS "regionCode", u.worker_id AS "workerId", u.bank_code AS "bankCode", u.password_hash AS "passwordHash",
  u.created_at_ms AS "createdAtMs", u.created_by AS "createdBy", u.disabled_at_ms AS "disabledAtMs"`
const SESSION_WITH_USER = `SELECT s.expires_at_ms AS "sExpiresAtMs", s.revoked_at_ms AS "sRevokedAtMs", u.id AS "id", u.login AS "login", u.role AS "role",
  u.organisation_id AS "organisationId", u.region_code AS "regionCode", u.worker_id AS "workerId", u.bank_code AS "bankCode", u.disabled_at_ms AS "disabledAtMs"
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`
/**
 * The project a request's path names, read in the same statement as its credentials (one round trip on PostgreSQL
 * instead of two): the scope check of most routes needs nothing else.
 */
const PROJECT_COLUMNS = `p.id AS "pId", p.region_code AS "pRegionCode", p.construction_unit_id AS "pConstructionUnitId",
  p.general_contractor_id AS "pGeneralContractorId", p.account_bank_code AS "pAccountBankCode"`
const SESSION_WITH_USER_AND_PROJECT = `SELECT s.expires_at_ms AS "sExpiresAtMs", s.revoked_at_ms AS "sRevokedAtMs", u.id AS "id", u.login AS "login", u.role AS "role",
  u.organisation_id AS "organisationId", u.region_code AS "regionCode", u.worker_id AS "workerId", u.bank_code AS "bankCode", u.disabled_at_ms AS "disabledAtMs",
  ${PROJECT_COLUMNS}
  FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN projects p ON p.id = ? WHERE s.token_hash = ?`
const USER_BY_LOGIN = `SELECT ${USER_COLUMNS} FROM users u WHERE u.login = ?`
const USER_BY_ID = `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ?`
/** A worker's own logins, oldest first: a sign-in by code opens a session on the first one still enabled. */
const WORKER_LOGINS = `SELECT ${USER_COLUMNS} FROM users u WHERE u.worker_id = ? AND u.role = 'worker' ORDER BY u.created_at_ms, u.id`
const REVOKE_SESSION = `UPDATE sessions SET revoked_at_ms = ? WHERE token_hash = ? AND revoked_at_ms IS NULL`
const REVOKE_SESSIONS_OF = `UPDATE sessions SET revoked_at_ms = ? WHERE user_id = ? AND revoked_at_ms IS NULL`
const DISABLE_USER = `UPDATE users SET disabled_at_ms = ? WHERE id = ? AND disabled_at_ms IS NULL`
const SET_PASSWORD = `UPDATE users SET password_hash = ? WHERE id = ?`
const KEY_BY_PREFIX = `SELECT id AS "id", prefix AS "prefix", secret_hash AS "secretHash", name AS "name", role AS "role", organisation_id AS "organisationId",
  region_code AS "regionCode", bank_code AS "bankCode", created_at_ms AS "createdAtMs", created_by AS "createdBy", expires_at_ms AS "expiresAtMs",
  revoked_at_ms AS "revokedAtMs", revoked_by AS "revokedBy" FROM api_keys WHERE prefix = ?`
const KEY_BY_PREFIX_AND_PROJECT = `SELECT k.id AS "id", k.prefix AS "prefix", k.secret_hash AS "secretHash", k.name AS "name", k.role AS "role",
  k.organisation_id AS "organisationId", k.region_code AS "regionCode", k.bank_code AS "bankCode", k.created_at_ms AS "createdAtMs", k.created_by AS "createdBy",
  k.expires_at_ms AS "expiresAtMs", k.revoked_at_ms AS "revokedAtMs", k.revoked_by AS "revokedBy", ${PROJECT_COLUMNS}
  FROM api_keys k LEFT JOIN projects p ON p.id = ? WHERE k.prefix = ?`
const REVOKE_KEY = `UPDATE api_keys SET revoked_at_ms = ?, revoked_by = ? WHERE id = ? AND revoked_at_ms IS NULL`

/** The credential in force for a device: the newest issued, if it is not revoked. */
const DEVICE_CREDENTIAL = `SELECT c.secret_hash AS "secretHash", c.revoked_at_ms AS "revokedAtMs", d.id AS "deviceId", d.project_id AS "projectId", d.serial AS "serial"
  FROM devices d JOIN device_credentials c ON c.device_id = d.id
  WHERE d.serial = ? ORDER BY c.id DESC LIMIT 1`
const REVOKE_DEVICE = `UPDATE device_credentials SET revoked_at_ms = ?, revoked_by = ? WHERE device_id = ? AND revoked_at_ms IS NULL`

// Scope questions. Region codes and bank codes are digits only (checked when a login or key is made), so LIKE 'prefix%'
// is a plain prefix test on both engines.
/**
 * The bank of a project's account in force: the newest dedicated account registered (专户, src/account), else the
 * account the project was created with. A bank reaches the projects whose account it holds now, not then.
 */
const BANK_IN_FORCE = (project: string): string =>
  `COALESCE((SELECT d.bank_code FROM dedicated_accounts d WHERE d.project_id = ${project} ORDER BY d.recorded_at_ms DESC, d.id DESC LIMIT 1), (SELECT p0.account_bank_code FROM projects p0 WHERE p0.id = ${project}))`
const PROJECT_BANK = `SELECT ${BANK_IN_FORCE('?')} AS "bankCode"`
export const BANK_IN_FORCE_OF_PROJECTS_ID = BANK_IN_FORCE('projects.id')
const PROJECT_FACTS = `SELECT id AS "id", region_code AS "regionCode", construction_unit_id AS "constructionUnitId",
  general_contractor_id AS "generalContractorId", account_bank_code AS "accountBankCode" FROM projects WHERE id = ?`
const TEAM_OF_ORG = `SELECT 1 AS "one" FROM teams WHERE project_id = ? AND employer_id = ? LIMIT 1`
const TEAM_FACTS = `SELECT employer_id AS "employerId" FROM teams WHERE project_id = ? AND id = ?`
const WORKER_ON_PROJECT = `SELECT 1 AS "one" FROM enrolments WHERE project_id = ? AND worker_id = ? LIMIT 1`
const WORKER_ON_ORG_TEAMS = `SELECT 1 AS "one" FROM enrolments e JOIN teams t ON t.id = e.team_id
  WHERE e.project_id = ? AND e.worker_id = ? AND t.employer_id = ? LIMIT 1`
const WORKER_IN_ORG_PROJECTS = `SELECT 1 AS "one" FROM enrolments e JOIN projects p ON p.id = e.project_id
  WHERE e.worker_id = ? AND (p.general_contractor_id = ? OR p.construction_unit_id = ?) LIMIT 1`
const WORKER_IN_ORG_TEAMS = `SELECT 1 AS "one" FROM enrolments e JOIN teams t ON t.id = e.team_id WHERE e.worker_id = ? AND t.employer_id = ? LIMIT 1`
const WORKER_IN_REGION = `SELECT 1 AS "one" FROM enrolments e JOIN projects p ON p.id = e.project_id WHERE e.worker_id = ? AND p.region_code LIKE ? LIMIT 1`
const WORKER_AT_BANK = `SELECT 1 AS "one" FROM enrolments e WHERE e.worker_id = ? AND ${BANK_IN_FORCE('e.project_id')} LIKE ? LIMIT 1`

const ORGANISATION_KIND = `SELECT kind AS "kind" FROM organisations WHERE id = ?`
const WORKER_EXISTS = `SELECT 1 AS "one" FROM workers WHERE id = ?`

export interface ProjectFacts {
  id: string
  regionCode: string
  constructionUnitId: string
  generalContractorId: string
  accountBankCode: string | null
}

export interface DeviceCredential {
  deviceId: string
  projectId: string
  serial: string
  secretHash: string
  revokedAtMs: number | null
}

export interface NewUser {
  id: string
  login: string
  displayName: string
  role: Role
  organisationId: string | null
  regionCode: string | null
  workerId: string | null
  bankCode: string | null
  passwordHash: string
  createdAtMs: number
  createdBy: string
}

function projectOf(id: unknown, regionCode: unknown, constructionUnitId: unknown, generalContractorId: unknown, accountBankCode: unknown): ProjectFacts | null {
  if (id === null || id === undefined) return null
  return {
    id: id as string,
    regionCode: regionCode as string,
    constructionUnitId: constructionUnitId as string,
    generalContractorId: generalContractorId as string,
    accountBankCode: accountBankCode as string | null,
  }
}

export class AccessRepository {
  constructor(readonly db: Database) {}

  async insertUser(u: NewUser): Promise<void> {
    await this.db.run(insertInto(users, [{ ...u, disabledAtMs: null }]))
  }

  userByLogin(login: string): Promise<UserRow | undefined> {
    return this.db.get<UserRow>(q(USER_BY_LOGIN, login))
  }

  userById(id: string): Promise<UserRow | undefined> {
    return this.db.get<UserRow>(q(USER_BY_ID, id))
  }

  workerLogins(workerId: string): Promise<UserRow[]> {
    return this.db.all<UserRow>(q(WORKER_LOGINS, workerId))
  }

  async users(page: { limit: number; after?: string }): Promise<UserRow[]> {
    const after = page.after === undefined ? sql`` : sql`WHERE ${users.id} > ${page.after}`
    return (await this.db.all<Raw>(sql`${selectFrom(users)} ${after} ORDER BY ${users.id} LIMIT ${page.limit}`)).map((r) => rowOf<UserRow>(users, r))
  }

  async disableUser(id: string, nowMs: number): Promise<boolean> {
    return this.db.tx(async (tx) => {
      const changed = (await tx.run(q(DISABLE_USER, nowMs, id))).changes === 1
      await tx.run(q(REVOKE_SESSIONS_OF, nowMs, id))
      return changed
    })
  }

  async setPassword(id: string, passwordHash: string, nowMs: number): Promise<void> {
    await this.db.tx(async (tx) => {
      await tx.run(q(SET_PASSWORD, passwordHash, id))
      // A new password ends every session made with the old one.
      await tx.run(q(REVOKE_SESSIONS_OF, nowMs, id))
    })
  }

  async insertSession(s: SessionRow): Promise<void> {
    await this.db.run(insertInto(sessions, [s]))
  }

  async sessionWithUser(tokenHash: string): Promise<SessionWithUser | undefined> {
    const r = await this.db.get<Raw>(q(SESSION_WITH_USER, tokenHash))
    if (!r) return undefined
    const { sExpiresAtMs, sRevokedAtMs, ...user } = r
    return { expiresAtMs: sExpiresAtMs as number, revokedAtMs: sRevokedAtMs as number | null, user: user as unknown as SessionWithUser['user'] }
  }

  /** The session, and the facts of the project (null: no such project), in one statement. */
  async sessionWithUserAndProject(tokenHash: string, projectId: string): Promise<(SessionWithUser & { project: ProjectFacts | null }) | undefined> {
    const r = await this.db.get<Raw>(q(SESSION_WITH_USER_AND_PROJECT, projectId, tokenHash))
    if (!r) return undefined
    const { sExpiresAtMs, sRevokedAtMs, pId, pRegionCode, pConstructionUnitId, pGeneralContractorId, pAccountBankCode, ...user } = r
    return {
      expiresAtMs: sExpiresAtMs as number,
      revokedAtMs: sRevokedAtMs as number | null,
      user: user as unknown as SessionWithUser['user'],
      project: projectOf(pId, pRegionCode, pConstructionUnitId, pGeneralContractorId, pAccountBankCode),
    }
  }

  async revokeSession(tokenHash: string, nowMs: number): Promise<boolean> {
    return (await this.db.run(q(REVOKE_SESSION, nowMs, tokenHash))).changes === 1
  }

  async revokeSessionsOf(userId: string, nowMs: number): Promise<number> {
    return (await this.db.run(q(REVOKE_SESSIONS_OF, nowMs, userId))).changes
  }

  async insertKey(k: ApiKeyRow): Promise<void> {
    await this.db.run(insertInto(apiKeys, [k]))
  }

  keyByPrefix(prefix: string): Promise<ApiKeyRow | undefined> {
    return this.db.get<ApiKeyRow>(q(KEY_BY_PREFIX, prefix))
  }

  /** The key, and the facts of the project (null: no such project), in one statement. */
  async keyByPrefixAndProject(prefix: string, projectId: string): Promise<(ApiKeyRow & { project: ProjectFacts | null }) | undefined> {
    const r = await this.db.get<Raw>(q(KEY_BY_PREFIX_AND_PROJECT, projectId, prefix))
    if (!r) return undefined
    const { pId, pRegionCode, pConstructionUnitId, pGeneralContractorId, pAccountBankCode, ...key } = r
    return { ...(key as unknown as ApiKeyRow), project: projectOf(pId, pRegionCode, pConstructionUnitId, pGeneralContractorId, pAccountBankCode) }
  }

  async keyById(id: string): Promise<ApiKeyRow | undefined> {
    const r = await this.db.get<Raw>(sql`${selectFrom(apiKeys)} WHERE ${apiKeys.id} = ${id}`)
    return r && rowOf<ApiKeyRow>(apiKeys, r)
  }

  async keys(page: { limit: number; after?: string }): Promise<ApiKeyRow[]> {
    const after = page.after === undefined ? sql`` : sql`WHERE ${apiKeys.id} > ${page.after}`
    return (await this.db.all<Raw>(sql`${selectFrom(apiKeys)} ${after} ORDER BY ${apiKeys.id} LIMIT ${page.limit}`)).map((r) => rowOf<ApiKeyRow>(apiKeys, r))
  }

  async revokeKey(id: string, by: string, nowMs: number): Promise<boolean> {
    return (await this.db.run(q(REVOKE_KEY, nowMs, by, id))).changes === 1
  }

  async insertDeviceCredential(deviceId: string, secretHash: string, by: string, nowMs: number): Promise<void> {
    await this.db.tx(async (tx) => {
      // One secret in force per device: issuing a new one ends the old.
      await tx.run(q(REVOKE_DEVICE, nowMs, by, deviceId))
      await tx.run(insertInto(deviceCredentials, [{ deviceId, secretHash, createdAtMs: nowMs, createdBy: by, revokedAtMs: null, revokedBy: null }]))
    })
  }

  deviceCredential(serial: string): Promise<DeviceCredential | undefined> {
    return this.db.get<DeviceCredential>(q(DEVICE_CREDENTIAL, serial))
  }

  async revokeDevice(deviceId: string, by: string, nowMs: number): Promise<boolean> {
    return (await this.db.run(q(REVOKE_DEVICE, nowMs, by, deviceId))).changes > 0
  }

  async organisationKind(id: string): Promise<string | undefined> {
    return (await this.db.get<{ kind: string }>(q(ORGANISATION_KIND, id)))?.kind
  }

  async workerExists(id: string): Promise<boolean> {
    return (await this.db.get(q(WORKER_EXISTS, id))) !== undefined
  }

  projectFacts(projectId: string): Promise<ProjectFacts | undefined> {
    return this.db.get<ProjectFacts>(q(PROJECT_FACTS, projectId))
  }

  /** The bank code of the project's account in force (BANK_IN_FORCE), read each time: a new dedicated account changes it. */
  async projectBankCode(projectId: string): Promise<string | null> {
    return (await this.db.get<{ bankCode: string | null }>(q(PROJECT_BANK, projectId, projectId)))?.bankCode ?? null
  }

  async orgHasTeamOn(projectId: string, organisationId: string): Promise<boolean> {
    return (await this.db.get(q(TEAM_OF_ORG, projectId, organisationId))) !== undefined
  }

  async teamEmployer(projectId: string, teamId: string): Promise<string | undefined> {
    return (await this.db.get<{ employerId: string }>(q(TEAM_FACTS, projectId, teamId)))?.employerId
  }

  async workerOnProject(projectId: string, workerId: string): Promise<boolean> {
    return (await this.db.get(q(WORKER_ON_PROJECT, projectId, workerId))) !== undefined
  }

  async workerOnOrgTeams(projectId: string, workerId: string, organisationId: string): Promise<boolean> {
    return (await this.db.get(q(WORKER_ON_ORG_TEAMS, projectId, workerId, organisationId))) !== undefined
  }

  /** Is the worker enrolled anywhere the principal's scope reaches (for routes that name a worker and no project)? */
  async workerReachable(workerId: string, scope: { kind: 'gc'; organisationId: string } | { kind: 'team'; organisationId: string } | { kind: 'region'; prefix: string } | { kind: 'bank'; prefix: string }): Promise<boolean> {
    const query =
      scope.kind === 'gc'
        ? q(WORKER_IN_ORG_PROJECTS, workerId, scope.organisationId, scope.organisationId)
        : scope.kind === 'team'
          ? q(WORKER_IN_ORG_TEAMS, workerId, scope.organisationId)
          : scope.kind === 'region'
            ? q(WORKER_IN_REGION, workerId, `${scope.prefix}%`)
            : q(WORKER_AT_BANK, workerId, `${scope.prefix}%`)
    return (await this.db.get(query)) !== undefined
  }
}
