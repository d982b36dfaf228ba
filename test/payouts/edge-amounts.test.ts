/**
 * Edge amounts and wrapped bodies on the payout-file route, over the real
 * service: an amount no wage reaches is refused where it enters and kept, so
 * it can never lock its month; a month takes no more lines than its limit; a
 * file sent as JSON or XML is told which types the route reads.
 */
import t, { type Test } from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { fen } from '../../src/kernel/money.ts'
import { newId } from '../../src/kernel/ids.ts'
import { PayoutRepository } from '../../src/payouts/repository.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

async function site(t: Test, seed: number) {
  const server = await startTestServer(t)
  const plan = planSite({ ...DEFAULT_SITE, siteCode: `EDGE-${seed}`, workers: 2, teams: 1, seed })
  const registered = await registerSite(server.api, { ...plan, devices: [] })
  const w = plan.workers[0]!
  const path = (month: string, filename = 'result.txt'): string => `/api/projects/${registered.projectId}/payout-files?period=${month}&filename=${filename}`
  const line = (seq: number, amount: string, ref: string): string => `${seq}|${w.cardNo}|${w.name}|${amount}|success|${ref}|2026-11-08|`
  return { server, api: server.api, projectId: registered.projectId, path, line }
}

t.test('one line of 9999999999.99 is refused and kept; the month goes on', async (t) => {
  const { api, projectId, path, line } = await site(t, 301)
  const bad = Buffer.from([HEADER, line(1, '7000.00', 'R1'), line(2, '9999999999.99', 'R2')].join('\n'))
  const refused = await failure(api.request('POST', path('2026-10', 'huge.txt'), bad, 'text/plain'))
  t.equal(refused.status, 422)
  t.equal(refused.code, 'payout_file_invalid')
  const errors = (refused.details as { errors: Array<{ line: number; field: string; code: string; message: string }> }).errors
  t.same(
    errors.map((e) => [e.line, e.field, e.code]),
    [[3, 'amount', 'amount_too_large']],
    'the one line is named',
  )
  t.match(errors[0]!.message, /1000000\.00/, 'with the maximum, so the clerk knows what is accepted')
  t.same(await api.get(`/api/projects/${projectId}/payout-files`), [], 'nothing stored')
  const kept = await api.get<Array<{ recordId: string | null; detail: string }>>(`/api/rejected-inputs?projectId=${projectId}&reason=payout_file_invalid`)
  t.same(
    kept.map((k) => k.recordId),
    ['huge.txt'],
    'the file is kept in rejected inputs',
  )
  t.match(kept[0]!.detail, /amount_too_large/)

  const good = Buffer.from([HEADER, line(1, '7000.00', 'R1'), line(2, '1000000.00', 'R2')].join('\n'))
  const stored = await api.request<{ outcome: string; reconciliation: { run: { paidFen: number; unknownPaidFen: number } } }>('POST', path('2026-10'), good, 'text/plain')
  t.equal(stored.outcome, 'payout_file_stored', 'a later file of the month is stored, a line at the maximum included')
  t.equal(stored.reconciliation.run.paidFen + stored.reconciliation.run.unknownPaidFen, 700_000 + LIMITS.payout_line_amount_fen_max)
  const more = Buffer.from([HEADER, line(1, '1000000.00', 'R3')].join('\n'))
  t.equal((await api.request<{ outcome: string }>('POST', path('2026-10', 'more.txt'), more, 'text/plain')).outcome, 'payout_file_stored')
  await api.get(`/api/projects/${projectId}/summary/2026-10`)
  await api.get(`/api/projects/${projectId}/flags/2026-10`)
  await api.get(`/api/projects/${projectId}/payroll/2026-10`)
  t.pass('the month still reads')
})

