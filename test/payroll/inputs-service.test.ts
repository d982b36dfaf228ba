/**
 * The pay inputs service against the run's engine: what `forMonth` gives the payroll sheets (the base version, a
 * restated version dropped, a recorded version before entry replacing the base, withdrawn quantities and items left
 * out, the newest answer deciding confirmed or disputed, the worker filter short and long), and `versionsOf`, the rule
 * behind the listing, as a property.
 */
import fc from 'fast-check'
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { fen } from '../../src/kernel/money.ts'
import { addDays, ManualClock } from '../../src/kernel/time.ts'
import { WORKER_IDS_INLINE_MAX, type EnrolmentFacts, type WageTermsRow } from '../../src/payroll/inputs-repository.ts'
import { baseVersionId, versionsOf } from '../../src/payroll/inputs-service.ts'
import { payLine } from '../../src/payroll/pay-line.ts'
import { orderedVersions, versionOn } from '../../src/payroll/terms.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'
import { holds } from '../helpers/property.ts'

const ADMIN = 'admin-test'

t.test('forMonth: versions, quantities with answers and withdrawals, pay items', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-20T04:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'PI-S1', regionCode: '330106', bankCode: '103331000011', seed: 311 })
  const P = `/api/projects/${site.projectId}`
  const svc = server.services.payInputs
  const tick = (): void => clock.advance(1_000)
  const w1 = site.workerId
  const e1 = site.enrolmentId

  // A second worker on the team, entering 2026-10-10; a third who is never given anything.
  const rng = new Rng(5)
  const w2 = (await admin.post<{ id: string }>('/api/workers', { name: '李强', idNumber: idNumber(rng, 3112), bankName: '建行', cardNo: cardNumber(3112) })).id
  const e2 = (await admin.post<{ id: string }>(`${P}/enrolments`, { workerId: w2, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-10', deviceUserId: 'W-PI-S1-2' })).id
  const w3 = (await admin.post<{ id: string }>('/api/workers', { name: '王芳', idNumber: idNumber(rng, 3113), bankName: '建行', cardNo: cardNumber(3113) })).id
  await admin.post(`${P}/enrolments`, { workerId: w3, teamId: site.teamId, dailyRate: '280.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-PI-S1-3' })

  await t.test('nothing recorded: the base version alone, from the entry date', async (t) => {
    const m = await svc.forMonth(site.projectId, '2026-11')
    t.equal(m.size, 3, 'every enrolment of the project')
    t.same(m.get(w1), {
      workerId: w1,
      enrolmentId: e1,
      versions: [{ id: baseVersionId(e1), enrolmentId: e1, effectiveFrom: '2026-09-01', terms: { kind: 'daily', dailyRateFen: 35_000 } }],
      pieceQuantities: [],
      disputedQuantityIds: [],
      additions: [],
      deductions: [],
      payItemIds: [],
    })
  })

  // Worker 1: a rise from 10-16; piece work from 11-01, restated the same day with a second item kind.
  const rise = await svc.recordTerms(site.projectId, w1, { effectiveFrom: '2026-10-16', terms: { kind: 'daily', dailyRateFen: fen(40_000) }, reason: '涨薪' }, ADMIN)
  tick()
  const piece1 = await svc.recordTerms(site.projectId, w1, { effectiveFrom: '2026-11-01', terms: { kind: 'piece', rates: [{ itemKind: '砌砖 m³', unitPriceFen: fen(8_500) }] }, reason: '改计件' }, ADMIN)
  tick()
  const piece2 = await svc.recordTerms(
    site.projectId,
    w1,
    { effectiveFrom: '2026-11-01', terms: { kind: 'piece', rates: [{ itemKind: '砌砖 m³', unitPriceFen: fen(9_000) }, { itemKind: '抹灰 m²', unitPriceFen: fen(1_200) }] }, reason: '单价重新约定' },
    ADMIN,
  )
  tick()
  // Worker 2: monthly terms recorded from before the entry date: the base never applies.
  const monthly = await svc.recordTerms(site.projectId, w2, { effectiveFrom: '2026-10-01', terms: { kind: 'monthly', monthlyWageFen: fen(800_000), expectedDays: 26 }, reason: '月薪合同' }, ADMIN)
  tick()

  await t.test('versions: the newest recorded per date, the base until the first', async (t) => {
    const m = await svc.forMonth(site.projectId, '2026-11')
    t.same(
      m.get(w1)?.versions.map((v) => [v.id, v.effectiveFrom]),
      [
        [baseVersionId(e1), '2026-09-01'],
        [rise.id, '2026-10-16'],
        [piece2.id, '2026-11-01'],
      ],
      'the restated piece version is dropped',
    )
    t.same(m.get(w1)?.versions[2]?.terms, { kind: 'piece', rates: [{ itemKind: '砌砖 m³', unitPriceFen: 9_000 }, { itemKind: '抹灰 m²', unitPriceFen: 1_200 }] })
    t.same(m.get(w2)?.versions.map((v) => v.id), [monthly.id], 'a version from before entry replaces the base')
    for (const inputs of m.values()) t.doesNotThrow(() => orderedVersions(inputs.versions), 'no two versions of one date reach the sheet')

    const listing = await svc.termsOf(site.projectId, w1)
    t.same(
      listing.versions.map((v) => [v.id, v.status, v.supersededBy, v.until]),
      [
        [baseVersionId(e1), 'in_force', null, '2026-10-15'],
        [rise.id, 'in_force', null, '2026-10-31'],
        [piece1.id, 'restated', piece2.id, null],
        [piece2.id, 'in_force', null, null],
      ],
    )
    t.equal(listing.inForceToday, piece2.id)
    const l2 = await svc.termsOf(site.projectId, w2)
    t.same(
      l2.versions.map((v) => [v.id, v.status, v.supersededBy]),
      [
        [monthly.id, 'in_force', null],
        [baseVersionId(e2), 'replaced', monthly.id],
      ],
    )
  })

  // Quantities of worker 1 in November, and one in October (another month) that the November read leaves out.
  const enter = async (workDate: string, itemKind: string, quantity: string) => {
    const v = await svc.enterQuantity(site.projectId, w1, { workDate, itemKind, quantity }, ADMIN)
    tick()
    return v.row.id
  }
  const answer = async (id: string, decision: 'confirm' | 'dispute') => {
    await svc.answerQuantity(site.projectId, w1, id, { decision, channel: 'app', note: decision === 'dispute' ? '数量不对' : null })
    tick()
  }
  const q1 = await enter('2026-11-03', '砌砖 m³', '12.5')
  const q2 = await enter('2026-11-04', '砌砖 m³', '3')
  const q3 = await enter('2026-11-05', '抹灰 m²', '40.125')
  const q4 = await enter('2026-11-06', '砌砖 m³', '7')
  const q5 = await enter('2026-11-07', '抹灰 m²', '1')
  await answer(q1, 'confirm')
  await answer(q2, 'dispute')
  await answer(q2, 'confirm')
  await answer(q3, 'confirm')
  await answer(q3, 'dispute')
  await answer(q4, 'confirm')
  const withdrawal = await svc.enterQuantity(site.projectId, w1, { withdrawsId: q4, note: '量错了' }, ADMIN)
  tick()
  const q4b = await enter('2026-11-06', '砌砖 m³', '6.5')

  // Pay items of worker 1: an addition, an advance withdrawn, social insurance, other with a note; one in October.
  const item = async (side: 'addition' | 'deduction', reason: string, amountFen: number, note?: string) => {
    const v = await svc.enterPayItem(site.projectId, w1, { period: '2026-11', side, reason, amountFen, ...(note === undefined ? {} : { note }) }, ADMIN)
    tick()
    return v.row.id
  }
  const i1 = await item('addition', '高温补贴', 30_000)
  const i2 = await item('deduction', 'advance', 50_000)
  const i3 = await item('deduction', 'social_insurance', 12_345)
  const i4 = await item('deduction', 'other', 2_000, '工具损坏')
  await svc.enterPayItem(site.projectId, w1, { withdrawsId: i2, note: '预支已在上月扣' }, ADMIN)
  tick()
  await svc.enterPayItem(site.projectId, w1, { period: '2026-10', side: 'addition', reason: '十月补贴', amountFen: 100 }, ADMIN)

  await t.test('quantities: withdrawn left out, the newest answer decides', async (t) => {
    const m = await svc.forMonth(site.projectId, '2026-11')
    const inputs = m.get(w1)!
    t.same(
      inputs.pieceQuantities.map((q) => [q.id, q.quantity, q.confirmedAtMs !== null]),
      [
        [q1, '12.5', true],
        [q2, '3', true],
        [q3, '40.125', false],
        [q5, '1', false],
        [q4b, '6.5', false],
      ],
      'in the order entered; the withdrawn one and the withdrawal row are not there',
    )
    t.same(inputs.disputedQuantityIds, [q3])
    t.ok(withdrawal.row.withdrawsId === q4 && withdrawal.row.quantity === '7', 'the withdrawal row restates what it takes back')
    t.same(inputs.additions, [{ reason: '高温补贴', amountFen: 30_000 }])
    t.same(inputs.deductions, [
      { reason: 'social_insurance', amountFen: 12_345 },
      { reason: 'other', note: '工具损坏', amountFen: 2_000 },
    ])
    t.same(inputs.payItemIds, [i1, i3, i4])

    // What the sheet does with it: confirmed quantities paid at the restated price, the rest held.
    const line = payLine({ workerId: w1, enrolmentId: e1, period: '2026-11', versions: inputs.versions, days: [], pieceQuantities: inputs.pieceQuantities, additions: inputs.additions, deductions: inputs.deductions })
    t.match(line.payable, [{ kind: 'piece', itemKind: '砌砖 m³', quantity: '15.5', amountFen: 139_500 }, { kind: 'addition', amountFen: 30_000 }])
    t.same(line.heldPieceQuantities.map((q) => q.id), [q3, q4b, q5], "held, by work date")

    const oct = await svc.forMonth(site.projectId, '2026-10')
    t.same(oct.get(w1)?.pieceQuantities, [], 'November quantities are not October’s')
    t.same(oct.get(w1)?.additions, [{ reason: '十月补贴', amountFen: 100 }])
  })

  await t.test('the worker filter, short and long', async (t) => {
    const short = await svc.forMonth(site.projectId, '2026-11', [w2])
    t.same([...short.keys()], [w2])
    t.same((await svc.forMonth(site.projectId, '2026-11', [])).size, 0, 'an empty list asks for nobody')
    const padding = Array.from({ length: WORKER_IDS_INLINE_MAX + 5 }, (_, i) => `nobody-${i}`)
    const long = await svc.forMonth(site.projectId, '2026-11', [...padding, w1, w3])
    t.same([...long.keys()].sort(), [w1, w3].sort(), 'a list too long to send is applied in memory')
    t.same(long.get(w1), (await svc.forMonth(site.projectId, '2026-11')).get(w1), 'the same inputs either way')
    t.same(short.get(w2), (await svc.forMonth(site.projectId, '2026-11')).get(w2))
  })

  await t.test('two withdrawals of one quantity or item at once: one is stored, the other refused', async (t) => {
    const q = await enter('2026-11-09', '砌砖 m³', '2')
    const twice = await Promise.allSettled([1, 2].map((n) => svc.enterQuantity(site.projectId, w1, { withdrawsId: q, note: `撤回 ${n}` }, ADMIN)))
    t.equal(twice.filter((r) => r.status === 'fulfilled').length, 1)
    t.match(twice.find((r) => r.status === 'rejected'), { reason: { code: 'piece_quantity_invalid', details: { reason: 'already_withdrawn' } } })
    const rows = (await svc.quantitiesOf(site.projectId, w1, '2026-11')).filter((v) => v.row.id === q)
    t.match(rows, [{ state: 'withdrawn' }])

    const i = await item('addition', '夜班补贴', 5_000)
    const both = await Promise.allSettled([1, 2].map((n) => svc.enterPayItem(site.projectId, w1, { withdrawsId: i, note: `撤回 ${n}` }, ADMIN)))
    t.equal(both.filter((r) => r.status === 'fulfilled').length, 1)
    t.match(both.find((r) => r.status === 'rejected'), { reason: { code: 'pay_item_invalid', details: { reason: 'already_withdrawn' } } })
    t.notOk((await svc.forMonth(site.projectId, '2026-11')).get(w1)?.payItemIds.includes(i))
  })
})

t.test('versionsOf: one version per date, the newest recorded, the base only before the first', (t) => {
  const enrolment: EnrolmentFacts = { id: 'e1', workerId: 'w1', teamId: 't1', dailyRateFen: 30_000, entryDate: '2026-03-10', exitDate: null, createdAtMs: 0 }
  const row = fc.record({ dayOffset: fc.integer({ min: -20, max: 60 }), rate: fc.integer({ min: 0, max: 100_000 }) })
  holds(
    t,
    'the version in force on each date is the newest recorded of the latest date on or before it',
    fc.property(fc.array(row, { maxLength: 12 }), (specs) => {
      // Rows as the repository gives them: by date, then in the order recorded.
      const rows: WageTermsRow[] = specs
        .map((s, i) => ({
          id: `v${String(i).padStart(2, '0')}`,
          projectId: 'p1',
          enrolmentId: 'e1',
          effectiveFrom: addDays(enrolment.entryDate, s.dayOffset),
          kind: 'daily' as const,
          terms: JSON.stringify({ kind: 'daily', dailyRateFen: s.rate }),
          reason: 'r',
          recordedBy: 'x',
          recordedAtMs: i,
        }))
        .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : a.effectiveFrom > b.effectiveFrom ? 1 : a.recordedAtMs - b.recordedAtMs))
      const { versions, listed } = versionsOf(enrolment, rows)
      const ordered = orderedVersions(versions)
      if (listed.length !== rows.length + 1) throw new Error('every row and the base are listed')
      // On every date from entry on, the version in force is the newest recorded of the latest date on or before it.
      for (let d = 0; d <= 60; d += 7) {
        const date = addDays(enrolment.entryDate, d)
        const dated = rows.filter((r) => r.effectiveFrom <= date)
        const last = dated.at(-1)
        const expected = last === undefined ? baseVersionId('e1') : last.id
        if (versionOn(ordered, date)?.id !== expected) throw new Error(`on ${date}: ${versionOn(ordered, date)?.id} in force, ${expected} expected`)
      }
    }),
  )
  t.end()
})
