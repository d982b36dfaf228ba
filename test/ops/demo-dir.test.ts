/**
 * `npm run demo` and the folders it is given (found by review). It used to start with
 * `rmSync(DATA_DIR, { recursive: true })`: an operator who had exported DATA_DIR for the service (or set it to ./data,
 * its documented default) and ran the demo from the same shell lost the ledger's database and everything beside it.
 * Now the demo reads DEMO_DIR (default ./data/demo), never DATA_DIR; it runs only in a new or empty folder or one a demo
 * marked, and deletes there only its own files (simulators/demo-dir.ts).
 * SQLite only: the demo runs on the embedded defaults whatever engine the suite runs on.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import t from 'tap'
import { DEMO_MARKER, prepareDemoDir } from '../../simulators/demo-dir.ts'
import { TEST_ENGINE } from '../helpers/database.ts'
import { tempDir } from '../helpers/server.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const skip = TEST_ENGINE !== 'sqlite' ? 'the demo runs on the embedded defaults' : false

/** Runs the demo until its service is up (or it exits), then stops it: its stdout and stderr, and its exit code. */
async function startDemo(env: Record<string, string>): Promise<{ out: string; err: string; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/demo.ts'], {
    cwd: ROOT,
    env: { ...process.env, DEMO_EXIT: '1', PORT: '0', MQTT_PORT: '0', DEVICE_HTTP_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const code = await new Promise<number | null>((done) => {
    const timer = setTimeout(() => done(null), 120_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('service up')) {
        clearTimeout(timer)
        done(null)
      }
    })
    child.on('exit', (c) => {
      clearTimeout(timer)
      done(c)
    })
  })
  if (child.exitCode === null) {
    const exited = new Promise((done) => child.once('exit', done))
    child.kill('SIGKILL')
    await exited
  }
  return { out, err, code }
}

t.test("the demo leaves the operator's DATA_DIR alone: it runs in its own DEMO_DIR", { skip }, async (t) => {
  const dataDir = join(tempDir(t, 'wl-demo-data-'), 'data')
  mkdirSync(dataDir)
  // The service's own files there: its database and a backup made as README says (sqlite3 … ".backup backup.db").
  writeFileSync(join(dataDir, 'wage-ledger.db'), 'the ledger')
  writeFileSync(join(dataDir, 'backup.db'), 'the operator backup of the ledger')
  const demoDir = join(tempDir(t, 'wl-demo-own-'), 'demo')

  const run = await startDemo({ DATA_DIR: dataDir, DEMO_DIR: demoDir })
  t.match(run.out, `database file:${demoDir}/wage-ledger.db`, `the demo runs on its own folder (${run.err.slice(0, 300)})`)
  t.same(readdirSync(dataDir).sort(), ['backup.db', 'wage-ledger.db'], "DATA_DIR's files are all still there")
  t.ok(existsSync(join(demoDir, DEMO_MARKER)), 'the folder the demo made is marked as its own')
})

t.test('a DEMO_DIR that holds files and is no demo folder is refused before anything is deleted', { skip }, async (t) => {
  const dir = tempDir(t, 'wl-demo-foreign-')
  writeFileSync(join(dir, 'wage-ledger.db'), 'the ledger')
  writeFileSync(join(dir, 'backup.db'), 'the operator backup of the ledger')

  const run = await startDemo({ DEMO_DIR: dir })
  t.equal(run.code, 1, 'the demo exits 1')
  t.match(run.err, /not a demo's folder/, 'and says why')
  t.notMatch(run.out, /service up/, 'without starting the service')
  t.same(readdirSync(dir).sort(), ['backup.db', 'wage-ledger.db'], 'every file is still there')
})

t.test("in its own folder, a new run deletes the previous run's files and nothing else", async (t) => {
  const dir = join(tempDir(t, 'wl-demo-again-'), 'demo')
  t.same(prepareDemoDir(dir), [], 'a new folder: made, nothing to delete')
  const previous = ['wage-ledger.db', 'wage-ledger.db-wal', 'wage-ledger.db-shm', 'DEMO-202610-01.pain001.xml', 'DEMO-202610-01.cmb-agency.txt']
  for (const name of [...previous, 'notes.txt']) writeFileSync(join(dir, name), name)
  t.same(prepareDemoDir(dir).sort(), [...previous].sort(), "the previous run's database and saved instructions are deleted")
  t.same(readdirSync(dir).sort(), [DEMO_MARKER, 'notes.txt'], 'a file someone else put there stays, as does the mark')
  t.same(prepareDemoDir(join(tempDir(t, 'wl-demo-empty-'))), [], 'an empty folder is taken and marked')
})
