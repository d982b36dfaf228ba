/**
 * Who may see and do what (src/access): people and their sessions, machine keys,
 * device credentials, and the access log. Secrets are never stored: passwords as
 * argon2id hashes, session tokens, API keys and device secrets (random, 256 bits)
 * as their SHA-256.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { devices, organisations, projects, workers } from './roster.ts'

export type Role = 'admin' | 'labour_manager' | 'team_manager' | 'bank' | 'auditor' | 'worker'

/**
 * A person who logs in. The role's scope is on the row: an organisation (labour and team managers), a region code
 * prefix (auditors, GB/T 2260), a worker (a worker's own login), a bank code prefix (a bank's staff).
 */
export const users = sqliteTable(
  'users',
  {
    id: text().primaryKey(),
    login: text().notNull(),
    displayName: text().notNull(),
    role: text().$type<Role>().notNull(),
    organisationId: text().references(() => organisations.id),
    regionCode: text(),
    workerId: text().references(() => workers.id),
    bankCode: text(),
    passwordHash: text().notNull(),
    createdAtMs: integer().notNull(),
    createdBy: text().notNull(),
    /** Set when the login is disabled; its sessions are revoked with it. */
    disabledAtMs: integer(),
  },
  (t) => [uniqueIndex('users_login').on(t.login)],
)

/** A login's session: a cookie for pages or a bearer token for scripts. Revoked at once by logout or by an admin. */
export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 (hex) of the token; the token itself is only ever in the client's hands. */
    tokenHash: text().primaryKey(),
    userId: text()
      .notNull()
      .references(() => users.id),
    kind: text().$type<'cookie' | 'bearer'>().notNull(),
    createdAtMs: integer().notNull(),
    expiresAtMs: integer().notNull(),
    revokedAtMs: integer(),
  },
  (t) => [index('sessions_user').on(t.userId)],
)

/** A machine's key (a bank, an integration): shown once, stored hashed, with a visible prefix, a scope and an expiry. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text().primaryKey(),
    /** The first characters of the key, shown in lists so a person can tell keys apart; unique. */
    prefix: text().notNull(),
    secretHash: text().notNull(),
    name: text().notNull(),
    role: text().$type<Role>().notNull(),
    organisationId: text().references(() => organisations.id),
    regionCode: text(),
    bankCode: text(),
    createdAtMs: integer().notNull(),
    createdBy: text().notNull(),
    expiresAtMs: integer().notNull(),
    revokedAtMs: integer(),
    revokedBy: text(),
  },
  (t) => [uniqueIndex('api_keys_prefix').on(t.prefix)],
)

/**
 * A device's MQTT secret (username = serial). A new row per issue; the newest unrevoked one is in force, so a
 * rotation or a revocation leaves the history in place.
 */
export const deviceCredentials = sqliteTable(
  'device_credentials',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    deviceId: text()
      .notNull()
      .references(() => devices.id),
    secretHash: text().notNull(),
    createdAtMs: integer().notNull(),
    createdBy: text().notNull(),
    revokedAtMs: integer(),
    revokedBy: text(),
  },
  (t) => [index('device_credentials_device').on(t.deviceId, t.id)],
)

/**
 * The access log (访问日志): every read of personal data, every reveal, every denied attempt and every use of an
 * admin's rights. Append-only (triggers refuse UPDATE and DELETE) and hash-chained: each row's hash covers the previous
 * row's, so `npm run audit:verify` finds the first row edited or removed by hand.
 */
export const accessLog = sqliteTable(
  'access_log',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    atMs: integer().notNull(),
    /** user, key, device or anonymous. */
    actorKind: text().notNull(),
    actorId: text(),
    role: text(),
    /** The actor's scope as it stood: org:…, region:…, bank:…, worker:…, or all. */
    scope: text(),
    /** read, reveal, write, denied. */
    action: text().notNull(),
    /** Why the data was read: the stated purpose of a reveal, or the route's own purpose. */
    purpose: text(),
    method: text().notNull(),
    route: text().notNull(),
    status: integer().notNull(),
    /** For a denial, why (role_forbidden, out_of_scope, unauthenticated…). */
    reason: text(),
    /** JSON array of the record ids concerned (project, worker, team, file… ids from the path, and ids returned). */
    recordIds: text().notNull(),
    prevHash: text().notNull(),
    hash: text().notNull(),
  },
  (t) => [index('access_log_actor').on(t.actorId, t.id)],
)

/**
 * A one-time sign-in code for a worker's own page (src/access/sign-in-codes.ts): issued by a labour or team manager,
 * delivered to the worker (SMS, the pay slip, by hand), used once with the last six characters of the worker's ID
 * number. Stored as its argon2id hash; a new code replaces the worker's earlier ones on the project (only the newest
 * counts). `failedAttempts` counts wrong codes tried while it was the newest: past the limit it is spent.
 */
export const workerSignInCodes = sqliteTable(
  'worker_sign_in_codes',
  {
    id: text().primaryKey(),
    projectId: text()
      .notNull()
      .references(() => projects.id),
    workerId: text()
      .notNull()
      .references(() => workers.id),
    codeHash: text().notNull(),
    /** The login or key that issued it. */
    issuedBy: text().notNull(),
    issuedAtMs: integer().notNull(),
    expiresAtMs: integer().notNull(),
    failedAttempts: integer().notNull().default(0),
    /** Set when a sign-in used it: it never works again. */
    usedAtMs: integer(),
  },
  (t) => [index('worker_sign_in_codes_worker').on(t.projectId, t.workerId, t.issuedAtMs)],
)
