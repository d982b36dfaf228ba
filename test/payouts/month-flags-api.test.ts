/**
 * The month's flags over HTTP with an approved payroll sheet (issue 10), on the run's engine: due is the sheet's net,
 * unanswered and disputed lines are flagged, a payout debited from another account does not count, the file's new
 * columns are stored and listed masked, and an instructed sheet is settled once every line is paid in full.
 */
import iconv from 'iconv-lite'
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'
const OTHER_ACCOUNT = '6217888800001111'

interface FlagJson {
  kind: string
  workerId: string | null
  dueFen: number | null
  paidFen: number | null
  evidence: Record<string, unknown>
}

t.test('flags against the approved sheet, the payer column, and settlement', async (t) => {
  // After the pay date (2026-11-10): the month is due.
  const server = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 10, 20, 4) } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'SHEETS-1', workers: 3, teams: 1, seed: 1010 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const [a, b, c] = plan.workers.map((w) => ({ ...w, id: site.workerIds.get(w.key)! })) as [
    (typeof plan.workers)[number] & { id: string },
    (typeof plan.workers)[number] & { id: string },
    (typeof plan.workers)[number] & { id: string },
  ]
  const fixtureLine = (w: typeof a, netFen: number, answer: 'confirm' | 'dispute' | undefined, payableFen = netFen) => ({
    workerId: w.id,
    enrolmentId: enrolments.get(w.id)!,
    workerName: w.name,
    idNumber: w.idNumber,
    bankName: '中国农业银行',
    cardNo: w.cardNo,
    netFen,
    payableFen,
    dayHalves: 40,
    ...(answer === undefined ? {} : { answer }),
  })
  const { sheetId } = await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period: MONTH,
    payDate: '2026-11-10',
    lines: [fixtureLine(a, 500000, 'confirm', 600000), fixtureLine(b, 400000, 'dispute'), fixtureLine(c, 300000, undefined)],
    states: ['sent', 'submitted', 'approved', 'instructed'],
    atMs: Date.UTC(2026, 10, 5),
  })

  // A GBK file with Chinese headers and the two new columns: A's 5000.00 is the net (the 1000.00 deduction is no
  // shortfall), B's came from another account, C's names its EndToEndId.
  const file1 = [
    '序号|收款账号|收款人|金额|状态|银行流水号|入账日期|失败原因|付款账号|端到端标识号',
    `1|${a.cardNo}|${a.name}|5000.00|成功|R1|2026-11-09|||`,
    `2|${b.cardNo}|${b.name}|4000.00|成功|R2|2026-11-09||${OTHER_ACCOUNT}|`,
    `3|${c.cardNo}|${c.name}|3000.00|成功|R3|2026-11-09|||E2E-C-202610-01`,
  ].join('\r\n')
  const posted = await api.request<{ reconciliation: { flags: FlagJson[] } }>('POST', `${P}/payout-files?period=${MONTH}`, iconv.encode(file1, 'gbk'), 'text/plain')
  const kinds = posted.reconciliation.flags.map((f) => [f.kind, f.workerId])
  t.same(kinds, [
    ['UNPAID', b.id],
    ['PAYER_NOT_DEDICATED', null],
    ['NOT_WORKER_CONFIRMED', [b.id, c.id].sort()[0]],
    ['NOT_WORKER_CONFIRMED', [b.id, c.id].sort()[1]],
    // The approved sheet is the team's attendance (20 days each): one of the three is unpaid after the pay date.
    ['HEADCOUNT_GAP', null],
  ])
  const unpaid = posted.reconciliation.flags[0]!
  t.equal(unpaid.dueFen, 400000)
  t.match(unpaid.evidence, { dueFrom: 'payroll_sheet', sheetLines: [{ sheetId, answer: 'dispute', netFen: 400000 }] })
  const payer = posted.reconciliation.flags[1]!
  t.equal(payer.paidFen, 400000)
  t.match(payer.evidence, { debitAccount: '****1111', payoutsCount: 1, payouts: [{ bankRef: 'R2', payeeCard: `****${b.cardNo.slice(-4)}` }] })
  const unconfirmedC = posted.reconciliation.flags.find((f) => f.kind === 'NOT_WORKER_CONFIRMED' && f.workerId === c.id)
  t.match(unconfirmedC?.evidence, { sheetId, version: 1, answer: null })

  const flagsBody = await (await api.fetch(`${P}/flags/${MONTH}`)).text()
  for (const secret of [OTHER_ACCOUNT, a.cardNo, b.cardNo, c.cardNo]) t.notOk(flagsBody.includes(secret), 'no account or card number in clear')

  const lines = await api.get<Array<{ bankRef: string; payerAccountMasked: string | null; endToEndId: string | null }>>(`${P}/payouts/${MONTH}/lines`)
  t.same(
    lines.map((l) => [l.bankRef, l.payerAccountMasked, l.endToEndId]),
    [
      ['R1', null, null],
      ['R2', '****1111', null],
      ['R3', null, 'E2E-C-202610-01'],
    ],
  )
  t.equal((await services.sheets.approvedForMonth(site.projectId, MONTH))[0]?.state, 'instructed', 'a worker unpaid: not settled')

  // B paid again from the dedicated account (no payer column: the account the file is posted for): the sheet is settled.
  const file2 = ['seq,payee_card,payee_name,amount,status,bank_ref,value_date', `1,${b.cardNo},${b.name},4000.00,success,R4,2026-11-12`].join('\n')
  const second = await api.request<{ reconciliation: { flags: FlagJson[] } }>('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from(file2), 'text/plain')
  t.same(
    second.reconciliation.flags.map((f) => f.kind),
    ['LATE', 'PAYER_NOT_DEDICATED', 'NOT_WORKER_CONFIRMED', 'NOT_WORKER_CONFIRMED'],
  )
  t.equal((await services.sheets.approvedForMonth(site.projectId, MONTH))[0]?.state, 'settled', 'every line paid in full: settled')
})

t.test('the new columns are validated like the others: the file is refused whole', async (t) => {
  const server = await startTestServer(t)
  const { api } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'SHEETS-2', workers: 1, teams: 1, seed: 1011 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const w = plan.workers[0]!
  const file = [
    'seq|payee_card|payee_name|amount|status|bank_ref|value_date|payer_account|end_to_end_id',
    `1|${w.cardNo}|${w.name}|100.00|success|R1|2026-11-09|12AB|E2E-1`,
    `2|${w.cardNo}|${w.name}|100.00|success|R2|2026-11-09|1234567|`,
    `3|${w.cardNo}|${w.name}|100.00|success|R3|2026-11-09||${'X'.repeat(36)}`,
    `4|${w.cardNo}|${w.name}|100.00|success|R4|2026-11-09|6217 8888 0000 1111|E2E 4`,
  ].join('\n')
  const res = await api.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', body: file, headers: { 'content-type': 'text/plain' } })
  t.equal(res.status, 422)
  const body = (await res.json()) as { error: { code: string; details: { errors: Array<{ line: number; field: string; code: string }> } } }
  t.equal(body.error.code, 'payout_file_invalid')
  t.same(
    body.error.details.errors.map((e) => [e.line, e.field, e.code]),
    [
      [2, 'payer_account', 'bad_payer_account'],
      [3, 'payer_account', 'bad_payer_account'],
      [4, 'end_to_end_id', 'bad_end_to_end_id'],
      [5, 'end_to_end_id', 'bad_end_to_end_id'],
    ],
  )
  t.same(await api.get(`/api/projects/${site.projectId}/payout-files`), [], 'nothing stored')
})
