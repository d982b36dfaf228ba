/**
 * Pay inputs over HTTP, through the real service on the run's engine: wage terms versions (base, rise, restatement,
 * each fault of the terms), piece quantities (the terms in force decide, withdrawal, the worker's answers, the team
 * listing a page at a time), pay items (reasons, amounts, withdrawal, totals), the 404s of a worker not enrolled, and a
 * little of who may do what.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createLogin, logIn, registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

interface Version {
  id: string
  effectiveFrom: string
  base: boolean
  status: string
  supersededBy: string | null
  until: string | null
  reason: string
  recordedBy: string
  recordedAt: string
  terms: Record<string, unknown>
}
interface Listing {
  enrolmentId: string
  entryDate: string
  inForceToday: string | null
  versions: Version[]
}
interface Quantity {
  id: string
  workerId: string
  workerName?: string
  workDate: string
  itemKind: string
  quantity: string
  note: string | null
  withdrawsId: string | null
  state: string
  answer: { decision: string; channel: string; note: string | null } | null
  withdrawal: { id: string; note: string | null } | null
}
interface PayItem {
  id: string
  side: string
  reason: string
  amountFen: number
  note: string | null
  withdrawsId: string | null
  counted: boolean
  withdrawal: { id: string } | null
}

t.test('wage terms, piece quantities, answers and pay items over HTTP', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-20T04:00:00Z'))
  const server = await startTestServer(t, { clock })
  const admin = server.api
  const site = await registerAccessSite(admin, { tag: 'PI-A1', regionCode: '330106', bankCode: '103331000011', seed: 421 })
  const P = `/api/projects/${site.projectId}`
  const W = `${P}/workers/${site.workerId}`
  const rng = new Rng(9)
  const tick = (): void => clock.advance(1_000)

  // A second worker on the team, and a worker registered but enrolled nowhere.
  const idOf2 = idNumber(rng, 4212)
  const w2 = (await admin.post<{ id: string }>('/api/workers', { name: '赵敏', idNumber: idOf2, bankName: '建行', cardNo: cardNumber(4212) })).id
  await admin.post(`${P}/enrolments`, { workerId: w2, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: 'W-PI-A1-2' })
  const loose = (await admin.post<{ id: string }>('/api/workers', { name: '钱进', idNumber: idNumber(rng, 4213), bankName: '建行', cardNo: cardNumber(4213) })).id

  // Logins over the site: the GC's labour manager, the subcontractor's team manager, the region's auditor, the worker.
  await createLogin(admin, 'pia-lm', 'labour_manager', { organisationId: site.generalContractorId })
  await createLogin(admin, 'pia-tm', 'team_manager', { organisationId: site.subcontractorId })
  await createLogin(admin, 'pia-au', 'auditor', { regionCode: '330106' })
  await createLogin(admin, 'pia-w1', 'worker', { workerId: site.workerId })
  const lm = admin.as(await logIn(admin, 'pia-lm'))
  const tm = admin.as(await logIn(admin, 'pia-tm'))
  const auditor = admin.as(await logIn(admin, 'pia-au'))
  const worker = admin.as(await logIn(admin, 'pia-w1'))

  await t.test('wage terms: the base, a rise, a restatement, and what is refused', async (t) => {
    const before = await worker.get<Listing>(`${W}/wage-terms`)
    t.match(before, { enrolmentId: site.enrolmentId, entryDate: '2026-09-01', inForceToday: `base:${site.enrolmentId}` })
    t.match(before.versions, [{ id: `base:${site.enrolmentId}`, base: true, status: 'in_force', effectiveFrom: '2026-09-01', terms: { kind: 'daily', dailyRateFen: 35_000 }, until: null }])

    const rise = await lm.post<Version>(`${W}/wage-terms`, { effectiveFrom: '2026-10-16', terms: { kind: 'daily', dailyRateFen: 40_000 }, reason: '十月中旬涨薪' })
    t.match(rise, { base: false, status: 'in_force', effectiveFrom: '2026-10-16', reason: '十月中旬涨薪', recordedBy: 'pia-lm', terms: { kind: 'daily', dailyRateFen: 40_000 } })
    tick()
    const piece = await tm.post<Version>(`${W}/wage-terms`, { effectiveFrom: '2026-11-01', terms: { kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: 8_500 }] }, reason: '改计件' })
    tick()
    const restated = await tm.post<Version>(`${W}/wage-terms`, { effectiveFrom: '2026-11-01', terms: { kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: 9_000 }, { itemKind: '抹灰', unitPriceFen: 1_200 }] }, reason: '单价录错，重录' })
    tick()
    const listing = await auditor.get<Listing>(`${W}/wage-terms`)
    t.same(
      listing.versions.map((v) => [v.id, v.status, v.supersededBy, v.until]),
      [
        [`base:${site.enrolmentId}`, 'in_force', null, '2026-10-15'],
        [rise.id, 'in_force', null, '2026-10-31'],
        [piece.id, 'restated', restated.id, null],
        [restated.id, 'in_force', null, null],
      ],
      'both versions of 11-01 kept; the later one in force',
    )
    t.equal(listing.inForceToday, restated.id)

    const terms = (body: Record<string, unknown>) => failure(admin.post(`${W}/wage-terms`, { effectiveFrom: '2026-12-01', reason: '试', ...body }))
    t.match(await terms({ terms: { kind: 'daily', dailyRateFen: 350.5 } }), { status: 400, code: 'wage_terms_invalid', details: { reason: 'terms_rate_invalid', field: 'dailyRateFen' } }, 'not whole fen')
    t.match(await terms({ terms: { kind: 'hourly', hourlyRateFen: -1 } }), { status: 400, code: 'wage_terms_invalid', details: { reason: 'terms_rate_invalid' } }, 'negative')
    t.match(await terms({ terms: { kind: 'daily', dailyRateFen: 2_000_000 } }), { status: 400, code: 'wage_terms_invalid', details: { reason: 'terms_rate_invalid', max: 1_000_000 } }, 'above the daily rate limit')
    t.match(await terms({ terms: { kind: 'monthly', monthlyWageFen: 800_000, expectedDays: 0 } }), { code: 'wage_terms_invalid', details: { reason: 'terms_expected_days_invalid' } })
    t.match(await terms({ terms: { kind: 'piece', rates: [{ itemKind: '砌砖', unitPriceFen: 1 }, { itemKind: '砌砖', unitPriceFen: 2 }] } }), { code: 'wage_terms_invalid', details: { reason: 'terms_piece_item_invalid', itemKind: '砌砖' } })
    t.match(await terms({ terms: { kind: 'piece', rates: [] } }), { code: 'wage_terms_invalid', details: { reason: 'terms_piece_item_invalid' } }, 'piece terms price something')
    t.match(await terms({ effectiveFrom: '2026-02-30', terms: { kind: 'daily', dailyRateFen: 1 } }), { status: 400, code: 'validation_failed', details: [{ field: 'body/effectiveFrom', message: /format "date"/ }] }, 'a day the calendar does not have')
    t.match(await terms({ terms: { kind: 'weekly', weeklyFen: 1 } }), { status: 400, code: 'validation_failed' }, 'an unknown kind is a schema fault')
    t.match(await failure(admin.post(`${W}/wage-terms`, { effectiveFrom: '2026-12-01', terms: { kind: 'daily', dailyRateFen: 1 } })), { code: 'validation_failed' }, 'a reason is required')
    t.match(await failure(auditor.post(`${W}/wage-terms`, { effectiveFrom: '2026-12-01', terms: { kind: 'daily', dailyRateFen: 1 }, reason: 'x' })), { status: 403, code: 'role_forbidden' })
    t.match(await failure(worker.post(`${W}/wage-terms`, { effectiveFrom: '2026-12-01', terms: { kind: 'daily', dailyRateFen: 1 }, reason: 'x' })), { status: 403, code: 'role_forbidden' })
    t.match(await failure(worker.get(`${P}/workers/${w2}/wage-terms`)), { status: 404 }, 'a worker reads only themself')
    t.match(await failure(admin.get(`${P}/workers/${loose}/wage-terms`)), { status: 404, code: 'enrolment_not_found' })
    t.match(await failure(admin.get(`${P}/workers/no-such-worker/wage-terms`)), { status: 404, code: 'worker_not_found' })
  })

  const Q = `${W}/piece-quantities`
  let q1 = ''
  let q2 = ''
  let q3 = ''

  await t.test('piece quantities: entered where piece terms price them, withdrawn, listed', async (t) => {
    const a = await tm.post<Quantity>(Q, { workDate: '2026-11-03', itemKind: '砌砖', quantity: '12.5', note: '三层' })
    t.match(a, { workerId: site.workerId, workDate: '2026-11-03', itemKind: '砌砖', quantity: '12.5', note: '三层', state: 'open', answer: null, withdrawal: null, withdrawsId: null })
    q1 = a.id
    tick()
    q2 = (await lm.post<Quantity>(Q, { workDate: '2026-11-04', itemKind: '抹灰', quantity: '40.125' })).id
    tick()
    q3 = (await tm.post<Quantity>(Q, { workDate: '2026-11-05', itemKind: '砌砖', quantity: '7' })).id
    tick()

    const bad = async (body: Record<string, unknown>) => failure(tm.post(Q, { workDate: '2026-11-06', itemKind: '砌砖', quantity: '1', ...body }))
    t.match(await bad({ workDate: '2026-10-20' }), { status: 400, code: 'piece_quantity_invalid', details: { reason: 'piece_quantity_outside_piece_terms', termsKind: 'daily' } }, 'daily terms on that date')
    t.match(await bad({ itemKind: '钢筋' }), { code: 'piece_quantity_invalid', details: { reason: 'piece_quantity_unpriced', pricedItemKinds: ['砌砖', '抹灰'] } })
    t.match(await bad({ quantity: '1.2345' }), { code: 'piece_quantity_invalid', details: { reason: 'quantity_not_plain' } }, 'four decimals')
    t.match(await bad({ quantity: '-1' }), { code: 'piece_quantity_invalid', details: { reason: 'quantity_not_plain' } })
    t.match(await bad({ quantity: '0.000' }), { code: 'piece_quantity_invalid', details: { reason: 'quantity_zero' } })
    t.match(await bad({ workDate: '2026-11-31' }), { status: 400, code: 'validation_failed', details: [{ field: 'body/workDate', message: /format "date"/ }] }, 'a day the calendar does not have')
    t.match(await bad({ workDate: '2026-11-25' }), { code: 'piece_quantity_invalid', details: { reason: 'date_in_future' } })
    t.match(await bad({ workDate: '2026-08-31' }), { code: 'piece_quantity_invalid', details: { reason: 'outside_enrolment' } })
    t.match(await failure(tm.post(Q, { workDate: '2026-11-06', quantity: '1' })), { status: 400, code: 'validation_failed' }, 'an item kind is required')

    t.match(await failure(tm.post(Q, { withdrawsId: 'no-such-quantity', note: 'x' })), { status: 404, code: 'piece_quantity_not_found' })
    t.match(await failure(tm.post(`${P}/workers/${w2}/piece-quantities`, { withdrawsId: q3, note: 'x' })), { status: 404, code: 'piece_quantity_not_found' }, "another worker's quantity")
    t.match(await failure(tm.post(Q, { withdrawsId: q3 })), { code: 'piece_quantity_invalid', details: { reason: 'note_required' } })
    t.match(await failure(tm.post(Q, { withdrawsId: q3, quantity: '8', note: 'x' })), { code: 'piece_quantity_invalid', details: { reason: 'withdrawal_differs', differs: ['quantity'] } })
    const w = await tm.post<Quantity>(Q, { withdrawsId: q3, note: '量错了' })
    t.match(w, { withdrawsId: q3, quantity: '7', workDate: '2026-11-05', state: 'withdrawn' })
    tick()
    t.match(await failure(tm.post(Q, { withdrawsId: q3, note: '再撤' })), { code: 'piece_quantity_invalid', details: { reason: 'already_withdrawn', withdrawalId: w.id } })
    t.match(await failure(tm.post(Q, { withdrawsId: w.id, note: 'x' })), { code: 'piece_quantity_invalid', details: { reason: 'withdraws_a_withdrawal' } })

    const listed = await worker.get<{ quantities: Quantity[] }>(`${Q}?period=2026-11`)
    t.same(
      listed.quantities.map((q) => [q.id, q.state, q.withdrawal?.id ?? null]),
      [
        [q1, 'open', null],
        [q2, 'open', null],
        [q3, 'withdrawn', w.id],
      ],
      'withdrawal rows shown on what they withdraw',
    )
    t.match(await failure(admin.get(Q)), { status: 400, code: 'validation_failed' }, 'the period is required')
    t.same((await admin.get<{ quantities: Quantity[] }>(`${Q}?period=2026-10`)).quantities, [])
    t.match(await failure(auditor.post(Q, { workDate: '2026-11-06', itemKind: '砌砖', quantity: '1' })), { status: 403, code: 'role_forbidden' })
  })

  await t.test("the worker's answers: the newest counts", async (t) => {
    const A = (id: string) => `${Q}/${id}/answer`
    t.match(await worker.post(A(q1), { decision: 'confirm', channel: 'app' }), { quantityId: q1, decision: 'confirm', channel: 'app', note: null })
    tick()
    t.match(await failure(worker.post(A(q2), { decision: 'dispute', channel: 'app' })), { status: 400, code: 'correction_invalid' }, 'a dispute needs a note')
    await worker.post(A(q2), { decision: 'dispute', channel: 'app', note: `不是这个数，身份证 ${idOf2}` })
    tick()
    // A manager records a paper answer for the worker, as on a timesheet.
    await tm.post(A(q2), { decision: 'confirm', channel: 'paper', note: '纸质确认' })
    tick()
    await lm.post(A(q2), { decision: 'dispute', channel: 'paper', note: '又有异议' })
    tick()
    t.match(await failure(worker.post(A(q3), { decision: 'confirm', channel: 'app' })), { status: 400, code: 'piece_quantity_invalid', details: { reason: 'withdrawn' } })
    t.match(await failure(worker.post(A('no-such-quantity'), { decision: 'confirm', channel: 'app' })), { status: 404, code: 'piece_quantity_not_found' })
    t.match(await failure(worker.post(A(q1), { decision: 'confirm', channel: 'fax' })), { status: 400, code: 'validation_failed' })
    t.match(await failure(auditor.post(A(q1), { decision: 'confirm', channel: 'app' })), { status: 403, code: 'role_forbidden' })

    const listed = await admin.get<{ quantities: Quantity[] }>(`${Q}?period=2026-11`)
    t.match(listed.quantities, [
      { id: q1, state: 'confirmed', answer: { decision: 'confirm', channel: 'app' } },
      { id: q2, state: 'disputed', answer: { decision: 'dispute', channel: 'paper', note: '又有异议' } },
      { id: q3, state: 'withdrawn' },
    ])
    const inputs = (await server.services.payInputs.forMonth(site.projectId, '2026-11')).get(site.workerId)
    t.same(inputs?.disputedQuantityIds, [q2])
    t.same(inputs?.pieceQuantities.map((q) => [q.id, q.confirmedAtMs !== null]), [
      [q1, true],
      [q2, false],
    ])
  })

  await t.test("the team's quantities, a page at a time", async (t) => {
    await tm.post(`${P}/workers/${w2}/wage-terms`, { effectiveFrom: '2026-11-01', terms: { kind: 'piece', rates: [{ itemKind: '抹灰', unitPriceFen: 1_000 }] }, reason: '计件' })
    const q4 = (await tm.post<Quantity>(`${P}/workers/${w2}/piece-quantities`, { workDate: '2026-11-10', itemKind: '抹灰', quantity: '20' })).id
    const T = `${P}/teams/${site.teamId}/piece-quantities?period=2026-11`
    const first = await tm.fetch(`${T}&limit=2`)
    t.equal(first.status, 200)
    const page1 = (await first.json()) as { next: string | null; quantities: Quantity[] }
    t.same(page1.quantities.map((q) => q.id), [q1, q2])
    t.equal(page1.next, q2)
    t.match(first.headers.get('link'), /rel="next"/)
    const page2 = await tm.get<{ next: string | null; quantities: Quantity[] }>(`${T}&limit=2&after=${page1.next}`)
    t.same(page2.quantities.map((q) => [q.id, q.workerId, q.state]), [
      [q3, site.workerId, 'withdrawn'],
      [q4, w2, 'open'],
    ])
    t.equal(page2.next, null)
    t.equal(page2.quantities[1]?.workerName, '赵敏')
    t.equal((await auditor.get<{ quantities: Quantity[] }>(T)).quantities.length, 4)
    t.match(await failure(worker.get(T)), { status: 403, code: 'role_forbidden' })
    t.match(await failure(admin.get(`${P}/teams/no-such-team/piece-quantities?period=2026-11`)), { status: 404, code: 'team_not_found' })
    t.notOk(JSON.stringify(await admin.get(T)).includes(idOf2), 'an ID number typed into a note is masked')
  })

  await t.test('pay items: additions, deductions, withdrawal, totals', async (t) => {
    const I = `${W}/pay-items`
    const add = await tm.post<PayItem>(I, { period: '2026-11', side: 'addition', reason: '高温补贴', amountFen: 30_000 })
    t.match(add, { side: 'addition', reason: '高温补贴', amountFen: 30_000, counted: true, withdrawsId: null })
    tick()
    const advance = await lm.post<PayItem>(I, { period: '2026-11', side: 'deduction', reason: 'advance', amountFen: 50_000, note: '10月25日预支' })
    tick()
    const other = await lm.post<PayItem>(I, { period: '2026-11', side: 'deduction', reason: 'other', amountFen: 2_000, note: '工具损坏' })
    tick()

    const bad = async (body: Record<string, unknown>) => failure(lm.post(I, { period: '2026-11', side: 'deduction', reason: 'income_tax', amountFen: 100, ...body }))
    t.match(await bad({ reason: 'fine' }), { status: 400, code: 'pay_item_invalid', details: { reason: 'deduction_reason_unknown' } }, 'a deduction names a known reason')
    t.match(await bad({ reason: 'other' }), { code: 'pay_item_invalid', details: { reason: 'note_required' } })
    t.match(await bad({ amountFen: 0 }), { code: 'pay_item_invalid', details: { reason: 'amount_invalid' } })
    t.match(await bad({ amountFen: -5 }), { code: 'pay_item_invalid', details: { reason: 'amount_invalid' } })
    t.match(await bad({ amountFen: 10.5 }), { code: 'pay_item_invalid', details: { reason: 'amount_invalid' } })
    t.match(await bad({ amountFen: 100_000_001 }), { code: 'pay_item_invalid', details: { reason: 'amount_invalid', max: 100_000_000 } })
    t.match(await bad({ side: 'addition', reason: '   ' }), { code: 'pay_item_invalid', details: { reason: 'reason_missing' } })
    t.match(await bad({ period: '2026-13' }), { status: 400, code: 'validation_failed' })
    t.match(await bad({ period: '2026-08' }), { status: 400, code: 'pay_item_invalid', details: { reason: 'outside_enrolment', period: '2026-08' } }, 'a month before the entry: no sheet would carry it')
    t.match(await failure(lm.post(I, { withdrawsId: 'no-such-item', note: 'x' })), { status: 404, code: 'pay_item_not_found' })
    t.match(await failure(lm.post(I, { withdrawsId: advance.id })), { code: 'pay_item_invalid', details: { reason: 'note_required' } })
    const back = await lm.post<PayItem>(I, { withdrawsId: advance.id, note: '已在十月扣回' })
    t.match(back, { withdrawsId: advance.id, side: 'deduction', reason: 'advance', amountFen: 50_000, counted: false })
    tick()
    t.match(await failure(lm.post(I, { withdrawsId: advance.id, note: '再撤' })), { code: 'pay_item_invalid', details: { reason: 'already_withdrawn' } })
    t.match(await failure(worker.post(I, { period: '2026-11', side: 'addition', reason: 'x', amountFen: 1 })), { status: 403, code: 'role_forbidden' })

    const listed = await worker.get<{ additionsFen: number; deductionsFen: number; items: PayItem[] }>(`${I}?period=2026-11`)
    t.equal(listed.additionsFen, 30_000)
    t.equal(listed.deductionsFen, 2_000, 'the withdrawn advance does not count')
    t.same(
      listed.items.map((i) => [i.id, i.counted, i.withdrawal?.id ?? null]),
      [
        [add.id, true, null],
        [advance.id, false, back.id],
        [other.id, true, null],
      ],
    )
    t.same((await auditor.get<{ items: PayItem[] }>(`${I}?period=2026-10`)).items, [])
    t.match(await failure(admin.get(`${P}/workers/${loose}/pay-items?period=2026-11`)), { status: 404, code: 'enrolment_not_found' })

    const inputs = (await server.services.payInputs.forMonth(site.projectId, '2026-11')).get(site.workerId)
    t.same(inputs?.additions, [{ reason: '高温补贴', amountFen: 30_000 }])
    t.same(inputs?.deductions, [{ reason: 'other', note: '工具损坏', amountFen: 2_000 }])
    t.same(inputs?.payItemIds, [add.id, other.id])
  })
})
