/**
 * A real Mosquitto for a test: started as a child on a free port with a
 * configuration that loses nothing (style.md, trap 4), stopped in teardown.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { delimiter, join } from 'node:path'
import type { Test } from 'tap'
import { freePort } from '../../helpers/free-port.ts'
import { tempDir } from '../../helpers/server.ts'

const READY_WAIT_MS_MAX = 30_000

/**
 * The broker configuration we stand behind. Mosquitto's defaults drop QoS 1
 * messages silently: past 20 in flight to a client it queues, and past
 * max_queued_messages (default 1000) it discards. Measured here: up to 5k of
 * 200k lost with a fast subscriber, a quarter or more behind one that acks
 * after each commit. These limits lose none.
 */
export function mosquittoConf(port: number): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    // QoS 1 messages sent to a client and not yet acknowledged (0 would mean unlimited; 1000 keeps memory bounded).
    'max_inflight_messages 1000',
    'max_inflight_bytes 0',
    // Messages held for a client beyond those in flight, including while a persistent session is offline.
    'max_queued_messages 1000000',
    'max_queued_bytes 0',
    // Only QoS 1 matters here; QoS 0 is never queued for offline clients.
    'queue_qos0_messages false',
    // Sessions of offline subscribers never expire (the service's session must outlive a restart).
    'persistent_client_expiration 3650d',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n')
}

/** The mosquitto binary: on PATH, or in /usr/sbin where Debian puts it (not on every user's PATH). */
export function findMosquitto(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin']
  for (const dir of dirs) {
    const candidate = join(dir, 'mosquitto')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

export const MOSQUITTO_MISSING = 'mosquitto is not installed (not on PATH nor in /usr/sbin): install it with `sudo apt-get install mosquitto` (CI installs it); these tests run a real broker.'

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

export interface RunningMosquitto {
  url: string
  port: number
  output(): string
}

export async function startMosquitto(t: Test, bin: string): Promise<RunningMosquitto> {
  const dir = tempDir(t, 'wage-ledger-mosquitto-')
  const port = await freePort()
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, mosquittoConf(port))
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const killOnExit = () => proc.kill('SIGKILL')
  process.once('exit', killOnExit)
  t.teardown(async () => {
    process.off('exit', killOnExit)
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM')
      await exited
    }
  })
  const deadline = Date.now() + READY_WAIT_MS_MAX
  while (!(await accepts(port))) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`mosquitto exited before accepting connections:\n${out}`)
    if (Date.now() > deadline) throw new Error(`mosquitto did not accept connections on port ${port} within ${READY_WAIT_MS_MAX} ms:\n${out}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, output: () => out }
}
