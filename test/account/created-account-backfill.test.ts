/**
 * (Found by review.) Projects created before a project's account was recorded in the dedicated-account register have
 * only the account on the project row, and read as having no dedicated account (PAYER_NOT_DEDICATED
 * no_dedicated_account, the overview red). The migration gives each the entry its creation would record now, as a new
 * record: only where the account passes the register's checks and its number is no other project's, and never where
 * the project has an entry already. Run on the test run's engine: the database is migrated to just before, the old
 * rows written, then migrated the rest of the way.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { migrationsDir, openDatabase } from '../../src/db/client.ts'
import type { Database } from '../../src/db/database.ts'
import { openPostgres } from '../../src/db/postgres.ts'
import { insertInto } from '../../src/db/rows.ts'
import { dedicatedAccounts, organisations, projects } from '../../src/db/schema/index.ts'
import { openSqlite } from '../../src/db/sqlite.ts'
import { TEST_ENGINE, testDatabaseUrl } from '../helpers/database.ts'
import { tempDir } from '../helpers/server.ts'

const MIGRATION = 'dedicated_account_with_project'
const AT = 1_790_000_000_000

/** The engine's migrations up to (not including) this one: a database as it stood before. */
function migrationsBefore(dir: string): string {
  const engine = TEST_ENGINE
  const folder = join(dir, engine)
  cpSync(migrationsDir(engine), folder, { recursive: true })
  const journalPath = join(folder, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> }
  const at = journal.entries.findIndex((e) => e.tag.endsWith(MIGRATION))
  if (at < 0) throw new Error(`no migration ${MIGRATION}`)
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }))
  return folder
}

const project = (id: string, account: { bankCode: string | null; no: string; name?: string }, createdAtMs = AT) => ({
  id,
  siteCode: id,
  name: `工程 ${id}`,
  regionCode: '330106',
  timeZone: 'Asia/Shanghai',
  payDay: 10,
  constructionUnitId: 'org-cu',
  generalContractorId: 'org-gc',
  accountBank: '中国农业银行杭州西湖支行',
  accountBankCode: account.bankCode,
  accountNo: account.no,
  accountName: account.name ?? `总包 ${id} 农民工工资专用账户`,
  createdAtMs,
})

t.test('projects created before: their account becomes their first register entry, where it can be', async (t) => {
  const url = await testDatabaseUrl(t)
  const folder = migrationsBefore(tempDir(t))
  const before: Database = TEST_ENGINE === 'postgres' ? await openPostgres(url, folder) : openSqlite(url, folder)
  await before.run(
    insertInto(organisations, [
      { id: 'org-cu', kind: 'construction_unit', name: '建设单位', creditCode: '91110000000000001X', createdAtMs: AT },
      { id: 'org-gc', kind: 'general_contractor', name: '总承包', creditCode: '91110000000000002X', createdAtMs: AT },
    ]),
  )
  const code = '103331000011'
  await before.run(
    insertInto(projects, [
      project('p-plain', { bankCode: code, no: '19045101040000001' }, AT + 5),
      project('p-no-code', { bankCode: null, no: '19045101040000002' }),
      project('p-twin-a', { bankCode: code, no: '19045101040000003' }),
      project('p-twin-b', { bankCode: code, no: '19045101040000003' }),
      project('p-registered', { bankCode: code, no: '19045101040000004' }),
      project('p-taken', { bankCode: code, no: '19045101040000005' }),
      project('p-bad-name', { bankCode: code, no: '19045101040000006', name: '总包专户 ' }),
      project('p-short-no', { bankCode: code, no: '1' }),
    ]),
  )
  // p-registered registered another account, now in force; its number is p-taken's project account.
  await before.run(
    insertInto(dedicatedAccounts, [
      { id: 'd-1', projectId: 'p-registered', bank: '农行', bankCode: code, accountNo: '19045101040000005', accountName: '总包专户', openedOn: '2026-01-05', openingFen: 0, reason: '开户', recordedBy: 'lm', recordedAtMs: AT + 1 },
    ]),
  )
  await before.close()

  const db = await openDatabase(url)
  t.teardown(() => db.close())
  const rows = await db.all<{ id: string; projectId: string; accountNo: string; bankCode: string; openedOn: string; openingFen: unknown; reason: string; recordedBy: string; recordedAtMs: unknown }>(
    sql`SELECT id, project_id AS "projectId", account_no AS "accountNo", bank_code AS "bankCode", opened_on AS "openedOn", opening_fen AS "openingFen", reason, recorded_by AS "recordedBy", recorded_at_ms AS "recordedAtMs" FROM dedicated_accounts ORDER BY project_id, id`,
  )
  t.same(
    rows.map((r) => r.projectId),
    ['p-plain', 'p-registered'],
    'only the project whose account is clear gets an entry; the one registered keeps its own alone',
  )
  const plain = rows.find((r) => r.projectId === 'p-plain')!
  t.match(plain, { accountNo: '19045101040000001', bankCode: code, openedOn: '', reason: /^registered with the project/, recordedBy: 'migration' }, 'the account as the project holds it, no opening date')
  t.equal(Number(plain.recordedAtMs), AT + 5, 'dated at the project’s creation: any entry recorded later restates it')
  t.equal(Number(plain.openingFen), 0)
})
