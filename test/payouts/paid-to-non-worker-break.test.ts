/**
 * (Found by review.) PAID_TO_NON_WORKER's evidence gave the enrolment's first entry and the exit in force alone: for a
 * worker who left and came back (再次进场) that reads "entered in September, never left", as if they were on site all of
 * a month they spent wholly away between the exit and the return. The evidence now carries the breaks and whether the
 * person was enrolled in the month at all (`enrolledInMonth`).
 *
 * The worker 张伟: entered 2026-09-01, exited 2026-09-30, back on 2026-11-02: on site in September and November, away
 * all of October; paid in September and in October with no attendance either month.
 */
import t from 'tap'
import { cardNumber } from '../../simulators/identities.ts'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { createKey, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

const SEED = 4714

interface Flags {
  flags: Array<{ kind: string; workerId: string | null; evidence: Record<string, unknown> }>
}

t.test('PAID_TO_NON_WORKER says whether the person was enrolled in the month, breaks included', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-20T02:00:00Z'))
  const { api } = await startTestServer(t, { clock })
  const site = await registerAccessSite(api, { tag: 'PN-BRK', regionCode: '330106', bankCode: '103331000011', seed: SEED })
  const P = `/api/projects/${site.projectId}`
  await api.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-09-30' })
  await api.post(`${P}/enrolments/${site.enrolmentId}/return`, { returnDate: '2026-11-02' })
  const bank = api.as((await createKey(api, 'bank PN-BRK', 'bank', { bankCode: '103331000011' })).key)
  const pay = async (period: string, valueDate: string, ref: string): Promise<void> => {
    const body = formatPayoutFile([{ seq: 1, payeeCard: cardNumber(SEED), payeeName: '张伟', amountFen: fen(100_00), status: 'success', bankRef: ref, valueDate, failureReason: null }], { encoding: 'utf-8' })
    const res = await bank.fetch(`${P}/payout-files?period=${period}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
    t.equal(res.status, 201, `${period}'s file stored`)
  }
  await pay('2026-09', '2026-10-09', 'PN-09')
  await pay('2026-10', '2026-11-09', 'PN-10')
  const flagOf = async (month: string): Promise<Record<string, unknown> | undefined> =>
    (await api.get<Flags>(`${P}/flags/${month}`)).flags.find((f) => f.kind === 'PAID_TO_NON_WORKER' && f.workerId === site.workerId)?.evidence

  const breaks = [{ exitDate: '2026-09-30', returnDate: '2026-11-02' }]
  t.match(await flagOf('2026-09'), { period: '2026-09', entryDate: '2026-09-01', exitDate: null, breaks, enrolledInMonth: true }, 'September: enrolled, on site, no attendance')
  t.match(await flagOf('2026-10'), { period: '2026-10', entryDate: '2026-09-01', exitDate: null, breaks, enrolledInMonth: false }, 'October: away the whole month, not enrolled in it')
})
