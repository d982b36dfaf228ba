/**
 * Review (new user): `npm run demo` honours DATA_DIR (README's configuration table: "directory of the default
 * database file", default ./data) and starts by deleting that whole directory (`rmSync(dataDir, { recursive: true })`).
 * An operator who exported DATA_DIR for the service (or set it to ./data, its documented default) and then runs the
 * demo from the same shell loses the ledger's database and everything beside it. README says only that the demo's
 * database is "under data/demo/". The demo must never delete a directory it did not create for itself.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { tempDir } from '../helpers/server.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

t.test("the demo leaves the files of the operator's DATA_DIR alone", async (t) => {
  const dataDir = join(tempDir(t, 'wl-review-demo-'), 'data')
  mkdirSync(dataDir)
  // The service's own files there: a backup made as README says (sqlite3 … ".backup backup.db") and a payout inbox.
  const backup = join(dataDir, 'backup.db')
  writeFileSync(backup, 'the operator backup of the ledger')

  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/demo.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, DEMO_EXIT: '1', PORT: '0', MQTT_PORT: '0', DEVICE_HTTP_PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Wait for the service to come up (the deletion, if any, happens before it), then stop the demo.
  await new Promise<void>((done) => {
    let out = ''
    const timer = setTimeout(done, 60_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('service up')) {
        clearTimeout(timer)
        done()
      }
    })
    child.on('exit', () => {
      clearTimeout(timer)
      done()
    })
  })
  child.kill('SIGKILL')
  t.ok(existsSync(backup), 'a file already in DATA_DIR is still there after the demo started')
})
