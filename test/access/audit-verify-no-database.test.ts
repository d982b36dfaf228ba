/**
 * (Found by review: a platform operator's walkthrough.) `npm run audit:verify` with a mistyped SQLite path answered
 * "cannot open the database: the database refused the settings acknowledgements rely on: DATABASE_URL …: there is no
 * database file at …": no database refused any setting; there was none. Its message now says only what is wrong, as
 * the PostgreSQL side already did; a file that is no database of the service likewise. (SQLite paths on either test
 * engine: the console opens what DATABASE_URL names.)
 */
import { writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { openDatabase } from '../../src/db/client.ts'
import { tempDir } from '../helpers/server.ts'

t.test('a path with no database, or a file that is none of ours: the refusal names that, not a setting', async (t) => {
  const dir = tempDir(t)
  const missing = join(dir, 'wage-ledger.db')
  const err = await openDatabase(`file:${missing}`, { existing: true }).then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  t.ok(err, 'refused')
  t.match(err!.message, /^DATABASE_URL "file:.*": there is no database file at .*; check the path \(nothing was created\)$/)
  t.notMatch(err!.message, /settings/, 'no setting was refused')
  t.notOk(existsSync(missing), 'nothing was created')

  const other = join(dir, 'notes.db')
  writeFileSync(other, '')
  const err2 = await openDatabase(`file:${other}`, { existing: true }).then(
    () => undefined,
    (e: unknown) => e as Error,
  )
  t.ok(err2, 'refused')
  t.match(err2!.message, /is not a wage-ledger database \(it has never been migrated\); check the path$/)
  t.notMatch(err2!.message, /settings/)
})
