/**
 * A payee name GBK cannot carry (a rare character outside GBK, 生僻字 such as 𠀀 U+20000). (Found by review.)
 *
 * Each format's encoding: pain.001 is UTF-8 XML and carries the name as it is; the 代发 files (every profile) are GBK.
 * The instruction is made (pain.001 can carry the line; which format the bank takes is chosen when the file is read),
 * and the 代发 file is refused whole, before a byte is written, naming the worker and the character's code point — the
 * name is never written as "?". On either engine.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 3)
const RARE = '王𠀀'

t.test('a name outside GBK: pain.001 carries it, the 代发 file refuses it with the worker and the character', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'IN-G', regionCode: '330106', bankCode: '103331000011', seed: 1071 })
  const rng = new Rng(1072)
  await createLogin(api, 'lm.gbk', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.gbk'))
  const card = cardNumber(1081)
  const id = idNumber(rng, 1071)
  const w = await api.post<{ id: string }>('/api/workers', { name: RARE, idNumber: id, bankName: '建行', cardNo: card })
  const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: AT_MS,
    lines: [{ workerId: w.id, enrolmentId: e.id, workerName: RARE, idNumber: id, bankName: '建行', cardNo: card, netFen: 6_000_00 }],
  })
  const made = await lm.post<{ id: string }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})

  const xml = await (await lm.fetch(`/api/projects/${site.projectId}/instructions/${made.id}/pain001`)).text()
  t.ok(xml.includes(`<Nm>${RARE}</Nm>`), 'pain.001 (UTF-8) carries the name exactly')

  for (const profile of ['cmb', 'city-bank']) {
    t.match(
      await failure(lm.get(`/api/projects/${site.projectId}/instructions/${made.id}/agency-file?profile=${profile}`)),
      { status: 400, code: 'validation_failed', details: [{ field: profile, reason: 'not_gbk', message: new RegExp(`^line 1 \\(worker ${w.id}\\): the worker name \\(户名\\) has characters GBK cannot carry \\(U\\+20000\\)`) }] },
      `${profile}: refused whole, naming the worker and the character`,
    )
  }
})
