/**
 * One payment reported by two files, one naming it by our EndToEndId and one not (a 代发 result keeps only the
 * bank's 流水号): the report without the id takes the EndToEndId of the month's one instruction line with the same card
 * and amount, so the payment is counted once, and when a camt.054 returns it (退票) by the id, the worker is unpaid
 * again and may be paid anew. It was two payments: OVERPAID, and after the return still "paid" with no case open and
 * no re-attempt possible (found by review). Where two lines of ours fit, nothing is guessed.
 */
import t from 'tap'
import { fen } from '../../src/kernel/money.ts'
import { formatPayoutFile } from '../../src/payouts/file-format.ts'
import { PayoutRepository } from '../../src/payouts/repository.ts'
import { InstructionRepository } from '../../src/instructions/repository.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { camt054, entry, txDtls } from '../helpers/camt054.ts'
import { startTestServer } from '../helpers/server.ts'

const AT_MS = Date.UTC(2026, 10, 9, 4)
const DAY_MS = 86_400_000

const tx = (e2e: string, card: string, yuan: string, extra = ''): string => txDtls({ endToEndId: e2e, card, name: '工人1', yuan }, extra)

t.test('a payment reported with and without our EndToEndId is one payment, and its return is seen', async (t) => {
  let nowMs = AT_MS
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => nowMs } })
  const site = await registerAccessSite(api, { tag: 'SP-1', regionCode: '330106', bankCode: '103331000011', seed: 2411 })
  const rng = new Rng(2412)
  await createLogin(api, 'lm.sp', 'labour_manager', { organisationId: site.generalContractorId })
  let lm = api.as(await logIn(api, 'lm.sp'))
  const bank = api.as((await createKey(api, 'bank SP', 'bank', { bankCode: '103331000011' })).key)
  const account = '1202020109000054321'
  await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '103331000011', accountNo: account, accountName: '总包 SP-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
  const workers = []
  for (const i of [1, 2]) {
    const card = cardNumber(2450 + i)
    const id = idNumber(rng, 2450 + i)
    const w = await api.post<{ id: string }>('/api/workers', { name: `工人${i}`, idNumber: id, bankName: '建行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-SPX-${i}` })
    workers.push({ workerId: w.id, enrolmentId: e.id, workerName: `工人${i}`, idNumber: id, bankName: '建行', cardNo: card })
  }
  const [w1, w2] = workers as [(typeof workers)[number], (typeof workers)[number]]
  await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', atMs: AT_MS, lines: [{ ...w1, netFen: 700_00, answer: 'confirm' }, { ...w2, netFen: 500_00, answer: 'confirm' }] })
  const instruction = await lm.post<{ lines: Array<{ workerId: string; endToEndId: string }> }>(`/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`, {})
  const e2e1 = instruction.lines.find((l) => l.workerId === w1.workerId)!.endToEndId
  const e2e2 = instruction.lines.find((l) => l.workerId === w2.workerId)!.endToEndId
  const flagsOf = async () => (await api.get<{ flags: Array<{ kind: string; workerId: string | null }> }>(`/api/projects/${site.projectId}/flags/${MONTH}`)).flags.map((f) => `${f.kind} ${f.workerId === w1.workerId ? 'w1' : f.workerId === w2.workerId ? 'w2' : f.workerId}`).sort()
  const postText = async (body: Buffer) => {
    const res = await bank.fetch(`/api/projects/${site.projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
    t.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { file: { id: string } }).file.id
  }

  await t.test('the 代发 result (no EndToEndId) takes the id of the one line of ours it fits', async (t) => {
    const fileId = await postText(
      formatPayoutFile(
        [
          { seq: 1, payeeName: '工人1', payeeCard: w1.cardNo, amountFen: fen(700_00), status: 'success', bankRef: 'DF-1', valueDate: '2026-11-09', failureReason: null, payerAccountNo: null, endToEndId: null },
          // Worker 2 paid a different amount: no line of ours fits it, so it keeps no id.
          { seq: 2, payeeName: '工人2', payeeCard: w2.cardNo, amountFen: fen(400_00), status: 'success', bankRef: 'DF-2', valueDate: '2026-11-09', failureReason: null, payerAccountNo: null, endToEndId: null },
        ],
        { encoding: 'utf-8' },
      ),
    )
    const lines = await bank.get<Array<{ bankRef: string; endToEndId: string | null }>>(`/api/projects/${site.projectId}/payout-files/${fileId}/lines`)
    t.same(lines.map((l) => [l.bankRef, l.endToEndId]), [['DF-1', e2e1], ['DF-2', null]])
  })

  await t.test('the camt.054 of the same payment counts it once; its return makes the worker unpaid again', async (t) => {
    nowMs = AT_MS + 4 * DAY_MS
    await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(camt054('C54-SP', account, entry('BK-1', 'DBIT', '700.00', '2026-11-09', tx(e2e1, w1.cardNo, '700.00')))), 'application/xml')
    t.same(await flagsOf(), ['SHORTFALL w2'], 'worker 1 paid once (no OVERPAID), worker 2 short')
    await bank.request('POST', `/api/projects/${site.projectId}/payout-files?period=${MONTH}`, Buffer.from(camt054('C54-SP-R', account, entry('BK-2', 'CRDT', '700.00', '2026-11-12', tx(e2e1, w1.cardNo, '700.00', '<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>')))), 'application/xml')
    t.same(await flagsOf(), ['RETURNED w1', 'SHORTFALL w2', 'UNPAID w1'], 'the return is seen: the 代发 report no longer keeps worker 1 paid')
    lm = api.as(await logIn(api, 'lm.sp'))
    const again = await lm.post<{ lines: Array<{ attempt: number }> }>(`/api/projects/${site.projectId}/workers/${w1.workerId}/instructions/${MONTH}/retry`, { reason: '退票后重发' })
    t.equal(again.lines[0]!.attempt, 2, 'the returned payment may be made again')
    t.ok(e2e2, 'worker 2 was instructed')
  })

  await t.test('past one IN list of cards or ids, the month is read once and sifted: the same answers', async (t) => {
    const fakeCards = Array.from({ length: 600 }, (_, i) => `621700000${String(i).padStart(10, '0')}`)
    const [few, many] = await Promise.all(
      [[w1.cardNo, w2.cardNo], [w1.cardNo, ...fakeCards, w2.cardNo]].map(async (cards) =>
        (await new InstructionRepository(services.db).linesToCards(site.projectId, MONTH, cards)).map((l) => `${l.endToEndId} ${l.amountFen}`).sort(),
      ),
    )
    t.same(many, few, 'the same lines either way')
    t.ok(few!.includes(`${e2e1} 70000`) && few!.includes(`${e2e2} 50000`), 'both workers\' lines, the re-attempt too')
    const fakeIds = Array.from({ length: 600 }, (_, i) => `FAKE-${i}`)
    for (const ids of [[e2e1], [...fakeIds, e2e1]]) {
      const reports = await new PayoutRepository(services.db).reportsOfEndToEndIds(site.projectId, MONTH, ids)
      t.same([...new Set(reports.map((r) => r.status))].sort(), ['returned', 'success'], `${ids.length} ids`)
    }
  })
})
