/**
 * Who is calling and what they may reach: logins and sessions, API keys,
 * device credentials, and the scope of each role over projects, teams and
 * workers. Knows nothing of HTTP or MQTT; the access plugin and the brokers'
 * hooks call into it.
 *
 * A logout, a revocation or a disabled login takes effect on the next request,
 * on every instance, with no cache to wait out: with PostgreSQL every request
 * reads its session or key; with SQLite they are kept in memory only as long as
 * nothing has changed them (src/access/credential-cache.ts).
 */
import { sql, type SQL } from 'drizzle-orm'
import { LIMITS } from '../config/limits.ts'
import { projects } from '../db/schema/index.ts'
import { isUniqueViolation } from '../db/faults.ts'
import { AppError, type RefusalCode } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import { CredentialCache } from './credential-cache.ts'
import { LoginThrottle } from './login-throttle.ts'
import { AccessRepository, BANK_IN_FORCE_OF_PROJECTS_ID, type ApiKeyRow, type ProjectFacts, type UserRow } from './repository.ts'
import { scopeProblem, type Principal, type Role } from './roles.ts'
import { apiKeyPrefix, decoyHash, hashPassword, newApiKey, newDeviceSecret, newSessionToken, sameHash, sha256, verifyPassword } from './secrets.ts'

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked' | 'disabled'

/**
 * Why a request is refused for its scope: 404 as if the object did not exist (with the very code and details the
 * route gives a missing one, so the two replies are the same bytes), or 403 for a bank's foreign account.
 */
export interface ScopeDenial {
  status: 403 | 404
  code: RefusalCode
  details: Record<string, string> | undefined
  /** For the access log: outside the caller's scope, no such object at all, or a bank's foreign account. */
  reason: 'out_of_scope' | 'not_found' | 'account_scope'
}

export interface NewLogin {
  login: string
  displayName: string
  password: string
  role: Role
  organisationId?: string | null
  regionCode?: string | null
  workerId?: string | null
  bankCode?: string | null
}

export interface NewKey {
  name: string
  role: Role
  organisationId?: string | null
  regionCode?: string | null
  bankCode?: string | null
  /** Days until it expires: at most LIMITS.api_key_days_max. */
  days?: number
}

/** The path parameters that name what a request reaches. */
export interface ScopeParams {
  projectId?: string
  teamId?: string
  workerId?: string
}

const PASSWORD_MIN = 12

/** A device credential issued (with the secret, for a broker that keeps its own hash) or revoked. */
export type DeviceCredentialEvent = { kind: 'issued'; deviceId: string; serial: string; secret: string } | { kind: 'revoked'; deviceId: string; serial: string }

export class AccessService {
  private readonly deviceListeners: Array<(e: DeviceCredentialEvent) => void | Promise<void>> = []
  private readonly cache: CredentialCache

  constructor(
    readonly repo: AccessRepository,
    private readonly clock: Clock,
    /** Told when a broker could not be told of a device credential (which stays committed): the caller logs and counts it. */
    private readonly onListenerFailure: (e: DeviceCredentialEvent, err: unknown) => void = () => {},
  ) {
    this.cache = new CredentialCache(repo.db.foreignWrites?.bind(repo.db), LIMITS.credential_cache_entries)
    this.throttle = new LoginThrottle(clock)
  }

  /** One back-off per login name for every way in (the API's /api/session and the pages' sign-in form alike). */
  private readonly throttle: LoginThrottle

  /**
   * A login attempt under the back-off: the session, or why not. A name still waiting is refused before its password
   * is even checked, whichever form or route the attempt came through, so alternating between them gains nothing.
   */
  async signIn(login: string, password: string, kind: 'cookie' | 'bearer'): Promise<
    { ok: true; session: { token: string; expiresAtMs: number; user: UserRow } } | { ok: false; reason: 'throttled'; retryAfterSeconds: number } | { ok: false; reason: 'failed' }
  > {
    const waitMs = this.throttle.waitMs(login)
    if (waitMs > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: Math.ceil(waitMs / 1000) }
    const session = await this.login(login, password, kind)
    if (!session) {
      this.throttle.failed(login)
      return { ok: false, reason: 'failed' }
    }
    this.throttle.succeeded(login)
    return { ok: true, session }
  }

