/** PostgreSQL twin of src/db/schema/access.ts (which says what each table is for). */
import { bigint, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import type { Role } from '../schema/access.ts'
import { devices, organisations, projects, workers } from './roster.ts'

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    login: text('login').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    organisationId: text('organisation_id').references(() => organisations.id),
    regionCode: text('region_code'),
    workerId: text('worker_id').references(() => workers.id),
    bankCode: text('bank_code'),
    passwordHash: text('password_hash').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    disabledAtMs: bigint('disabled_at_ms', { mode: 'number' }),
  },
  (t) => [uniqueIndex('users_login').on(t.login)],
)

export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind').$type<'cookie' | 'bearer'>().notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }).notNull(),
    revokedAtMs: bigint('revoked_at_ms', { mode: 'number' }),
  },
  (t) => [index('sessions_user').on(t.userId)],
)

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    prefix: text('prefix').notNull(),
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    role: text('role').$type<Role>().notNull(),
    organisationId: text('organisation_id').references(() => organisations.id),
    regionCode: text('region_code'),
    bankCode: text('bank_code'),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }).notNull(),
    revokedAtMs: bigint('revoked_at_ms', { mode: 'number' }),
    revokedBy: text('revoked_by'),
  },
  (t) => [uniqueIndex('api_keys_prefix').on(t.prefix)],
)

export const deviceCredentials = pgTable(
  'device_credentials',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deviceId: text('device_id')
      .notNull()
      .references(() => devices.id),
    secretHash: text('secret_hash').notNull(),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    createdBy: text('created_by').notNull(),
    revokedAtMs: bigint('revoked_at_ms', { mode: 'number' }),
    revokedBy: text('revoked_by'),
  },
  (t) => [index('device_credentials_device').on(t.deviceId, t.id)],
)

export const accessLog = pgTable(
  'access_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    atMs: bigint('at_ms', { mode: 'number' }).notNull(),
    actorKind: text('actor_kind').notNull(),
    actorId: text('actor_id'),
    role: text('role'),
    scope: text('scope'),
    action: text('action').notNull(),
    purpose: text('purpose'),
    method: text('method').notNull(),
    route: text('route').notNull(),
    status: integer('status').notNull(),
    reason: text('reason'),
    recordIds: text('record_ids').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('access_log_actor').on(t.actorId, t.id)],
)

export const workerSignInCodes = pgTable(
  'worker_sign_in_codes',
  {
    id: text('id').primaryKey(),
    projectId: text('project_id')
      .notNull()
      .references(() => projects.id),
    workerId: text('worker_id')
      .notNull()
      .references(() => workers.id),
    codeHash: text('code_hash').notNull(),
    issuedBy: text('issued_by').notNull(),
    issuedAtMs: bigint('issued_at_ms', { mode: 'number' }).notNull(),
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }).notNull(),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    usedAtMs: bigint('used_at_ms', { mode: 'number' }),
  },
  (t) => [index('worker_sign_in_codes_worker').on(t.projectId, t.workerId, t.issuedAtMs)],
)
