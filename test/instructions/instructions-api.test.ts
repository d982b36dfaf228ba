/**
 * Bank instructions (代发指令) over HTTP against the real service, on either engine: the instruction of an approved
 * sheet (held and zero lines left off, the sheet moved to instructed, masked cards), the refusals (sheet not approved,
 * nothing left, wrong role), the reads as the bank (list, one, 404), the pain.001 validated with xmllint against the
 * ISO XSD, the GBK 代发 files and the unknown profile, and re-attempts: refused while live or paid, made after a failed
 * result matched by EndToEndId or by card and amount, and never twice when two are asked for at once.
 */
import t, { type Test } from 'tap'
import iconv from 'iconv-lite'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { insertInto } from '../../src/db/rows.ts'
import { payrollLineAnswers } from '../../src/db/schema/index.ts'
import { newId } from '../../src/kernel/ids.ts'
import { fen } from '../../src/kernel/money.ts'
import { endToEndId } from '../../src/instructions/pain001.ts'
import { formatPayoutFile, type PayoutFileLineInput } from '../../src/payouts/file-format.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import type { Api } from '../../simulators/api.ts'
import { createKey, createLogin, logIn, MONTH, registerAccessSite } from '../access/helpers/site.ts'
import { insertApprovedSheet } from '../helpers/approved-sheet.ts'
import { failure, startTestServer } from '../helpers/server.ts'

const XSD = join(import.meta.dirname, '..', '..', 'schemas', 'iso20022', 'pain.001.001.09.xsd')
const AT_MS = Date.UTC(2026, 10, 3)

interface LineJson { id: string; workerId: string; attempt: number; previousLineId: string | null; endToEndId: string; cardNoMasked: string; amountFen: number; sheetLineId: string; bankName: string }
interface InstructionJson { id: string; msgId: string; period: string; sheetId: string | null; nbOfTxs: number; ctrlSumFen: number; ctrlSum: string; debtorAccountNo: string; lines: LineJson[] }

function validate(t: Test, dir: string, xml: string): void {
  if (spawnSync('xmllint', ['--version']).status !== 0) {
    t.fail('xmllint not found: install libxml2-utils; the pain.001 schema check cannot run without it')
    return
  }
  const file = join(dir, 'served.xml')
  writeFileSync(file, xml)
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' })
  t.equal(r.status, 0, `the served pain.001 is valid against the ISO XSD ${r.stderr}`)
}