  // People ------------------------------------------------------------------------------------------------------------

  async createUser(input: NewLogin, createdBy: string): Promise<UserRow> {
    const problem = scopeProblem(input.role, input)
    if (problem) throw new AppError('login_invalid', { problem })
    await this.checkScopeTarget(input)
    if (input.password.length < PASSWORD_MIN) throw new AppError('login_invalid', { problem: `the password needs at least ${PASSWORD_MIN} characters` })
    const row = {
      id: newId(),
      login: input.login,
      displayName: input.displayName,
      role: input.role,
      // Only the field the role is scoped by is kept: a scope can never be wider than the role says.
      organisationId: input.role === 'labour_manager' || input.role === 'team_manager' ? (input.organisationId ?? null) : null,
      regionCode: input.role === 'auditor' ? (input.regionCode ?? null) : null,
      workerId: input.role === 'worker' ? (input.workerId ?? null) : null,
      bankCode: input.role === 'bank' ? (input.bankCode ?? null) : null,
      passwordHash: await hashPassword(input.password),
      createdAtMs: this.clock.nowMs(),
      createdBy,
    }
    try {
      await this.repo.insertUser(row)
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('login_exists')
      throw err
    }
    return { ...row, disabledAtMs: null }
  }

  /**
   * The organisation or worker a login's scope names exists, and is of the kind the role works for: a labour manager
   * for a general contractor or a construction unit (the projects they run), a team manager for a subcontractor.
   */
  private async checkScopeTarget(input: { role: Role; organisationId?: string | null; workerId?: string | null }): Promise<void> {
    if ((input.role === 'labour_manager' || input.role === 'team_manager') && input.organisationId) {
      const kind = await this.repo.organisationKind(input.organisationId)
      if (kind === undefined) throw new AppError('organisation_not_found', { id: input.organisationId })
      const expected = input.role === 'labour_manager' ? ['general_contractor', 'construction_unit'] : ['subcontractor']
      if (!expected.includes(kind)) throw new AppError('organisation_wrong_kind', { id: input.organisationId, expected, actual: kind })
    }
    if (input.role === 'worker' && input.workerId && !(await this.repo.workerExists(input.workerId))) throw new AppError('worker_not_found', { id: input.workerId })
  }

  /** A session for the login and password, or undefined (the same for an unknown login, a wrong password or a disabled login). */
  async login(login: string, password: string, kind: 'cookie' | 'bearer'): Promise<{ token: string; expiresAtMs: number; user: UserRow } | undefined> {
    const user = await this.repo.userByLogin(login)
    if (!user || user.disabledAtMs !== null) {
      await verifyPassword(await decoyHash(), password)
      return undefined
    }
    if (!(await verifyPassword(user.passwordHash, password))) return undefined
    const token = newSessionToken()
    const nowMs = this.clock.nowMs()
    const expiresAtMs = nowMs + LIMITS.session_ttl_ms
    await this.repo.insertSession({ tokenHash: sha256(token), userId: user.id, kind, createdAtMs: nowMs, expiresAtMs, revokedAtMs: null })
    return { token, expiresAtMs, user }
  }

