/**
 * (Found by review.)
 * A card change's reason is text a person typed; a labour manager writing "原卡 6217… 挂失，新卡 …, 联系 139…"
 * puts full card and phone numbers in it. Every reply masks text people typed (README, Personal data); the card-change
 * replies (POST and GET /api/workers/{id}/card-changes, read also by team managers, auditors and the worker) mask it too.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { luhnValid } from '../../src/access/masking.ts'
import { startTestServer } from '../helpers/server.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'

const OLD_CARD = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => `621700123456789012${d}`).find(luhnValid) as string
const PHONE = '13957112345'

t.test('card change reason is masked in replies', async (t) => {
  const { api: admin } = await startTestServer(t)
  const site = await registerAccessSite(admin, { tag: 'CC1', regionCode: '330106', bankCode: '103331000001', seed: 611 })
  await createLogin(admin, 'lm.cc', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, 'tm.cc', 'team_manager', { organisationId: site.subcontractorId })
  const lm = admin.as(await logIn(admin, 'lm.cc'))
  const tm = admin.as(await logIn(admin, 'tm.cc'))
  const reason = `原卡 ${OLD_CARD} 挂失，工人电话 ${PHONE}`
  const res = await lm.fetch(`/api/workers/${site.workerId}/card-changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bankName: '工行', cardNo: cardNumber(612), reason }),
  })
  const posted = await res.text()
  t.equal(res.status, 201, posted)
  t.notOk(posted.includes(OLD_CARD), 'POST reply: no full card number in the reason')
  t.notOk(posted.includes(PHONE), 'POST reply: no full phone number in the reason')
  const listed = await (await tm.fetch(`/api/workers/${site.workerId}/card-changes`)).text()
  t.notOk(listed.includes(OLD_CARD), "team manager's GET: no full card number")
  t.notOk(listed.includes(PHONE), "team manager's GET: no full phone number")
})
