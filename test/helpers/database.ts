/**
 * The engine a test run uses: SQLite (a file in a temp folder) unless
 * WL_TEST_ENGINE=postgres, then a database of its own on the PostgreSQL server
 * at WL_TEST_PG_URL (default the machine's, postgres://postgres@127.0.0.1:5432/postgres),
 * created for the test and dropped in teardown. `npm test` runs the suite once per engine.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import pg from 'pg'
import type { Test } from 'tap'
import type { Engine } from '../../src/db/database.ts'
import { tempDir } from './server.ts'

export const TEST_ENGINE: Engine = process.env.WL_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite'
export const TEST_PG_ADMIN_URL = process.env.WL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** A database for this test on the run's engine, removed at teardown: a `file:` URL or a `postgres://` one. */
export async function testDatabaseUrl(t: Test, engine: Engine = TEST_ENGINE): Promise<string> {
  if (engine === 'sqlite') return `file:${join(tempDir(t), 'test.db')}`
  return createPgDatabase(t)
}

export async function createPgDatabase(t: Test): Promise<string> {
  const name = `wl_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await admin(`CREATE DATABASE ${name}`)
  t.teardown(() => dropPgDatabase(name))
  const url = new URL(TEST_PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** Drops it even if a service (a killed child) left connections open. */
export async function dropPgDatabase(name: string): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
}

/**
 * Rows of one read-only statement, straight from the database a (possibly killed) service used, without the
 * service's code in between: what a crash test compares with what devices were acknowledged.
 */
export async function readRows<T>(databaseUrl: string, text: string): Promise<T[]> {
  if (!/^postgres(ql)?:/.test(databaseUrl)) {
    const db = new BetterSqlite3(databaseUrl.replace(/^file:/, ''), { readonly: true, fileMustExist: true })
    try {
      return db.prepare(text).all() as T[]
    } finally {
      db.close()
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    return (await client.query(text)).rows as T[]
  } finally {
    await client.end()
  }
}