  /**
   * A cookie session for a worker who proved who they are another way (a one-time code, src/access/sign-in-codes.ts).
   * It opens on the worker's own login, the oldest still enabled; a worker without one gets one made now, named
   * `worker.<workerId>`, whose password hash is no hash at all, so no password ever opens it. Undefined when every
   * login of the worker is disabled: an admin who disabled a worker's login has shut the code out too.
   */
  async workerSession(worker: { id: string; name: string }, createdBy: string): Promise<{ token: string; expiresAtMs: number; user: UserRow } | undefined> {
    const logins = await this.repo.workerLogins(worker.id)
    let user = logins.find((u) => u.disabledAtMs === null)
    if (!user) {
      if (logins.length > 0) return undefined
      const row = {
        id: newId(),
        login: `worker.${worker.id}`,
        displayName: worker.name,
        role: 'worker' as const,
        organisationId: null,
        regionCode: null,
        workerId: worker.id,
        bankCode: null,
        // Not an argon2 string: verifyPassword fails on it for every password.
        passwordHash: 'code-only',
        createdAtMs: this.clock.nowMs(),
        createdBy,
      }
      try {
        await this.repo.insertUser(row)
        user = { ...row, disabledAtMs: null }
      } catch (err) {
        // Two first sign-ins at once: the other made the login.
        if (!isUniqueViolation(err)) throw err
        user = (await this.repo.workerLogins(worker.id)).find((u) => u.disabledAtMs === null)
        if (!user) return undefined
      }
    }
    const token = newSessionToken()
    const nowMs = this.clock.nowMs()
    const expiresAtMs = nowMs + LIMITS.session_ttl_ms
    await this.repo.insertSession({ tokenHash: sha256(token), userId: user.id, kind: 'cookie', createdAtMs: nowMs, expiresAtMs, revokedAtMs: null })
    return { token, expiresAtMs, user }
  }

  async logout(p: Principal): Promise<void> {
    if (p.sessionHash) await this.dropping(this.repo.revokeSession(p.sessionHash, this.clock.nowMs()))
  }

  disableUser(id: string): Promise<boolean> {
    return this.dropping(this.repo.disableUser(id, this.clock.nowMs()))
  }

  /** A change to sessions, keys or logins: what is kept of them goes once it is committed (before the caller answers). */
  private async dropping<T>(change: Promise<T>): Promise<T> {
    try {
      return await change
    } finally {
      this.cache.drop()
    }
  }

  async setPassword(id: string, password: string): Promise<void> {
    if (password.length < PASSWORD_MIN) throw new AppError('login_invalid', { problem: `the password needs at least ${PASSWORD_MIN} characters` })
    await this.dropping(this.repo.setPassword(id, await hashPassword(password), this.clock.nowMs()))
  }

  // Machines ----------------------------------------------------------------------------------------------------------

  /** A new key; the key itself is in the result once and never again. */
  async createKey(input: NewKey, createdBy: string): Promise<{ key: string; row: ApiKeyRow }> {
    const problem = scopeProblem(input.role, input)
    if (problem) throw new AppError('login_invalid', { problem })
    if (input.role === 'worker') throw new AppError('login_invalid', { problem: 'workers log in as people; a key is for a machine' })
    await this.checkScopeTarget(input)
    const days = input.days ?? LIMITS.api_key_days_default
    if (!(days >= 1 && days <= LIMITS.api_key_days_max)) throw new AppError('login_invalid', { problem: `a key lives 1 to ${LIMITS.api_key_days_max} days` })
    const { key, prefix } = newApiKey()
    const nowMs = this.clock.nowMs()
    const row: ApiKeyRow = {
      id: newId(),
      prefix,
      secretHash: sha256(key),
      name: input.name,
      role: input.role,
      organisationId: input.role === 'labour_manager' || input.role === 'team_manager' ? (input.organisationId ?? null) : null,
      regionCode: input.role === 'auditor' ? (input.regionCode ?? null) : null,
      bankCode: input.role === 'bank' ? (input.bankCode ?? null) : null,
      createdAtMs: nowMs,
      createdBy,
      expiresAtMs: nowMs + days * 86_400_000,
      revokedAtMs: null,
      revokedBy: null,
    }
    await this.repo.insertKey(row)
    return { key, row }
  }

  revokeKey(id: string, by: string): Promise<boolean> {
    return this.dropping(this.repo.revokeKey(id, by, this.clock.nowMs()))
  }

  // Every request -----------------------------------------------------------------------------------------------------

