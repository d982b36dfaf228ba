/**
 * A worker reading their own pay inputs and payroll lines saw who recorded each as staff views name it: the login
 * (`lm.zhang`) or the API key's prefix (`wlk_…`) on wage terms (recordedBy), piece quantities and pay items and their
 * withdrawals (enteredBy), and the piece quantities held on a payroll line (enteredBy). The worker reads the login's
 * display name, or the organisation of the key; staff keep the login and the key.
 */
import t, { type Test } from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { createKey, createLogin, logIn, PASSWORD, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('a worker sees who recorded their pay inputs by name or organisation, never a login or key prefix', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-03T02:00:00Z'))
  const { api: admin } = await startTestServer(t, { clock })
  const site = await registerAccessSite(admin, { tag: 'WPA', regionCode: '330106', bankCode: '103331000011', seed: 98 })
  const P = `/api/projects/${site.projectId}`
  const W = `${P}/workers/${site.workerId}`
  const user = (login: string, displayName: string, role: string, organisationId: string) => admin.post<{ id: string }>('/api/users', { login, displayName, password: PASSWORD, role, organisationId })
  const ids = [(await user('lm.wpa', '张立明', 'labour_manager', site.generalContractorId)).id, (await user('tm.wpa', '李建国', 'team_manager', site.subcontractorId)).id]
  const lm = admin.as(await logIn(admin, 'lm.wpa'))
  const tm = admin.as(await logIn(admin, 'tm.wpa'))
  const k = await createKey(admin, 'HR system', 'labour_manager', { organisationId: site.generalContractorId })
  const robot = admin.as(k.key)
  await createLogin(admin, 'wpa-w', 'worker', { workerId: site.workerId })
  const worker = admin.as(await logIn(admin, 'wpa-w'))
  const tick = (): void => clock.advance(1_000)

  // Piece terms from entry, restated by the key; quantities by each, one withdrawn; pay items by each, one withdrawn.
  const rates = [{ itemKind: '绑扎钢筋 t', unitPriceFen: 50_000 }]
  await lm.post(`${W}/wage-terms`, { effectiveFrom: '2026-09-01', terms: { kind: 'piece', rates }, reason: '计件' })
  tick()
  await robot.post(`${W}/wage-terms`, { effectiveFrom: '2026-10-01', terms: { kind: 'piece', rates }, reason: '重录' })
  const Q = `${W}/piece-quantities`
  const q1 = (await lm.post<{ id: string }>(Q, { workDate: '2026-10-12', itemKind: '绑扎钢筋 t', quantity: '2' })).id
  tick()
  await tm.post(Q, { workDate: '2026-10-12', itemKind: '绑扎钢筋 t', quantity: '1' })
  tick()
  await robot.post(Q, { workDate: '2026-10-13', itemKind: '绑扎钢筋 t', quantity: '3' })
  tick()
  const q4 = (await robot.post<{ id: string }>(Q, { workDate: '2026-10-13', itemKind: '绑扎钢筋 t', quantity: '9' })).id
  tick()
  await tm.post(Q, { withdrawsId: q4, note: '录重了' })
  await worker.post(`${Q}/${q1}/answer`, { decision: 'confirm', channel: 'app' })
  const I = `${W}/pay-items`
  await tm.post(I, { period: '2026-10', side: 'addition', reason: '高温补贴', amountFen: 30_000 })
  tick()
  const d = (await robot.post<{ id: string }>(I, { period: '2026-10', side: 'deduction', reason: 'advance', amountFen: 5_000 })).id
  tick()
  await lm.post(I, { withdrawsId: d, note: '未预支' })

  const leaks = (t: Test, reply: unknown): void => {
    const text = JSON.stringify(reply)
    t.notMatch(text, /lm\.wpa|tm\.wpa|wlk_/, 'no login name or key prefix in the reply')
    t.notOk([...ids, k.id].some((id) => text.includes(id)), 'no id of a login or key in the reply')
  }

  await t.test('wage terms: recordedBy', async (t) => {
    type Listing = { versions: Array<{ base: boolean; recordedBy: string }> }
    const recorded = (l: Listing): string[] => l.versions.filter((v) => !v.base).map((v) => v.recordedBy)
    t.same(recorded(await admin.get<Listing>(`${W}/wage-terms`)), ['lm.wpa', k.prefix], 'staff see the login and the key')
    const own = await worker.get<Listing>(`${W}/wage-terms`)
    t.same(recorded(own), ['张立明', '总包 WPA'])
    leaks(t, own)
  })

  await t.test('piece quantities and their withdrawal: enteredBy', async (t) => {
    type Listing = { quantities: Array<{ enteredBy: string; withdrawal: { enteredBy: string } | null }> }
    const entered = (l: Listing): string[] => l.quantities.flatMap((q) => [q.enteredBy, ...(q.withdrawal ? [q.withdrawal.enteredBy] : [])])
    const staff = entered(await admin.get<Listing>(`${Q}?period=2026-10`))
    t.ok(staff.includes('tm.wpa') && staff.includes(k.prefix), 'staff see the logins and the key')
    const own = await worker.get<Listing>(`${Q}?period=2026-10`)
    t.same(new Set(entered(own)), new Set(['张立明', '李建国', '总包 WPA']))
    leaks(t, own)
  })

  await t.test('pay items and their withdrawal: enteredBy', async (t) => {
    type Listing = { items: Array<{ enteredBy: string; withdrawal: { enteredBy: string } | null }> }
    const entered = (l: Listing): string[] => l.items.flatMap((i) => [i.enteredBy, ...(i.withdrawal ? [i.withdrawal.enteredBy] : [])])
    const staff = entered(await admin.get<Listing>(`${I}?period=2026-10`))
    t.ok(staff.includes('lm.wpa') && staff.includes(k.prefix), 'staff see the logins and the key')
    const own = await worker.get<Listing>(`${I}?period=2026-10`)
    t.same(new Set(entered(own)), new Set(['张立明', '李建国', '总包 WPA']))
    leaks(t, own)
  })

  await t.test("the piece quantities held on the worker's payroll line: enteredBy", async (t) => {
    for (const day of ['2026-10-12', '2026-10-13']) await admin.post(`${W}/days/${day}/corrections`, { kind: 'set_status', status: 'present', reason: '手工考勤', author: '劳资员' })
    await admin.post(`${P}/teams/${site.teamId}/timesheets/2026-10/confirmation`, { confirmedBy: '劳资员' })
    const T = `${P}/teams/${site.teamId}/payroll-sheets/2026-10`
    await lm.post(T, {})
    await lm.post(`${T}/send`, {})
    type Lines = { lines: Array<{ heldPieceQuantities: Array<{ enteredBy: string }> }> }
    const held = (l: Lines): string[] => l.lines.flatMap((x) => x.heldPieceQuantities.map((q) => q.enteredBy)).sort()
    t.same(held(await admin.get<Lines>(`${W}/payroll/2026-10`)), ['tm.wpa', k.prefix].sort(), 'staff see the login and the key')
    const own = await worker.get<Lines>(`${W}/payroll/2026-10`)
    t.same(held(own), ['李建国', '总包 WPA'].sort())
    leaks(t, own)
  })
})
