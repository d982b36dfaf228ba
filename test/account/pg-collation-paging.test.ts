/**
 * The movements listing of GET /api/projects/{id}/account pages by a cursor compared in JavaScript (byte order), so
 * AccountRepository.movementsOf orders bank_ref bytewise too (it ordered by the database's collation; found by review). On a PostgreSQL database
 * whose collation is not "C" (en_US.UTF-8, or ICU, the usual initdb default outside containers) the two orders differ
 * and following `next` skips movements. The rest of the code base uses dialect.bytewise for exactly this.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { TEST_ENGINE, TEST_PG_ADMIN_URL, dropPgDatabase } from '../helpers/database.ts'
import { startTestServer } from '../helpers/server.ts'
import { camt } from './fixtures/camt-cny.ts'

const ACCOUNT = '19045101040012345'

async function icuDatabase(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const name = `wl_review_icu_${randomBytes(4).toString('hex')}`
  const client = new pg.Client({ connectionString: TEST_PG_ADMIN_URL })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`)
  } finally {
    await client.end()
  }
  t.teardown(() => dropPgDatabase(name))
  const url = new URL(TEST_PG_ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

t.test('every movement is listed when paging through the account on a non-C PostgreSQL collation', { skip: TEST_ENGINE !== 'postgres' ? 'PostgreSQL only' : false }, async (t) => {
  const databaseUrl = await icuDatabase(t)
  const { api } = await startTestServer(t, { config: { databaseUrl } })
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'REV-COLL', workers: 0, teams: 1, seed: 7 })
  const projectId = (await registerSite(api, { ...plan, devices: [] })).projectId
  await api.post(`/api/projects/${projectId}/dedicated-account`, {
    bank: '中国农业银行杭州西湖支行', bankCode: '103331000011', accountNo: ACCOUNT,
    accountName: '浙江建工农民工工资专用账户', openedOn: '2026-01-05', openingFen: 0, reason: '开户登记',
  })
  // Three lines booked the same day, with references as banks write them (mixed case, punctuation).
  const refs = ['a-1', 'A-2', 'B3']
  const xml = camt({ kind: '053', account: ACCOUNT, entries: refs.map((ref) => ({ ref, amount: '100.00', cd: 'CRDT', booking: '2026-03-02', counterpartyAccount: '330100001111', counterpartyName: '建设单位' })) })
  await api.request('POST', `/api/projects/${projectId}/account-statements`, Buffer.from(xml, 'utf8'), 'application/xml')

  const listed: string[] = []
  let after: string | null = null
  for (let i = 0; i < 10; i++) {
    const q: string = `/api/projects/${projectId}/account?asOf=2026-03-31&limit=1${after === null ? '' : `&after=${encodeURIComponent(after)}`}`
    const page = await api.get<{ movementCount: number; movements: { bankRef: string }[]; next: string | null }>(q)
    listed.push(...page.movements.map((m) => m.bankRef))
    if (page.next === null) break
    after = page.next
  }
  t.same([...listed].sort(), [...refs].sort(), `pages list every movement once (listed ${JSON.stringify(listed)})`)
})