t.test('a pay month holds at most its line limit; the file that would pass it is refused and kept', async (t) => {
  const { server, api, projectId, path, line } = await site(t, 302)
  const month = '2026-10'
  // The month is filled one line short of the limit, every line at the maximum, as posted files would fill it. Posting
  // 200,000 lines over HTTP only repeats what the file tests prove; the lines go in through the repository's bulk insert.
  const filling = LIMITS.payout_lines_per_project_month_max - 1
  const fileId = newId()
  const repo = new PayoutRepository(server.services.db)
  await repo.transaction(async () => {
    await repo.insertFile(
      {
        id: fileId,
        projectId,
        period: month,
        sha256: 'f'.repeat(64),
        filename: 'fill.txt',
        encoding: 'utf-8',
        lineCount: filling,
        successCount: filling,
        successFen: fen(filling * LIMITS.payout_line_amount_fen_max),
        failedCount: 0,
        failedFen: fen(0),
        format: 'delimited',
        variant: null,
        messageId: null,
        pendingCount: 0,
        returnedCount: 0,
        returnedFen: 0,
        postedBy: null,
        postedAtMs: Date.now(),
      },
      [],
    )
    // In slices, so the test never holds 200,000 row objects at once.
    for (let from = 0; from < filling; from += 10_000) {
      await repo.insertLines(
        Array.from({ length: Math.min(10_000, filling - from) }, (_, k) => {
          const i = from + k
          return {
            id: newId(),
            fileId,
            projectId,
            period: month,
            lineNo: i + 2,
            seq: i + 1,
            payeeCard: '6222020200199999999',
            payeeName: '包工头',
            amountFen: LIMITS.payout_line_amount_fen_max,
            status: 'success' as const,
            bankRef: `FILL${i}`,
            valueDate: '2026-11-08',
            failureReason: null,
            payerAccountNo: null,
            endToEndId: null,
            reasonCode: null,
            returnOfEndToEndId: null,
            returnOfBankRef: null,
            uetr: null,
          }
        }),
      )
    }
  })

  const two = Buffer.from([HEADER, line(1, '1.00', 'OVER1'), line(2, '1.00', 'OVER2')].join('\n'))
  const refused = await failure(api.request('POST', path(month, 'over.txt'), two, 'text/plain'))
  t.equal(refused.code, 'payout_file_invalid')
  const errors = (refused.details as { errors: Array<{ line: number; code: string; message: string }> }).errors
  t.same(
    errors.map((e) => [e.line, e.code]),
    [[0, 'month_too_many_lines']],
  )
  t.match(errors[0]!.message, new RegExp(`${filling}.*${LIMITS.payout_lines_per_project_month_max}`), 'says what the month holds and the limit')
  const kept = await api.get<Array<{ recordId: string | null }>>(`/api/rejected-inputs?projectId=${projectId}&reason=payout_file_invalid`)
  t.same(
    kept.map((k) => k.recordId),
    ['over.txt'],
    'kept in rejected inputs',
  )
  const other = await api.request<{ outcome: string }>('POST', path('2026-11', 'other.txt'), two, 'text/plain')
  t.equal(other.outcome, 'payout_file_stored', 'another month of the project has its own limit')
})

t.test('a file wrapped in JSON or a form is answered 415 with the accepted types; XML that is no bank format is refused as a file', async (t) => {
  const { server, path, line } = await site(t, 303)
  const accepted = ['text/plain', 'text/csv', 'application/octet-stream', 'application/xml', 'text/xml']
  const post = async (body: string, contentType: string): Promise<{ status: number; body: { error?: { code: string; details?: { accepted?: string[] } } } }> => {
    const res = await server.api.fetch(path('2026-10'), { method: 'POST', headers: { 'content-type': contentType }, body })
    return { status: res.status, body: (await res.json()) as { error?: { code: string; details?: { accepted?: string[] } } } }
  }
  const file = [HEADER, line(1, '7000.00', 'R1')].join('\n')
  for (const [body, type] of [
    [JSON.stringify({ file }), 'application/json'],
    [JSON.stringify({ file }), 'application/json; charset=utf-8'],
    [`file=${encodeURIComponent(file)}`, 'application/x-www-form-urlencoded'],
    ['{ not json', 'application/json'],
  ] as const) {
    const r = await post(body, type)
    t.equal(r.status, 415, type)
    t.equal(r.body.error?.code, 'unsupported_media_type', type)
    t.same(r.body.error?.details?.accepted, accepted, `${type}: lists the accepted types`)
  }
  // XML is how ISO 20022 and 银企直联 results come: read, and refused as no format it knows, with the reason kept.
  for (const [body, type] of [
    [`<file><![CDATA[${file}]]></file>`, 'application/xml'],
    [`<file/>`, 'text/xml'],
  ] as const) {
    const r = await post(body, type)
    t.equal(r.status, 422, type)
    t.equal(r.body.error?.code, 'payout_file_invalid', type)
  }
  const untyped = await server.api.fetch(path('2026-10'), { method: 'POST', body: Buffer.from(file) })
  t.equal(untyped.status, 415, 'bytes with no Content-Type at all')
  t.match(await untyped.json(), { error: { code: 'unsupported_media_type', details: { contentType: null, accepted } } })
  const bare = await server.api.fetch(path('2026-10'), { method: 'POST' })
  t.match(await bare.json(), { error: { code: 'payout_file_empty' } }, 'a post with nothing in it is "empty"')
  t.equal((await post('', 'text/plain')).body.error?.code, 'payout_file_empty', 'an accepted type with nothing in it is still "empty"')
  t.equal((await post(file, 'text/plain; charset=gbk')).status, 201, 'parameters of an accepted type are fine')
  t.equal((await post(file.replace('R1', 'R2'), 'TEXT/CSV')).status, 201, 'media types are case-insensitive')
})
