/**
 * The project-level checks (issue 11) over the real service, on the run's engine, through HTTP: one delimited result
 * file for a month of thirteen enrolled people raises SHARED_CARD (one worker's card paid under a teammate's name),
 * PAID_TO_NON_WORKER (the team leader, on no sheet and no timesheet), OVERSIZED (one worker over ¥50,000),
 * EXITED_UNSETTLED (a worker who left on the 20th, unpaid) and GROUP_ARREARS (ten unpaid after the pay date); each
 * becomes a case with the subject its key rules give and the colour SEVERITY_RULES give.
 */
import t from 'tap'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { startTestServer } from '../helpers/server.ts'

const MONTH = '2026-10'
const HEADER = 'seq|payee_card|payee_name|amount|status|bank_ref|value_date|failure_reason'

interface FlagJson {
  kind: string
  workerId: string | null
  dueFen: number | null
  paidFen: number | null
  evidence: Record<string, unknown>
}
interface CaseJson {
  kind: string
  flagKind: string
  state: string
  severity: string
  workerId: string | null
}

t.test('one delimited file raises the project-level checks, and each is a case', async (t) => {
  // Ten days after the pay date (2026-11-10).
  const server = await startTestServer(t, { clock: { nowMs: () => Date.UTC(2026, 10, 20, 4) } })
  const { api, services } = server
  const plan = planSite({ ...DEFAULT_SITE, siteCode: 'PFLAGS-1', workers: 13, teams: 1, seed: 1111 })
  const site = await registerSite(api, { ...plan, devices: [] })
  const P = `/api/projects/${site.projectId}`
  const enrolments = new Map((await services.roster.listEnrolments(site.projectId)).map((e) => [e.worker.id, e.enrolment.id]))
  const people = plan.workers.map((w) => ({ ...w, id: site.workerIds.get(w.key)! }))
  const [a, b, c, d] = people as [(typeof people)[number], (typeof people)[number], (typeof people)[number], (typeof people)[number]]
  const leader = people[12]!
  const onSheet = people.slice(0, 12)

  // The team's approved sheet: twelve workers, C due ¥60,000 (a year-end bonus month), the others ¥3,000 to ¥4,100.
  await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamIds[0]!,
    period: MONTH,
    payDate: '2026-11-10',
    atMs: Date.UTC(2026, 10, 5),
    lines: onSheet.map((w, i) => ({
      workerId: w.id,
      enrolmentId: enrolments.get(w.id)!,
      workerName: w.name,
      idNumber: w.idNumber,
      bankName: '中国农业银行',
      cardNo: w.cardNo,
      netFen: w === c ? 6_000_000 : 300_000 + i * 10_000,
      answer: 'confirm' as const,
    })),
  })
  // D left on 20 October; the settlement deadline (exit + 3 days) has long passed.
  await api.post(`${P}/enrolments/${enrolments.get(d.id)!}/exit`, { exitDate: '2026-10-20' })

  // September paid C ¥250,000 (the year's earlier months are read from their own lines), so October's ¥60,000 also
  // carries C's year past ¥300,000.
  await api.request('POST', `${P}/payout-files?period=2026-09`, Buffer.from([HEADER, `1|${c.cardNo}|${c.name}|250000.00|success|PS1|2026-10-09|`].join('\n')), 'text/plain')

  // A paid in full, and B's wages on A's card under B's name; C paid ¥60,000; the team leader paid; nobody else.
  const aDue = 300_000
  const file = [
    HEADER,
    `1|${a.cardNo}|${a.name}|${(aDue / 100).toFixed(2)}|success|PF1|2026-11-09|`,
    `2|${a.cardNo}|${b.name}|3100.00|success|PF2|2026-11-09|`,
    `3|${c.cardNo}|${c.name}|60000.00|success|PF3|2026-11-09|`,
    `4|${leader.cardNo}|${leader.name}|2000.00|success|PF4|2026-11-09|`,
  ].join('\n')
  const posted = await api.request<{ reconciliation: { flags: FlagJson[] } }>('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from(file), 'text/plain')
  const flags = posted.reconciliation.flags
  const only = (kind: string): FlagJson[] => flags.filter((f) => f.kind === kind)

  const shared = only('SHARED_CARD')
  t.equal(shared.length, 1, 'one card paid for two workers')
  t.match(shared[0], { workerId: null, paidFen: aDue + 310_000, evidence: { workerCount: 2, payeeCard: `****${a.cardNo.slice(-4)}` } })
  t.same((shared[0]?.evidence.workers as Array<{ workerId: string }>).map((w) => w.workerId), [a.id, b.id].sort())

  const arrears = only('GROUP_ARREARS')
  t.equal(arrears.length, 1)
  // B (paid only on A's card), D and the eight others without a line: ten of twelve.
  t.match(arrears[0], { workerId: null, paidFen: 0, evidence: { workerCount: 10, unpaidCount: 10, threshold: 10 } })

  t.match(only('PAID_TO_NON_WORKER'), [{ workerId: leader.id, paidFen: 200_000, evidence: { onTimesheet: false, onPayrollSheet: false } }])
  t.notOk(flags.some((f) => f.kind === 'PAID_WITHOUT_ATTENDANCE'), 'not both')
  t.match(only('OVERSIZED'), [{ workerId: c.id, paidFen: 6_000_000, evidence: { rules: ['month', 'year'], yearToDateFen: 31_000_000 } }])
  t.match(only('EXITED_UNSETTLED'), [{ workerId: d.id, paidFen: 0, evidence: { exitDate: '2026-10-20', deadline: '2026-10-23' } }])
  t.notOk(flags.some((f) => f.kind === 'HEADCOUNT_GAP'), 'no attendance recorded, so no headcount to compare')

  const order = flags.map((f) => f.kind)
  t.same(
    order.slice(order.indexOf('SHARED_CARD')).filter((k) => ['SHARED_CARD', 'PAID_TO_NON_WORKER', 'OVERSIZED', 'EXITED_UNSETTLED', 'GROUP_ARREARS'].includes(k)),
    ['SHARED_CARD', 'PAID_TO_NON_WORKER', 'OVERSIZED', 'EXITED_UNSETTLED', 'GROUP_ARREARS'],
    'in the documented order, last',
  )
  const body = await (await api.fetch(`${P}/flags/${MONTH}`)).text()
  for (const w of people) t.notOk(body.includes(w.cardNo), 'no card in clear')

  const cases = await api.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)
  const caseOf = (kind: string): CaseJson | undefined => cases.find((x) => x.kind === kind)
  t.match(caseOf('SHARED_CARD'), { state: 'open', severity: 'red', workerId: null })
  t.match(caseOf('GROUP_ARREARS'), { state: 'open', severity: 'red', workerId: null })
  t.match(caseOf('PAID_TO_NON_WORKER'), { severity: 'red', workerId: leader.id })
  t.match(caseOf('OVERSIZED'), { severity: 'yellow', workerId: c.id })
  t.match(caseOf('EXITED_UNSETTLED'), { severity: 'yellow', workerId: d.id })

  // The rest paid: the group is no longer in arrears, its case resolves; the shared card stays what it was.
  const rest = onSheet.filter((w) => w !== a && w !== c)
  const file2 = [
    HEADER,
    ...rest.map((w, i) => {
      const netFen = 300_000 + onSheet.indexOf(w) * 10_000
      return `${i + 1}|${w.cardNo}|${w.name}|${(netFen / 100).toFixed(2)}|success|PR${i + 1}|2026-11-19|`
    }),
  ].join('\n')
  const second = await api.request<{ reconciliation: { flags: FlagJson[] } }>('POST', `${P}/payout-files?period=${MONTH}`, Buffer.from(file2), 'text/plain')
  const kinds2 = second.reconciliation.flags.map((f) => f.kind)
  t.notOk(kinds2.includes('GROUP_ARREARS'), 'everyone paid: no group in arrears')
  t.ok(kinds2.includes('SHARED_CARD'))
  const after = await api.get<CaseJson[]>(`${P}/cases?month=${MONTH}`)
  t.match(after.find((x) => x.kind === 'GROUP_ARREARS'), { state: 'resolved' })
  t.match(after.find((x) => x.kind === 'EXITED_UNSETTLED'), { state: 'resolved' }, 'D settled (late): the case closes')
})
