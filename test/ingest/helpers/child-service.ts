/**
 * The service as a child process (`node --import tsx src/server.ts`), for
 * tests that must kill it the hard way. Node itself is the child (not the tsx
 * CLI, which would leave its own node child behind on SIGKILL), and every
 * child started here is killed in teardown and on this process's exit,
 * whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const HEALTH_WAIT_MS_MAX = 90_000

export interface ChildService {
  proc: ChildProcess
  httpUrl: string
  mqttUrl: string
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** What the child wrote to stderr and stdout (LOG_LEVEL=warn keeps it short). */
  output(): string
  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  kill9(): Promise<void>
  /** SIGTERM: the service's own graceful close. */
  stop(): Promise<void>
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

/** An environment without the test runner's loaders and without an external broker, so the child runs as `tsx src/server.ts` would. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_OPTIONS' || k.startsWith('TAP') || k.startsWith('_TAP') || k.startsWith('MQTT_') || k === 'DATABASE_URL') continue
    env[k] = v
  }
  return { ...env, ...extra }
}

/** SIGKILL to the child's process group: the child and whatever it started (npm's service). */
function killGroup(proc: ChildProcess): void {
  try {
    if (proc.pid !== undefined) process.kill(-proc.pid, 'SIGKILL')
  } catch {
    // the group is gone already
  }
}

/** Whoever cleans up after the child: a tap test, or nothing (a script, whose exit hook still kills it). */
export type Teardown = Pick<Test, 'teardown'> | undefined

export interface ServiceOptions {
  databaseUrl: string
  httpPort: number
  mqttPort: number
  /** More environment for the child (MQTT_URL for an external broker, say). */
  env?: Record<string, string>
  /** Start it as an operator does, with `npm start` (npm, then the service under it), instead of node directly. */
  viaNpm?: boolean
}

/** Starts the service and waits until it answers `/health`. */
export async function spawnService(t: Teardown, opts: ServiceOptions): Promise<ChildService> {
  const child = launchService(t, opts)
  await waitReady(child)
  return child
}

/**
 * Starts the service without waiting for it, for callers that kill it while
 * it is still starting (migrations and the start-up sweep run on a crashed file).
 */
export function launchService(t: Teardown, opts: ServiceOptions): ChildService {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const p of live) killGroup(p)
    })
  }
  const [command, args] = opts.viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'src/server.ts']]
  const proc = spawn(command, args, {
    cwd: ROOT,
    env: childEnv({
      DATABASE_URL: opts.databaseUrl,
      PORT: String(opts.httpPort),
      MQTT_PORT: String(opts.mqttPort),
      // The device edge on a port of the system's choosing: these tests do not speak HTTP device protocols.
      DEVICE_HTTP_PORT: '0',
      HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...opts.env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own, so that cleaning up kills what it started too: under `npm start` the service is npm's
    // child, and a SIGKILL to npm alone would leave it running, holding this test's pipes open until the file timed out.
    detached: true,
  })
  live.add(proc)
  let out = ''
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc)
      resolve({ code, signal })
    })
  })
  t?.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      killGroup(proc)
      await exited
    } else {
      // npm gone (a signal it passed on), the service under it perhaps not.
      killGroup(proc)
    }
  })

  const httpUrl = `http://127.0.0.1:${opts.httpPort}`
  const child: ChildService = {
    proc,
    httpUrl,
    mqttUrl: opts.env?.MQTT_URL ?? `mqtt://127.0.0.1:${opts.mqttPort}`,
    exited,
    output: () => out,
    async kill9() {
      proc.kill('SIGKILL')
      await exited
    },
    async stop() {
      proc.kill('SIGTERM')
      const r = await exited
      if (r.code !== 0) throw new Error(`service did not close cleanly (${JSON.stringify(r)}):\n${out}`)
    },
  }
  return child
}

/** Ready when /health answers (it listens after the broker is up), or failed when the child exits first. */
export async function waitReady(child: ChildService): Promise<void> {
  const deadline = Date.now() + HEALTH_WAIT_MS_MAX
  let gone: { code: number | null; signal: NodeJS.Signals | null } | undefined
  void child.exited.then((r) => (gone = r))
  for (;;) {
    if (gone) throw new Error(`service exited before it was ready (${JSON.stringify(gone)}):\n${child.output()}`)
    try {
      const res = await fetch(`${child.httpUrl}/health`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`service did not answer ${child.httpUrl}/health within ${HEALTH_WAIT_MS_MAX} ms:\n${child.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
