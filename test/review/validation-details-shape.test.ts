/**
 * Review (bank integration engineer): `validation_failed` says "see details for each field", and schema refusals give
 * `details` as an array of `{ field, message }`. Checks made in handlers give the same code with `details` as an object
 * keyed by something else (`{"query": "give at most one of card, workerId and flagId"}`, `{"after": "not a cursor this
 * listing gave"}`). A client that reads one code one way breaks on the other; one code should have one shape.
 */
import t from 'tap'
import { failure, startTestServer } from '../helpers/server.ts'
import { MONTH, registerAccessSite } from '../access/helpers/site.ts'

t.test('validation_failed details have one shape', async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'REV-VD', regionCode: '330106', bankCode: '103331000011', seed: 9105 })

  const bySchema = await failure(api.get(`/api/projects/${site.projectId}/payouts/${MONTH}/lines?card=12`))
  t.equal(bySchema.code, 'validation_failed')
  t.ok(Array.isArray(bySchema.details), 'a schema refusal: details is a list of { field, message }')

  const byHandler = await failure(api.get(`/api/projects/${site.projectId}/payouts/${MONTH}/lines?card=6217000000000000002&workerId=${site.workerId}`))
  t.equal(byHandler.code, 'validation_failed')
  t.ok(Array.isArray(byHandler.details), `a handler's refusal: details is a list too (got ${JSON.stringify(byHandler.details)})`)

  const badCursor = await failure(api.get(`/api/projects/${site.projectId}/payout-files?after=nonsense`))
  t.equal(badCursor.code, 'validation_failed')
  t.ok(Array.isArray(badCursor.details), `a cursor refusal: details is a list too (got ${JSON.stringify(badCursor.details)})`)
})
