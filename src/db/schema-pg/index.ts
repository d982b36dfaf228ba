/**
 * The PostgreSQL twin of src/db/schema: the same tables, columns, keys and
 * indexes under the same names, for drizzle-kit to generate
 * migrations/postgres from. Statements are written against src/db/schema's
 * objects on both engines; this schema exists for the migrations (and the
 * parity test that holds the two together).
 *
 * Types: money is BIGINT integer fen, instants are BIGINT epoch ms, ids and
 * anything that keeps growing are BIGINT too, all read as exact JavaScript
 * numbers (src/db/postgres.ts); small settings and bounded counts are INTEGER.
 */
export * from './roster.ts'
export * from './punches.ts'
export * from './payouts.ts'
export * from './timesheets.ts'
export * from './ops.ts'
export * from './access.ts'
export * from './payroll.ts'
export * from './instructions.ts'
export * from './account.ts'
export * from './cases.ts'
export * from './webhooks.ts'
export * from './backfills.ts'
export * from './device-watch.ts'
export * from './upstream.ts'
export * from './risk.ts'
