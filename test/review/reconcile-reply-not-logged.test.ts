/**
 * Review (bureau inspector): README promises an access-log row for every read of personal data. GET …/flags/{month}
 * is logged (policy personal), but POST …/reconciliations/{month} answers the very same flags (workers' names,
 * masked cards, disputes, sheet lines) and writes no row for a labour manager or a bank: who read the month's
 * flags this way cannot be shown from the log.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import { createKey, createLogin, logIn, MONTH, postPayoutFile, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('a reconciliation reply with flags is written to the access log like the flags listing', async (t) => {
  const { api: admin, services } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'REV-RL', regionCode: '330106', bankCode: '103331000011', seed: 9104 })
  const bank = admin.as((await createKey(admin, 'bank 103', 'bank', { bankCode: '103' })).key)
  await postPayoutFile(bank, admin, site, 9104)
  await createLogin(admin, 'lm.rev.rl', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = admin.as(await logIn(admin, 'lm.rev.rl'))
  await services.accessLog.idle()
  const rowsOf = async (route: string): Promise<number> => {
    await services.accessLog.idle()
    return Number((await services.db.get<{ n: unknown }>(q(`SELECT CAST(COUNT(*) AS BIGINT) AS "n" FROM access_log WHERE route = ? AND role <> 'admin'`, route)))?.n ?? 0)
  }

  const listed = await lm.get<{ flags: unknown[] }>(`/api/projects/${site.projectId}/flags/${MONTH}`)
  t.ok(listed.flags.length > 0, 'the month has flags')
  t.equal(await rowsOf('/api/projects/:projectId/flags/:month'), 1, 'the listing is logged')

  const byLm = await lm.post<{ flags: unknown[] }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  const byBank = await bank.post<{ flags: unknown[] }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, {})
  t.ok(byLm.flags.length > 0 && byBank.flags.length > 0, 'both replies carry the flags')
  const runs = await rowsOf('/api/projects/:projectId/reconciliations/:month')
  t.equal(runs, 2, `each reply carrying flags is logged (rows: ${runs})`)
})
