/**
 * The demo's folder (DEMO_DIR, default ./data/demo): where `npm run demo` keeps its SQLite database and the bank
 * instruction files it saves. Each run starts from a fresh database, so it deletes what an earlier run left there,
 * and nothing else: its database files and its saved instruction files, by name, never the folder itself.
 *
 * It may do even that only in a folder that is its own: a new or empty one (it then marks it with MARKER), or one a
 * demo marked before. A folder holding anything else without the mark (a service's DATA_DIR, a backup folder) is
 * refused before anything is touched: the service's own files are called wage-ledger.db too.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const DEMO_DIR_DEFAULT = './data/demo'
export const DEMO_MARKER = '.wage-ledger-demo'

/** The SQLite database the demo runs on, and the files SQLite keeps beside it. */
const DEMO_DB_FILES = ['wage-ledger.db', 'wage-ledger.db-wal', 'wage-ledger.db-shm', 'wage-ledger.db-journal']
/** The first team's instruction, saved as `<MsgId>.pain001.xml` and `<MsgId>.cmb-agency.txt`. */
const DEMO_SAVED_FILE = /\.(pain001\.xml|cmb-agency\.txt)$/

export const isDemoFile = (name: string): boolean => DEMO_DB_FILES.includes(name) || DEMO_SAVED_FILE.test(name)

export class DemoDirRefused extends Error {}

/**
 * Makes `dir` ready for a fresh run: created and marked if new or empty; in a marked folder, the previous run's files
 * removed (each a file, by name); anything else refused with DemoDirRefused. Returns the files removed.
 */
export function prepareDemoDir(dir: string): string[] {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new DemoDirRefused(`DEMO_DIR ${dir} is not a folder`)
  mkdirSync(dir, { recursive: true })
  const entries = readdirSync(dir)
  if (entries.length > 0 && !entries.includes(DEMO_MARKER)) {
    throw new DemoDirRefused(
      `DEMO_DIR ${dir} holds files and is not a demo's folder (no ${DEMO_MARKER} in it): the demo starts each run by ` +
        'deleting its database there, so it runs only in a new or empty folder or one an earlier demo made. ' +
        'Give DEMO_DIR a new folder (the default is ./data/demo).',
    )
  }
  const removed = entries.filter(isDemoFile)
  for (const name of removed) rmSync(join(dir, name), { force: true })
  writeFileSync(
    join(dir, DEMO_MARKER),
    'This folder belongs to `npm run demo` (wage-ledger). Each run deletes the demo database (wage-ledger.db and its\n' +
      '-wal, -shm, -journal files) and the instruction files it saved (*.pain001.xml, *.cmb-agency.txt), nothing else.\n',
  )
  return removed
}
