/**
 * The demo as the README's first command runs it (`npm run demo`, embedded defaults, DEMO_EXIT=1 so it ends after its
 * summary): it exits 0, finds shortfalls, and its month summary's team rows add up to its total row — the rows and the
 * total are read from the same state (the rows were read before the timesheets were confirmed; found by review). It
 * runs in a shell that exports a real service's broker and watched inbox, and touches neither (found by review).
 * SQLite only: the demo runs on the embedded defaults whatever engine the suite runs on.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { TEST_ENGINE } from '../helpers/database.ts'

const ROOT = join(import.meta.dirname, '..', '..')
// The demo runs a whole month through a real service (about two minutes on a loaded machine, more under a heavier load):
// the file may take longer than the suite's 180 s per file, as long as the demo's own 300 s bound below.
t.setTimeout(330_000)

t.test('the demo: a month from punches to flags, its summary adding up', { skip: TEST_ENGINE !== 'sqlite' ? 'the demo runs on the embedded defaults' : false }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'wl-demo-'))
  const inbox = mkdtempSync(join(tmpdir(), 'wl-demo-inbox-'))
  t.teardown(() => {
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(inbox, { recursive: true, force: true })
  })
  writeFileSync(join(inbox, 'result.txt'), 'a real bank file the demo must leave alone\n')
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'simulators', 'demo.ts')], {
    cwd: ROOT,
    env: { ...process.env, DEMO_EXIT: '1', DEMO_DIR: dataDir, PORT: '0', MQTT_PORT: '0', DEVICE_HTTP_PORT: '0', LOG_LEVEL: 'warn', MQTT_URL: 'mqtt://127.0.0.1:9', PAYOUT_INBOX_DIR: inbox },
    maxBuffer: 32 * 1024 * 1024,
    timeout: 300_000,
  })
  const lines = stdout.split('\n')
  const start = lines.findIndex((l) => l.startsWith('team '))
  const end = lines.findIndex((l, i) => i > start + 1 && l.startsWith('total'))
  t.ok(start >= 0 && end > start, 'the month summary is printed')
  const rows = lines.slice(start + 2, end - 1).map((l) => l.trim().split(/\s+/))
  const total = lines[end]!.trim().split(/\s+/)
  t.ok(rows.length >= 2, 'a row per team')
  // Columns from the right: workers, days, incomplete, due, flagged (a team name may hold a space).
  const col = (r: string[], fromRight: number): number => Number(r[r.length - fromRight])
  const sum = (fromRight: number): number => rows.reduce((s, r) => s + col(r, fromRight), 0)
  t.equal(sum(5), col(total, 5), 'workers: the teams add up to the total')
  t.equal(sum(4).toFixed(1), col(total, 4).toFixed(1), 'days: the teams add up to the total')
  t.equal(sum(3), col(total, 3), 'incomplete days: the teams add up to the total')
  t.equal(sum(2).toFixed(2), col(total, 2).toFixed(2), 'due: the teams add up to the total')
  t.ok(col(total, 1) > 0, 'shortfalls are flagged')
  t.ok(existsSync(join(inbox, 'result.txt')), "the exported inbox's file is where it was")
})