  /** The principal behind a bearer token, an API key or a session cookie; a failure says why (for the 401's details). */
  async authenticate(authorization: string | undefined, cookieToken: string | undefined): Promise<Principal | { failure: AuthFailure }> {
    const a = await this.authenticateFor(authorization, cookieToken, undefined)
    return 'failure' in a ? a : a.principal
  }

  /**
   * The principal, and when the request names a project, that project's facts read in the same statement (null: it
   * does not exist), for checkScope: a request answers after one read on most routes, a round trip on PostgreSQL.
   */
  async authenticateFor(
    authorization: string | undefined,
    cookieToken: string | undefined,
    projectId: string | undefined,
  ): Promise<{ principal: Principal; project: ProjectFacts | null | undefined } | { failure: AuthFailure }> {
    let presented: string
    if (authorization !== undefined) {
      const m = /^Bearer ([\x21-\x7e]{1,200})$/.exec(authorization)
      if (!m) return { failure: 'malformed' }
      presented = m[1] as string
    } else if (cookieToken !== undefined) {
      presented = cookieToken
    } else {
      return { failure: 'missing' }
    }
    const nowMs = this.clock.nowMs()
    const generation = this.cache.begin()
    // The project's facts never change: when they are known, the credentials are read alone.
    const knownProject = projectId === undefined ? undefined : this.cache.project(projectId)
    const withProject = projectId !== undefined && knownProject === undefined ? projectId : undefined
    if (presented.startsWith('wls_')) {
      const hash = sha256(presented)
      let project: ProjectFacts | null | undefined = knownProject
      let s = this.cache.session(hash)
      if (!s) {
        if (withProject === undefined) s = await this.repo.sessionWithUser(hash)
        else {
          const read = await this.repo.sessionWithUserAndProject(hash, withProject)
          s = read
          project = read?.project
          this.cache.keepProject(project)
        }
        if (s && s.revokedAtMs === null && s.user.disabledAtMs === null) this.cache.keepSession(generation, hash, s)
      } else if (withProject !== undefined) project = await this.projectFacts(withProject)
      if (!s) return { failure: 'unknown' }
      if (s.revokedAtMs !== null) return { failure: 'revoked' }
      if (s.expiresAtMs <= nowMs) return { failure: 'expired' }
      if (s.user.disabledAtMs !== null) return { failure: 'disabled' }
      return { principal: { ...principalOfUser(s.user), sessionHash: hash }, project }
    }
    if (presented.startsWith('wlk_')) {
      const prefix = apiKeyPrefix(presented)
      if (!prefix) return { failure: 'malformed' }
      let project: ProjectFacts | null | undefined = knownProject
      let k = this.cache.key(prefix)
      if (!k) {
        if (withProject === undefined) k = await this.repo.keyByPrefix(prefix)
        else {
          const read = await this.repo.keyByPrefixAndProject(prefix, withProject)
          project = read?.project
          this.cache.keepProject(project)
          if (read) {
            const { project: _, ...key } = read
            k = key
          }
        }
        if (k && k.revokedAtMs === null) this.cache.keepKey(generation, k)
      } else if (withProject !== undefined) project = await this.projectFacts(withProject)
      if (!k || !sameHash(k.secretHash, sha256(presented))) return { failure: 'unknown' }
      if (k.revokedAtMs !== null) return { failure: 'revoked' }
      if (k.expiresAtMs <= nowMs) return { failure: 'expired' }
      return {
        principal: { kind: 'key', id: k.id, label: k.prefix, role: k.role, organisationId: k.organisationId, regionCode: k.regionCode, bankCode: k.bankCode, workerId: null },
        project,
      }
    }
    return { failure: 'malformed' }
  }

  /** A project's scope facts (null: no such project), kept once read: they never change. */
  private async projectFacts(projectId: string): Promise<ProjectFacts | null> {
    const known = this.cache.project(projectId)
    if (known) return known
    const read = (await this.repo.projectFacts(projectId)) ?? null
    this.cache.keepProject(read)
    return read
  }