async function postResults(bank: Api, projectId: string, lines: Array<Partial<PayoutFileLineInput> & Pick<PayoutFileLineInput, 'seq' | 'payeeCard' | 'amountFen' | 'status' | 'bankRef'>>): Promise<void> {
  const body = formatPayoutFile(
    lines.map((l) => ({ payeeName: '工人', valueDate: '2026-11-08', failureReason: l.status === 'failed' ? '账户已销户' : null, payerAccountNo: null, endToEndId: null, ...l })),
    { encoding: 'utf-8' },
  )
  const res = await bank.fetch(`/api/projects/${projectId}/payout-files?period=${MONTH}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body })
  if (res.status !== 201) throw new Error(`payout file not stored: ${res.status} ${await res.text()}`)
}

t.test('instructions of an approved sheet, their documents, and re-attempts', async (t) => {
  const { api, services, dir } = await startTestServer(t, { clock: { nowMs: () => AT_MS } })
  const site = await registerAccessSite(api, { tag: 'IN-1', regionCode: '330106', bankCode: '103331000011', seed: 1011 })
  const rng = new Rng(1012)
  await createLogin(api, 'lm.in', 'labour_manager', { organisationId: site.generalContractorId })
  const lm = api.as(await logIn(api, 'lm.in'))
  const bankKey = await createKey(api, 'bank IN', 'bank', { bankCode: '103331000011' })
  const bank = api.as(bankKey.key)

  const w1 = (await services.db.get<{ name: string; idNumber: string; cardNo: string; bankName: string }>({
    text: 'SELECT name AS "name", id_number AS "idNumber", card_no AS "cardNo", bank_name AS "bankName" FROM workers WHERE id = ?',
    params: [site.workerId],
  }))!
  const others = []
  for (let i = 2; i <= 4; i++) {
    const card = cardNumber(1010 + i)
    const id = idNumber(rng, 1010 + i)
    const w = await api.post<{ id: string }>('/api/workers', { name: `工人${i}`, idNumber: id, bankName: '建行', cardNo: card })
    const e = await api.post<{ id: string }>(`/api/projects/${site.projectId}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01', deviceUserId: `W-IN-${i}` })
    others.push({ workerId: w.id, enrolmentId: e.id, workerName: `工人${i}`, idNumber: id, bankName: '建行', cardNo: card })
  }
  const [w2, w3, w4] = others as [(typeof others)[number], (typeof others)[number], (typeof others)[number]]
  const url = `/api/projects/${site.projectId}/teams/${site.teamId}/payroll-sheets/${MONTH}/instruction`

  await t.test('a sheet not approved: 409 payroll_sheet_state', async (t) => {
    await insertApprovedSheet(services.db, { projectId: site.projectId, teamId: site.teamId, period: MONTH, payDate: '2026-11-10', states: ['sent', 'submitted'], atMs: AT_MS, lines: [{ ...w2, netFen: 1_00 }] })
    t.match(await failure(lm.post(url, {})), { status: 409, code: 'payroll_sheet_state', details: { state: 'submitted' } })
  })

  const v2 = await insertApprovedSheet(services.db, {
    projectId: site.projectId,
    teamId: site.teamId,
    period: MONTH,
    payDate: '2026-11-10',
    version: 2,
    atMs: AT_MS,
    lines: [
      { workerId: site.workerId, enrolmentId: site.enrolmentId, workerName: w1.name, idNumber: w1.idNumber, bankName: w1.bankName, cardNo: w1.cardNo, netFen: 7_000_00, answer: 'confirm' },
      { ...w2, netFen: 3_000_50 },
      { ...w3, netFen: 5_000_00, answer: 'dispute' },
      { ...w4, netFen: 0 },
    ],
  })

  let first: InstructionJson
  await t.test('the instruction: payable lines only, attempt 1, totals, masked cards, the sheet instructed', async (t) => {
    t.match(await failure(bank.post(url, {})), { status: 403, code: 'role_forbidden' }, 'the bank cannot instruct itself')
    first = await lm.post<InstructionJson>(url, { requestedOn: '2026-11-09' })
    t.equal(first.nbOfTxs, 2)
    t.equal(first.ctrlSumFen, 10_000_50)
    t.equal(first.ctrlSum, '10000.50')
    t.equal(first.sheetId, v2.sheetId)
    t.ok(first.msgId.length <= 35, 'MsgId fits Max35Text')
    t.same(first.lines.map((l) => l.workerId).sort(), [site.workerId, w2.workerId].sort(), 'the disputed and the zero lines are left off')
    t.equal(first.lines.reduce((n, l) => n + l.amountFen, 0), first.ctrlSumFen, 'the lines add up to CtrlSum')
    for (const l of first.lines) {
      t.equal(l.attempt, 1)
      t.equal(l.endToEndId, endToEndId(l.workerId, MONTH, 1))
      t.match(l.cardNoMasked, /^\*+\d{4}$|^\d{0,6}\*+\d{4}$/)
    }
    const text = JSON.stringify(first)
    t.notOk(text.includes(w1.cardNo) || text.includes(w2.cardNo), 'no full card number in the reply')
    const events = await services.db.all<{ seq: number; state: string }>({ text: 'SELECT seq AS "seq", state AS "state" FROM payroll_sheet_events WHERE sheet_id = ? ORDER BY seq', params: [v2.sheetId] })
    t.match(events.at(-1), { seq: 5, state: 'instructed' }, 'the sheet moved to instructed, seq after approved')
    t.match(await failure(lm.post(url, {})), { status: 409, code: 'instruction_nothing_to_pay' }, 'again: every payable line is instructed')
    const after = await services.db.all({ text: 'SELECT seq FROM payroll_sheet_events WHERE sheet_id = ?', params: [v2.sheetId] })
    t.equal(after.length, 5, 'a refused instruction appends no event')
  })

  await t.test('a held line confirmed later is instructed alone; the sheet gets no second instructed event', async (t) => {
    await services.db.run(
      insertInto(payrollLineAnswers, [{ id: newId(), sheetId: v2.sheetId, lineId: v2.lineIds.get(w3.workerId)!, workerId: w3.workerId, decision: 'confirm', channel: 'app', note: null, answeredAtMs: AT_MS + 1000 }]),
    )
    const late = await lm.post<InstructionJson>(url, {})
    t.same(late.lines.map((l) => [l.workerId, l.attempt, l.amountFen]), [[w3.workerId, 1, 5_000_00]])
    t.equal(late.ctrlSumFen, 5_000_00)
    const events = await services.db.all({ text: 'SELECT seq FROM payroll_sheet_events WHERE sheet_id = ?', params: [v2.sheetId] })
    t.equal(events.length, 5)
  })

  await t.test('an inspector reads the instruction masked, never the files of full card numbers', async (t) => {
    await createLogin(api, 'aud.in', 'auditor', { regionCode: '3301' })
    const aud = api.as(await logIn(api, 'aud.in'))
    const one = await aud.get<InstructionJson>(`/api/projects/${site.projectId}/instructions/${first.id}`)
    t.notOk(JSON.stringify(one).includes(w1.cardNo), 'the instruction, masked')
    t.match(await failure(aud.get(`/api/projects/${site.projectId}/instructions/${first.id}/pain001`)), { status: 403, code: 'role_forbidden' })
    t.match(await failure(aud.get(`/api/projects/${site.projectId}/instructions/${first.id}/agency-file?profile=cmb`)), { status: 403, code: 'role_forbidden' })
  })

  await t.test('reads as the bank: list, one, 404', async (t) => {
    const list = await bank.get<InstructionJson[]>(`/api/projects/${site.projectId}/instructions?month=${MONTH}`)
    t.equal(list.length, 2)
    t.equal(list[0]!.id, first.id)
    t.same(await bank.get<InstructionJson[]>(`/api/projects/${site.projectId}/instructions?month=2026-09`), [])
    const one = await bank.get<InstructionJson>(`/api/projects/${site.projectId}/instructions/${first.id}`)
    t.equal(one.lines.length, 2)
    t.equal(one.debtorAccountNo, '19045101040001011')
    t.match(await failure(bank.get(`/api/projects/${site.projectId}/instructions/01900000-0000-7000-8000-000000000000`)), { status: 404, code: 'instruction_not_found' })
  })

  await t.test('pain.001: streamed XML with full cards, valid against the ISO XSD; the read is logged', async (t) => {
    const res = await bank.fetch(`/api/projects/${site.projectId}/instructions/${first.id}/pain001`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^application\/xml/)
    const xml = await res.text()
    t.ok(xml.includes(`<MsgId>${first.msgId}</MsgId>`))
    t.ok(xml.includes('<NbOfTxs>2</NbOfTxs>') && xml.includes('<CtrlSum>10000.50</CtrlSum>'))
    t.ok(xml.includes(`<Id>${w1.cardNo}</Id>`) && xml.includes(`<Id>${w2.cardNo}</Id>`), 'full card numbers, as the bank needs them')
    t.ok(xml.includes('<MmbId>103331000011</MmbId>'), "the debtor's bank code")
    validate(t, dir, xml)
    const logged = await services.db.all<{ route: string }>({ text: 'SELECT route AS "route" FROM access_log WHERE route LIKE ? ORDER BY 1', params: ['%/pain001'] })
    t.ok(logged.length >= 1, 'the personal-data read is in the access log')
  })

  await t.test('代发 files in GBK; an unknown profile is 400 with the formats', async (t) => {
    for (const profile of ['cmb', 'city-bank']) {
      const res = await bank.fetch(`/api/projects/${site.projectId}/instructions/${first.id}/agency-file?profile=${profile}`)
      t.equal(res.status, 200, profile)
      t.equal(res.headers.get('content-type'), 'text/plain; charset=GBK')
      t.match(res.headers.get('content-disposition'), /^attachment; filename="/)
      const text = iconv.decode(Buffer.from(await res.arrayBuffer()), 'gbk')
      t.ok(text.includes(w1.cardNo) && text.includes('工人2'), `${profile}: the payees, in GBK`)
    }
    t.match(await failure(bank.get(`/api/projects/${site.projectId}/instructions/${first.id}/agency-file?profile=abc`)), {
      status: 400,
      code: 'instruction_format_unknown',
      details: { formats: ['pain001', 'agency-file?profile=cmb', 'agency-file?profile=city-bank'] },
    })
  })

  const retryUrl = (workerId: string) => `/api/projects/${site.projectId}/workers/${workerId}/instructions/${MONTH}/retry`
  const e2e1 = endToEndId(site.workerId, MONTH, 1)

  await t.test('re-attempts: refused while live, made after a failure, refused while paid', async (t) => {
    t.match(await failure(lm.post(retryUrl(site.workerId), { reason: '重发' })), { status: 409, code: 'instruction_live', details: { endToEndId: e2e1 } })
    t.match(await failure(lm.post(retryUrl(w4.workerId), { reason: '重发' })), { status: 404, code: 'instruction_not_found' }, 'the worker owed nothing was never instructed')
    t.match(await failure(lm.post(retryUrl(w3.workerId), { reason: '重发' })), { status: 409, code: 'instruction_live', details: { state: 'live' } }, 'the late-confirmed worker is live')
    t.match(await failure(bank.post(retryUrl(site.workerId), { reason: '重发' })), { status: 403, code: 'role_forbidden' })
    // The bank: worker 1 failed (the file names the EndToEndId), worker 2 paid (matched by card only).
    await postResults(bank, site.projectId, [
      { seq: 1, payeeCard: w1.cardNo, amountFen: fen(7_000_00), status: 'failed', bankRef: 'IN-R-1', endToEndId: e2e1 },
      { seq: 2, payeeCard: w2.cardNo, amountFen: fen(3_000_50), status: 'success', bankRef: 'IN-R-2' },
    ])
    t.match(await failure(lm.post(retryUrl(w2.workerId), { reason: '重发' })), { status: 409, code: 'instruction_live', details: { endToEndId: endToEndId(w2.workerId, MONTH, 1), state: 'paid' } }, 'paid: never again')
    const newCard = cardNumber(1099)
    t.match(await failure(lm.post(retryUrl(site.workerId), { reason: '原卡已销户，改新卡', cardNo: newCard })), { status: 400, code: 'instruction_card_bank_required' }, "a new card names its bank: the closed card's is not taken for it")
    const second = await lm.post<InstructionJson>(retryUrl(site.workerId), { reason: '原卡已销户，改新卡', cardNo: newCard, bankName: '中国建设银行' })
    t.equal(second.nbOfTxs, 1)
    t.equal(second.ctrlSumFen, 7_000_00)
    const l2 = second.lines[0]!
    t.match(l2, { attempt: 2, workerId: site.workerId, endToEndId: endToEndId(site.workerId, MONTH, 2), amountFen: 7_000_00 })
    t.equal(l2.previousLineId, first.lines.find((l) => l.workerId === site.workerId)!.id)
    t.equal(l2.cardNoMasked.slice(-4), newCard.slice(-4), 'paid to the new card')
    t.notOk(JSON.stringify(second).includes(newCard))
    t.match(await failure(lm.post(retryUrl(site.workerId), { reason: '再发' })), { status: 409, code: 'instruction_live', details: { endToEndId: l2.endToEndId } }, 'attempt 2 is live')
    const xml = await (await bank.fetch(`/api/projects/${site.projectId}/instructions/${second.id}/pain001`)).text()
    t.ok(xml.includes(`<EndToEndId>${l2.endToEndId}</EndToEndId>`) && xml.includes(`<Id>${newCard}</Id>`))
    t.ok(xml.includes('<Nm>中国建设银行</Nm>'), "the new card's bank is the creditor agent")
    t.equal(l2.bankName, '中国建设银行')
    validate(t, dir, xml)

    // Attempt 2 fails too, the file without EndToEndId (matched by card and amount); two re-attempts asked at once.
    await postResults(bank, site.projectId, [{ seq: 1, payeeCard: newCard, amountFen: fen(7_000_00), status: 'failed', bankRef: 'IN-R-3' }])
    const both = await Promise.allSettled([lm.post<InstructionJson>(retryUrl(site.workerId), { reason: '第三次' }), lm.post<InstructionJson>(retryUrl(site.workerId), { reason: '第三次' })])
    const made = both.filter((r) => r.status === 'fulfilled')
    t.equal(made.length, 1, 'one of two concurrent re-attempts is made')
    const refused = both.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    t.match(await failure(refused ? Promise.reject(refused.reason as Error) : Promise.resolve()), { status: 409, code: 'instruction_live' })
    const third = (made[0] as PromiseFulfilledResult<InstructionJson>).value.lines[0]!
    t.match(third, { attempt: 3 })
    t.equal(third.cardNoMasked.slice(-4), newCard.slice(-4), "without cardNo: the worker's card in the roster now, the new card the re-attempt recorded")
    const changes = await lm.get<Array<{ seq: number; bankName: string; cardMasked: string; reason: string }>>(`/api/workers/${site.workerId}/card-changes`)
    t.match(changes, [{ seq: 1, bankName: '中国建设银行', reason: 're-attempt 2: 原卡已销户，改新卡' }], 'the re-attempt to a new card recorded it on the roster (换卡)')
    const attempts = await services.db.all<{ attempt: number }>({ text: 'SELECT attempt AS "attempt" FROM instruction_lines WHERE worker_id = ? ORDER BY attempt', params: [site.workerId] })
    t.same(attempts.map((a) => a.attempt), [1, 2, 3])
    const list = await lm.get<InstructionJson[]>(`/api/projects/${site.projectId}/instructions?month=${MONTH}`)
    t.equal(list.length, 4)
  })

  await t.test('the registered dedicated account is the debtor of what is instructed after it', async (t) => {
    await lm.post(`/api/projects/${site.projectId}/dedicated-account`, { bank: '工行西溪支行', bankCode: '102331000099', accountNo: '1202020109000012345', accountName: '总包 IN-1 农民工工资专用账户', openedOn: '2026-09-01', reason: '开户' })
    // The account is at ICBC now: ICBC is the project's bank, and ABC no longer reaches it.
    const icbc = api.as((await createKey(api, 'bank ICBC', 'bank', { bankCode: '102331000099' })).key)
    t.equal((await bank.fetch(`/api/projects/${site.projectId}/instructions`)).status, 403, 'the bank of the old account: account_scope')
    await postResults(icbc, site.projectId, [{ seq: 1, payeeCard: w1.cardNo, amountFen: fen(7_000_00), status: 'failed', bankRef: 'IN-R-4', endToEndId: endToEndId(site.workerId, MONTH, 3) }])
    const fourth = await lm.post<InstructionJson>(retryUrl(site.workerId), { reason: '第四次' })
    t.equal(fourth.debtorAccountNo, '1202020109000012345')
    t.match(fourth.lines[0], { attempt: 4 })
    const xml = await (await icbc.fetch(`/api/projects/${site.projectId}/instructions/${fourth.id}/pain001`)).text()
    t.ok(xml.includes('<MmbId>102331000099</MmbId>') && xml.includes('<Id>1202020109000012345</Id>'))
  })
})
