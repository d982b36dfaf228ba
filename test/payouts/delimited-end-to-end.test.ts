/**
 * A delimited line naming our EndToEndId answers that instruction's month, as in every other format (found by review):
 * October's instruction reported in a file posted for September is refused (wrong_period), not counted in both months.
 */
import t from 'tap'
import { failure } from '../helpers/server.ts'
import { setUp } from './helpers/instructed-site.ts'

t.test("a delimited line of October's instruction posted for September is refused", async (t) => {
  const s = await setUp(t, 7501)
  const w = s.workers[0]!
  const file = (date: string): string => `序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因|付款账号|端到端标识号\n1|${w.cardNo}|${w.workerName}|100.00|成功|DLM-PER-1|${date}||${s.account}|${s.e2eOf(0)}\n`
  t.match(
    await failure(s.postFor('2026-09', file('2026-09-30'), 'text/plain')),
    { status: 422, code: 'payout_file_invalid', details: { errors: [{ line: 2, field: 'end_to_end_id', code: 'wrong_period', message: /answers the instruction of 2026-10/ }] } },
    'posted for September: wrong_period',
  )
  t.match(await s.post(file('2026-11-10'), 'text/plain'), { outcome: 'payout_file_stored', file: { successCount: 1 } }, 'posted for its own month: stored')
})