  /**
   * Whether the principal reaches what the path names. Out of scope answers like a missing object (404 with the
   * route's own code and details), so a caller cannot learn what exists outside its scope; for the same reason a
   * project that does not exist is answered here too, for every role but the admin. A bank reaching an account it does
   * not hold gets 403 account_scope (it knows the accounts it holds).
   */
  async checkScope(p: Principal, params: ScopeParams, known?: ProjectFacts | null): Promise<ScopeDenial | undefined> {
    if (p.role === 'admin') return undefined
    const { projectId, teamId, workerId } = params
    if (p.role === 'worker') {
      // A worker reaches what names them, the lists of their own (projects, who am I), and a project they are
      // enrolled on (README's role table: "the projects they are enrolled on", as the projects list gives them); a
      // path naming another worker, a project they never worked on, or a team, is as if it did not exist. Only routes
      // whose policy lets a worker in get here, and none of those that name only a project says more than the
      // project itself (GET /api/projects/{id}): what names other workers keeps its policy without the worker role.
      if (workerId !== undefined) {
        if (workerId !== p.workerId) return hidden('worker', workerId)
        // Their own id under a project they never worked on is as if the project did not exist: otherwise that
        // project's route would answer that they are not enrolled there, telling them it exists.
        if (projectId !== undefined && !(await this.repo.workerOnProject(projectId, workerId))) return hidden('project', projectId)
        return undefined
      }
      if (projectId !== undefined && (p.workerId === null || !(await this.repo.workerOnProject(projectId, p.workerId)))) return hidden('project', projectId)
      if (teamId !== undefined) return hidden('team', teamId)
      return undefined
    }
    if (projectId !== undefined) {
      // The project's facts as read with the credentials (authenticateFor), or read now.
      const f = known !== undefined && (known === null || known.id === projectId) ? known : await this.projectFacts(projectId)
      if (!f) return { ...hidden('project', projectId), reason: 'not_found' }
      const org = p.organisationId ?? ''
      switch (p.role) {
        case 'labour_manager':
          if (f.generalContractorId !== org && f.constructionUnitId !== org) return hidden('project', projectId)
          break
        case 'team_manager':
          if (!(await this.repo.orgHasTeamOn(projectId, org))) return hidden('project', projectId)
          if (teamId !== undefined) {
            // A team that does not exist is the route's own 404 (the same code and details).
            const employer = await this.repo.teamEmployer(projectId, teamId)
            if (employer !== undefined && employer !== org) return hidden('team', teamId)
          }
          if (workerId !== undefined && !(await this.repo.workerOnOrgTeams(projectId, workerId, org))) return hidden('worker', workerId)
          return undefined
        case 'auditor':
          if (!f.regionCode.startsWith(p.regionCode ?? '\u0000')) return hidden('project', projectId)
          break
        case 'bank':
          // Read each time, not from the kept facts: registering a dedicated account at another bank moves the project.
          if (!((await this.repo.projectBankCode(projectId)) ?? '').startsWith(p.bankCode ?? '\u0000')) return { status: 403, code: 'account_scope', details: undefined, reason: 'account_scope' }
          break
      }
    }
    if (workerId !== undefined) {
      // A worker named beside a project of the caller's must still be one the caller reaches: otherwise a worker of
      // another organisation (enrolment_not_found) would answer differently from one that does not exist.
      const reach =
        p.role === 'labour_manager'
          ? ({ kind: 'gc', organisationId: p.organisationId ?? '' } as const)
          : p.role === 'team_manager'
            ? ({ kind: 'team', organisationId: p.organisationId ?? '' } as const)
            : p.role === 'auditor'
              ? ({ kind: 'region', prefix: p.regionCode ?? '' } as const)
              : ({ kind: 'bank', prefix: p.bankCode ?? '' } as const)
      if (!(await this.repo.workerReachable(workerId, reach))) return hidden('worker', workerId)
    }
    return undefined
  }

