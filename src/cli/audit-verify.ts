/**
 * `npm run audit:verify`: walks the access log on DATABASE_URL (SQLite or PostgreSQL, as the service) from its first
 * row and checks every row's hash chain (src/access/audit-log.ts). Prints the rows checked and the head of the chain
 * (its last id and hash: note it somewhere else, and a later run shows whether the rows up to it are still the same),
 * or the first broken row and why, and exits 1.
 *
 * Exit codes: 0 the chain holds, 1 a row is broken, 2 the database could not be read.
 */
import { pathToFileURL } from 'node:url'
import { verifyChain } from '../access/audit-log.ts'
import { loadConfig } from '../config/env.ts'
import { openDatabase } from '../db/client.ts'
import { q, type Database } from '../db/database.ts'

const HEAD = `SELECT id AS "id", hash AS "hash" FROM access_log ORDER BY id DESC LIMIT 1`

export interface VerifyOutcome {
  ok: boolean
  lines: string[]
}

/** The report of one verification, as printed. */
export async function auditVerify(db: Database): Promise<VerifyOutcome> {
  const { rows, firstBreak } = await verifyChain(db)
  if (firstBreak) {
    return {
      ok: false,
      lines: [`access log of ${db.description}: BROKEN at row ${firstBreak.id} (${firstBreak.problem}): ${firstBreak.detail}`, `access log: ${rows} rows before it verified; nothing after it can be trusted until it is explained`],
    }
  }
  const head = await db.get<{ id: number; hash: string }>(q(HEAD))
  return { ok: true, lines: [`access log of ${db.description}: ${rows} rows checked, chain OK`, head ? `access log: head row ${head.id}, hash ${head.hash}` : 'access log: empty'] }
}

async function main(): Promise<number> {
  const config = loadConfig()
  let db: Database
  try {
    db = await openDatabase(config.databaseUrl, { existing: true })
  } catch (err) {
    console.error(`audit:verify: cannot open the database: ${err instanceof Error ? err.message : String(err)}`)
    return 2
  }
  try {
    const outcome = await auditVerify(db)
    for (const line of outcome.lines) (outcome.ok ? console.log : console.error)(line)
    return outcome.ok ? 0 : 1
  } finally {
    await db.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err)
      process.exit(2)
    },
  )
}
