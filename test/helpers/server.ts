/**
 * Boots the real service for a test: a temp SQLite file (or its own PostgreSQL database, test/helpers/database.ts), HTTP and the embedded
 * broker (or an external one) on ephemeral ports, closed in teardown.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { loadConfig, type Config } from '../../src/config/env.ts'
import type { Clock } from '../../src/kernel/time.ts'
import { startServer, type RunningServer } from '../../src/server.ts'
import { Api, ApiError } from '../../simulators/api.ts'
import { createPgDatabase, TEST_ENGINE } from './database.ts'

export function tempDir(t: Test, prefix = 'wage-ledger-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function startTestServer(
  t: Test,
  opts: {
    config?: Partial<Config>
    clock?: Clock
    /** Log lines (JSON) go here; without it the service logs nothing. */
    logStream?: NodeJS.WritableStream
    /** false: no timer runs the periodic rounds (StartOptions.periodicRounds); the test runs those it needs itself. */
    periodicRounds?: boolean
  } = {},
): Promise<RunningServer & { api: Api; adminKey: string; dir: string }> {
  const dir = tempDir(t)
  const config: Config = {
    ...loadConfig({}),
    databaseUrl: TEST_ENGINE === 'postgres' ? await createPgDatabase(t) : `file:${join(dir, 'test.db')}`,
    httpPort: 0,
    deviceHttpPort: 0,
    mqttPort: 0,
    logLevel: 'warn',
    ...opts.config,
  }
  const server = await startServer(config, { clock: opts.clock, periodicRounds: opts.periodicRounds, ...(opts.logStream ? { logStream: opts.logStream } : { logger: false }) })
  t.teardown(() => server.close())
  // The platform operator's key: tests that are not about access act as the admin (test/access covers the other roles).
  const { key } = await server.services.access.createKey({ name: 'test admin', role: 'admin' }, 'test')
  return { ...server, api: new Api(server.httpUrl, key), adminKey: key, dir }
}

/** Waits until the inbox has nothing pending (frames published with QoS 0 or by other clients). */
export async function settled(server: RunningServer): Promise<void> {
  while (server.services.inbox.pending > 0) await new Promise((r) => setTimeout(r, 5))
}

/** The error reply of a request expected to fail: status, code and details. */
export async function failure(p: Promise<unknown>): Promise<{ status: number; code: string; details: unknown }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  if (!(e instanceof ApiError)) throw new Error('expected the request to fail')
  const body = e.body as { error: { code: string; details: unknown } }
  return { status: e.status, code: body.error.code, details: body.error.details }
}