  /**
   * The projects a principal may list, as a condition on `projects` (undefined: all of them). Lists that span projects
   * (projects, rejected inputs) filter with it, so a list never shows what a direct read would refuse.
   */
  projectCondition(p: Principal): SQL | undefined {
    switch (p.role) {
      case 'admin':
        return undefined
      case 'labour_manager':
        return sql`(${projects.generalContractorId} = ${p.organisationId} OR ${projects.constructionUnitId} = ${p.organisationId})`
      case 'team_manager':
        return sql`${projects.id} IN (SELECT project_id FROM teams WHERE employer_id = ${p.organisationId})`
      case 'auditor':
        return sql`${projects.regionCode} LIKE ${`${p.regionCode ?? '\u0000'}%`}`
      case 'bank':
        return sql`${sql.raw(BANK_IN_FORCE_OF_PROJECTS_ID)} LIKE ${`${p.bankCode ?? '\u0000'}%`}`
      case 'worker':
        return sql`${projects.id} IN (SELECT project_id FROM enrolments WHERE worker_id = ${p.workerId})`
    }
  }

  // Devices -----------------------------------------------------------------------------------------------------------

  /**
   * Told of every device credential issued or revoked, after the commit: the brokers act on it (the embedded broker
   * cuts a revoked device's connection; the Mosquitto adapter keeps its dynamic-security clients in step).
   */
  onDeviceCredential(listener: (e: DeviceCredentialEvent) => void | Promise<void>): void {
    this.deviceListeners.push(listener)
  }

  /** A new MQTT secret for the device (the one before it stops working); shown once. */
  async issueDeviceSecret(device: { id: string; serial: string }, by: string): Promise<string> {
    const secret = newDeviceSecret()
    await this.repo.insertDeviceCredential(device.id, sha256(secret), by, this.clock.nowMs())
    await this.emit({ kind: 'issued', deviceId: device.id, serial: device.serial, secret })
    return secret
  }

  /** The device whose serial and secret these are, if its credential is in force. */
  async verifyDevice(serial: string, secret: string): Promise<{ deviceId: string; projectId: string } | undefined> {
    const c = await this.repo.deviceCredential(serial)
    if (!c || c.revokedAtMs !== null || !sameHash(c.secretHash, sha256(secret))) return undefined
    return { deviceId: c.deviceId, projectId: c.projectId }
  }

  async revokeDevice(device: { id: string; serial: string }, by: string): Promise<boolean> {
    const revoked = await this.repo.revokeDevice(device.id, by, this.clock.nowMs())
    await this.emit({ kind: 'revoked', deviceId: device.id, serial: device.serial })
    return revoked
  }

  /**
   * Listeners run in turn. The credential is committed whatever they do, so a failing one is reported (logged and
   * counted by the caller), never turned into an error for the person who issued or revoked it: the brokers catch up
   * by themselves (the Mosquitto adapter resynchronises on a timer and at start).
   */
  private async emit(e: DeviceCredentialEvent): Promise<void> {
    for (const l of this.deviceListeners) {
      try {
        await l(e)
      } catch (err) {
        this.onListenerFailure(e, err)
      }
    }
  }
}

/**
 * The 404 a route gives for a missing object of this kind, as a denial: the same code and details as the roster's
 * (src/roster/service.ts), so an object out of scope and one that does not exist answer the same bytes.
 */
function hidden(kind: 'project' | 'team' | 'worker', id: string): ScopeDenial {
  switch (kind) {
    case 'project':
      return { status: 404, code: 'project_not_found', details: { id }, reason: 'out_of_scope' }
    case 'team':
      return { status: 404, code: 'team_not_found', details: { teamId: id }, reason: 'out_of_scope' }
    case 'worker':
      return { status: 404, code: 'worker_not_found', details: { id }, reason: 'out_of_scope' }
  }
}

export function principalOfUser(u: Pick<UserRow, 'id' | 'login' | 'role' | 'organisationId' | 'regionCode' | 'bankCode' | 'workerId'>): Principal {
  return { kind: 'user', id: u.id, label: u.login, role: u.role, organisationId: u.organisationId, regionCode: u.regionCode, bankCode: u.bankCode, workerId: u.workerId }
}
