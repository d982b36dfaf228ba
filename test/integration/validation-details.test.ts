/**
 * `validation_failed` has one shape (found by review): `details` is a list of `{ field, message }`, whether the
 * schema refused the request or a check in code did. Checks in handlers and services used to give the same code with
 * `details` an object keyed by something else (`{"query": "give at most one of card, workerId and flagId"}`,
 * `{"after": "not a cursor this listing gave"}`, `{"entryDate": "… is already the entry date"}`): a client reading the
 * code one way broke on the other. AppError now takes `validation_failed` only with such a list (src/kernel/errors.ts).
 */
import t from 'tap'
import { failure, startTestServer } from '../helpers/server.ts'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'

t.test('validation_failed details have one shape', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'REV-VD', regionCode: '330106', bankCode: '103331000011', seed: 9105 })
  const P = `/api/projects/${site.projectId}`
  const listOf = { status: 400, code: 'validation_failed', details: [{ field: String, message: String }] }

  const bySchema = await failure(api.get(`${P}/payouts/${MONTH}/lines?card=12`))
  t.match(bySchema, listOf, 'a schema refusal: details is a list of { field, message }')
  t.match(bySchema.details, [{ field: 'querystring/card' }])

  const byHandler = await failure(api.get(`${P}/payouts/${MONTH}/lines?card=6217000000000000002&workerId=${site.workerId}`))
  t.match(byHandler, listOf, `a handler's refusal: details is a list too (got ${JSON.stringify(byHandler.details)})`)
  t.match(byHandler.details, [{ field: 'querystring', message: /at most one of card, workerId and flagId/ }])

  for (const path of [`${P}/payout-files?after=nonsense`, `${P}/payouts/${MONTH}/lines?after=nonsense`]) {
    const badCursor = await failure(api.get(path))
    t.match(badCursor, listOf, `a cursor refusal: details is a list too (${path.replace(P, '…')}: ${JSON.stringify(badCursor.details)})`)
    t.match(badCursor.details, [{ field: 'querystring/after', message: 'not a cursor this listing gave' }])
  }

  const byService = await failure(api.post(`${P}/enrolments/${site.enrolmentId}/entry`, { entryDate: '2026-09-01', reason: '核对' }))
  t.match(byService, listOf, `a service's refusal: details is a list too (${JSON.stringify(byService.details)})`)
  t.match(byService.details, [{ field: 'entryDate', message: /already the entry date/ }])
})
