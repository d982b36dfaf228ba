/**
 * Same behaviour on both engines: a site's month fed to two services, one on SQLite and one on PostgreSQL, in the
 * same order at the same instants — registration, the month's device frames over MQTT (with its re-sends, strangers,
 * garbled frame, unknown gate and offline day), corrections, a manager's confirmation, workers' answers, a late punch
 * into the confirmed month, the bank's result file with its planted faults, a manual reconciliation — and then
 * everything a user reads about that month, compared byte for byte (helpers/twins.ts says how ids are matched).
 */
import t from 'tap'
import { bankResultFile, type DueFromApi } from '../../simulators/bank.ts'
import { DEFAULT_SITE, planSite, simulateMonth, type RegisteredSite, type SimFrame, type SitePlan } from '../../simulators/site.ts'
import { datesOfMonth, zonedToUtcMs } from '../../src/kernel/time.ts'
import { TEST_ENGINE } from '../helpers/database.ts'
import { Twins } from './helpers/twins.ts'

interface Punch {
  punchId: number | null
  use: string
  direction: string | null
  local: string
}
interface Day {
  workDate: string
  status: string
  needsReview: boolean
  reviewReasons: string[]
  punches: Punch[]
}
interface TeamMonth {
  state: string
  workers: Array<{ workerId: string; name: string; days: Day[] }>
  next: string | null
}
interface Summary {
  punches: number
  duplicates: number
  rejectedByReason: Record<string, number>
  dueFen: number
  paidFen: number
  flagsByKind: Record<string, number>
}
interface Flag {
  id: string
  kind: string
  evidence: { linesTotal?: { href: string }; failedLinesTotal?: { href: string } }
}
interface Reconciliation {
  run: { flagCount: number } | null
  flags: Flag[]
}

const PLAN = planSite({ ...DEFAULT_SITE, workers: 14, teams: 3, seed: 7 })
const MONTH = PLAN.spec.month
const NEXT_MONTH = '2026-11'
const TZ = PLAN.spec.timeZone
const MANAGER = '劳资员 王芳'

/** registerSite's requests, one at a time: in parallel they would create workers in another order on each side. */
async function register(both: Twins, plan: SitePlan): Promise<RegisteredSite> {
  type Id = { id: string }
  const post = async (label: string, path: string, body: unknown): Promise<string> => (await both.write<Id>(label, 'POST', path, { body })).a.id
  const cu = await post('construction unit', '/api/organisations', { kind: 'construction_unit', ...plan.constructionUnit })
  const gc = await post('general contractor', '/api/organisations', { kind: 'general_contractor', ...plan.generalContractor })
  const subs: string[] = []
  for (const [i, s] of plan.subcontractors.entries()) subs.push(await post(`subcontractor ${i}`, '/api/organisations', { kind: 'subcontractor', ...s }))
  const projectId = await post('project', '/api/projects', {
    siteCode: plan.spec.siteCode,
    name: '杭州市西湖区之江路安置房二期工程',
    regionCode: '330106',
    timeZone: plan.spec.timeZone,
    payDay: plan.spec.payDay,
    constructionUnitId: cu,
    generalContractorId: gc,
    account: { bank: '中国农业银行杭州西湖支行', no: '19045101040012345', name: `${plan.generalContractor.name}之江路安置房二期工程农民工工资专用账户` },
  })
  const teamIds: string[] = []
  for (const [i, team] of plan.teams.entries()) teamIds.push(await post(`team ${i}`, `/api/projects/${projectId}/teams`, { name: team.name, employerId: subs[team.subcontractor] }))
  const workerIds = new Map<string, string>()
  for (const w of plan.workers) {
    const workerId = await post(`worker ${w.key}`, '/api/workers', { name: w.name, idNumber: w.idNumber, phone: w.phone, trade: w.trade, bankName: '中国农业银行', cardNo: w.cardNo })
    workerIds.set(w.key, workerId)
    await post(`enrolment ${w.key}`, `/api/projects/${projectId}/enrolments`, {
      workerId,
      teamId: teamIds[w.team],
      deviceUserId: w.deviceUserId,
      dailyRate: w.dailyRate,
      safetyTrained: true,
      contractNo: `HT-${plan.spec.siteCode}-${w.key}`,
      entryDate: `${plan.spec.month}-01`,
    })
  }
  for (const d of plan.devices) await post(`device ${d.serial}`, `/api/projects/${projectId}/devices`, { ...d, installedAt: '2026-09-01T00:00:00.000Z' })
  return { projectId, workerIds, teamIds, secrets: both.a.secrets }
}

/** A gate frame (gate-ts200) for a record the gate had kept: the late punch. */
function gateFrame(serial: string, seq: number, lane: 1 | 2, idNumber: string, local: string): SimFrame {
  const [date = '', time = ''] = local.split(' ')
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number]
  const ms = zonedToUtcMs({ year, month, day, hour, minute, second }, TZ)
  const payload = Buffer.from(JSON.stringify({ sn: serial, seq, lane, idNo: idNumber, ts: Math.floor(ms / 1000), mode: 'card' }))
  return { serial, recordId: String(seq), topic: `wl/v1/${PLAN.spec.siteCode}/${serial}/punch`, payload, kind: 'punch', deviceTimeMs: ms }
}

if (TEST_ENGINE !== 'postgres') {
  t.pass('runs in the PostgreSQL pass (it needs both engines)')
} else {
  t.test('a site month on SQLite and on PostgreSQL: every reply the same, byte for byte', async (t) => {
    // Replayed on 5 November, as month.test.ts does: what arrives is counted in November, the punches are October's.
    const both = await Twins.start(t, Date.UTC(2026, 10, 5, 2, 0, 0))
    const month = simulateMonth(PLAN)
    const site = await register(both, PLAN)
    const P = `/api/projects/${site.projectId}`
    const teamPath = (i: number, m: string): string => `${P}/teams/${site.teamIds[i]}/timesheets/${m}`

    // ---- the month's frames, then the day's work of a labour manager ------------------------------------------
    await both.publish(month.frames, () => both.advance(1_000))
    const received = await both.read<Summary>('summary of the receipt month, after ingest', `${P}/summary/${NEXT_MONTH}`)
    t.equal(received.a.duplicates, month.expected.duplicates, 're-sends counted')
    t.same(received.a.rejectedByReason, month.expected.rejected, 'refusals counted')
    t.equal((await both.read<Summary>('summary after ingest', `${P}/summary/${MONTH}`)).a.punches, month.expected.punches, 'every genuine punch stored once')

    both.setClock(Date.UTC(2026, 10, 5, 6, 0, 0))
    const step = (): void => both.advance(60_000)
    const team0 = (await both.read<TeamMonth>('team 0 before corrections', teamPath(0, MONTH))).a
    const review = team0.workers.flatMap((w) => w.days.filter((d) => d.needsReview).map((d) => ({ w, d })))
    if (review.length > 0) {
      const refused = await both.request<{ error: { code: string } }>('confirmation refused while days need review', 'POST', `${teamPath(0, MONTH)}/confirmation`, { body: { confirmedBy: MANAGER } })
      t.equal(refused.a.error.code, 'timesheet_needs_review')
    }
    // Each day waiting for review is settled: the missing punch added, or the status set from the paper sign-in.
    for (const [i, { w, d }] of review.entries()) {
      step()
      const body =
        i % 2 === 0
          ? { kind: 'add_punch', at: `${d.workDate} 17:3${i % 10}`, direction: d.punches.some((p) => p.direction === 'out') ? 'in' : 'out', reason: '漏打卡，班组长证实', author: MANAGER }
          : { kind: 'set_status', status: 'present', reason: '纸质签到表为证', author: MANAGER }
      await both.write(`correction ${i} (${body.kind})`, 'POST', `${P}/workers/${w.workerId}/days/${d.workDate}/corrections`, { body })
    }
    const team0Fixed = (await both.read<TeamMonth>('team 0 after corrections', teamPath(0, MONTH))).a
    t.equal(team0Fixed.workers.flatMap((w) => w.days.filter((d) => d.needsReview)).length, 0, 'nothing left to review in team 0')

    // In a team left open: a punch voided and the void revoked (each side names its own punch id), a half day set.
    const both1 = await both.read<TeamMonth>('team 1 before corrections', teamPath(1, MONTH))
    const [wA, wB] = [both1.a.workers[0], both1.b.workers[0]]
    const dayIndex = wA?.days.findIndex((d) => d.status === 'present' && d.punches.length >= 2) ?? -1
    t.ok(wA && wB && dayIndex >= 0, 'a team 1 worker has a present day')
    const dayA = wA!.days[dayIndex]!
    const punchOf = (days: Day[]): number => days[dayIndex]!.punches[0]!.punchId!
    const voidBody = (punchId: number) => ({ kind: 'void_punch', punchId, reason: '代打卡，已核实', author: MANAGER })
    step()
    const voided = await both.write<{ id: string }>('correction: void a punch', 'POST', `${P}/workers/${wA!.workerId}/days/${dayA.workDate}/corrections`, {
      body: voidBody(punchOf(wA!.days)),
      bodyB: voidBody(punchOf(wB!.days)),
    })
    step()
    await both.write('correction: revoke the void', 'POST', `${P}/workers/${wA!.workerId}/days/${dayA.workDate}/corrections`, {
      body: { kind: 'revoke', revokesId: voided.a.id, reason: '误操作，撤销', author: MANAGER },
    })
    const team2 = (await both.read<TeamMonth>('team 2 before corrections', teamPath(2, MONTH))).a
    const halfDay = team2.workers[1]?.days.find((d) => d.status === 'present')
    t.ok(halfDay, 'a team 2 worker has a present day')
    step()
    await both.write('correction: half day', 'POST', `${P}/workers/${team2.workers[1]!.workerId}/days/${halfDay!.workDate}/corrections`, {
      body: { kind: 'set_status', status: 'half_day', reason: '下午请假', author: MANAGER },
    })

    // ---- confirmation, answers, and a punch the gate kept and replays after ----------------------------------------
    step()
    const notEnded = await both.request<{ error: { code: string } }>('confirmation refused before the month ends', 'POST', `${teamPath(0, NEXT_MONTH)}/confirmation`, { body: { confirmedBy: MANAGER } })
    t.equal(notEnded.a.error.code, 'month_not_ended')
    step()
    const confirmed = await both.write<TeamMonth>('confirmation of team 0', 'POST', `${teamPath(0, MONTH)}/confirmation`, { body: { confirmedBy: MANAGER, note: '十月考勤已核对' } })
    t.equal(confirmed.a.state, 'manager_confirmed')
    const [agrees, disputes] = confirmed.a.workers
    t.ok(agrees && disputes, 'team 0 has two workers to answer')
    step()
    await both.write('answer: confirm', 'POST', `${P}/workers/${agrees!.workerId}/timesheets/${MONTH}/answer`, { body: { decision: 'confirm', channel: 'paper' } })
    step()
    await both.write('answer: dispute', 'POST', `${P}/workers/${disputes!.workerId}/timesheets/${MONTH}/answer`, {
      body: { decision: 'dispute', channel: 'paper', note: '有一天我在岗，考勤上没有' },
    })

    // The disputing worker was right: a gate had a day of theirs it sends only now.
    const worked = new Set(disputes!.days.map((d) => d.workDate))
    const missing = datesOfMonth(MONTH).find((d) => new Date(`${d}T00:00:00Z`).getUTCDay() !== 0 && !worked.has(d))
    t.ok(missing, 'the disputing worker has a working day without attendance')
    const idNumber = PLAN.workers.find((w) => site.workerIds.get(w.key) === disputes!.workerId)!.idNumber
    both.setClock(Date.UTC(2026, 10, 6, 1, 0, 0))
    await both.publish([gateFrame('GT-01', 9001, 1, idNumber, `${missing} 07:05:12`), gateFrame('GT-01', 9002, 2, idNumber, `${missing} 17:21:40`)], () => both.advance(1_000))

    // ---- the bank's result file, posted after the pay date ------------------------------------------------------------
    both.setClock(Date.UTC(2026, 10, 14, 2, 0, 0))
    const due = await both.read<DueFromApi & { totalDueFen: number; workerCount: number }>('pay due for the file', `${P}/payroll/${MONTH}?limit=200`)
    t.ok(due.a.totalDueFen > 0, 'wages are due')
    t.equal(due.a.workerCount, PLAN.workers.length)
    const bank = bankResultFile(PLAN, site, due.a)
    const siteB: RegisteredSite = { projectId: both.twinOf(site.projectId), teamIds: site.teamIds.map((id) => both.twinOf(id)), workerIds: new Map([...site.workerIds].map(([k, id]) => [k, both.twinOf(id)])), secrets: both.b.secrets }
    t.ok(bankResultFile(PLAN, siteB, due.b).file.equals(bank.file), 'the bank file made from either service is the same file')
    const filePath = `${P}/payout-files?period=${MONTH}&filename=result.txt&postedBy=${encodeURIComponent('出纳 李静')}`
    const posted = await both.write<{ outcome: string; reconciliation: Reconciliation }>('payout file posted', 'POST', filePath, { body: bank.file, contentType: 'text/plain' })
    t.equal(posted.a.outcome, 'payout_file_stored')
    const byKind: Record<string, number> = {}
    for (const f of posted.a.reconciliation.flags) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1
    // No payroll sheet is made in this month, so past its pay date each team with attendance is NO_PAYROLL_SHEET; the
    // planted unpaid workers are 10% or more of those with attendance, so HEADCOUNT_GAP (issue 11) too.
    t.same(byKind, { ...bank.expectedFlags, NO_PAYROLL_SHEET: PLAN.teams.length, HEADCOUNT_GAP: 1 }, 'every planted fault is flagged')
    both.advance(60_000)
    t.equal((await both.write<{ outcome: string }>('payout file posted again', 'POST', filePath, { body: bank.file, contentType: 'text/plain' })).a.outcome, 'payout_file_exists')
    both.advance(60_000)
    const resent = Buffer.from(bank.file.toString('latin1').replace(/\n/g, '\r\n'), 'latin1')
    const refusedFile = await both.request('payout file re-sent as other bytes', 'POST', filePath.replace('result.txt', 'result-crlf.txt'), { body: resent, contentType: 'text/plain' })
    t.equal(refusedFile.status, 422)
    both.advance(3_600_000)
    const rerun = await both.write<Reconciliation>('manual reconciliation', 'POST', `${P}/reconciliations/${MONTH}`)
    t.ok(rerun.a.flags.length > 0 && rerun.a.run!.flagCount === rerun.a.flags.length, 'the run has its flags')

    // ---- everything a user reads ----------------------------------------------------------------------------------
    // Several listings order by a generated id (organisations, projects, workers, reconciliation flags; workers in the
    // project month and the pay due; enrolments by team id; payout lines by file id; ties elsewhere). Ids are UUIDv7,
    // made in the order things were created, and both services create them in the same order here, so those
    // listings are compared in order too (twins.idsOutOfOrder checks the premise).
    both.advance(3_600_000)
    await both.read('project', P)
    await both.read('attendance policy', `${P}/attendance-policy`)
    await both.readPages('organisations', '/api/organisations?limit=2')
    await both.readPages('projects', '/api/projects')
    await both.readPages('teams', `${P}/teams?limit=2`)
    await both.readPages('workers', '/api/workers?limit=5')
    await both.readPages('enrolments (花名册)', `${P}/enrolments?limit=5`)
    await both.readPages('devices', `${P}/devices?limit=3`)

    for (const m of [MONTH, NEXT_MONTH]) {
      await both.readPages(`project month ${m}`, `${P}/timesheets/${m}?limit=5`)
      for (const [i] of site.teamIds.entries()) {
        await both.readPages(`team ${i} month ${m}`, `${teamPath(i, m)}?limit=2`)
        await both.read(`team ${i} attendance sheet ${m} (CSV)`, `${teamPath(i, m)}/attendance-sheet.csv`)
        await both.read(`team ${i} attendance sheet ${m} (HTML)`, `${teamPath(i, m)}/attendance-sheet.html`)
      }
      for (const w of PLAN.workers) await both.read(`worker ${w.key} month ${m}`, `${P}/workers/${site.workerIds.get(w.key)}/timesheets/${m}`)
      await both.readPages(`pay due ${m}`, `${P}/payroll/${m}?limit=5`)
      await both.read(`summary ${m}`, `${P}/summary/${m}`)
      await both.readPages(`attendance flags ${m}`, `${P}/attendance-flags/${m}?limit=5`)
      await both.readPages(`reconciliation flags ${m}`, `${P}/flags/${m}?limit=4`)
      await both.readPages(`payout lines ${m}`, `${P}/payouts/${m}/lines?limit=5`)
    }
    // Punch ids are sequences on both engines, compared as they are: the same frames in the same order give the same ids
    // (a re-send spends one on both: AUTOINCREMENT and an identity column alike take a value before ON CONFLICT).
    const punchIds = { a: [] as number[], b: [] as number[] }
    for (const date of datesOfMonth(MONTH)) {
      const pages = await both.readPages<Array<{ id: number }>>(`raw punches ${date}`, `${P}/punches?date=${date}&limit=20`)
      punchIds.a.push(...pages.a.flat().map((p) => p.id))
      punchIds.b.push(...pages.b.flat().map((p) => p.id))
    }
    t.equal(punchIds.a.length, month.expected.punches + 2, "every punch of the month is listed on its day, the late pair's too")
    t.same(punchIds.b, punchIds.a, 'punch ids are the same on both engines')

    const flags = await both.read<Reconciliation>('reconciliation flags, one page', `${P}/flags/${MONTH}?limit=200`)
    for (const f of flags.a.flags) {
      for (const total of [f.evidence.linesTotal, f.evidence.failedLinesTotal]) if (total) await both.readPages(`lines of flag ${f.kind}`, `${total.href}&limit=3`)
    }
    await both.readPages(`payout lines of a worker`, `${P}/payouts/${MONTH}/lines?workerId=${site.workerIds.get(PLAN.workers[0]!.key)}&limit=200`)
    await both.readPages(`payout lines of the labour boss's card`, `${P}/payouts/${MONTH}/lines?card=${PLAN.labourBoss.cardNo}`)
    const files = await both.readPages<Array<{ id: string }>>('payout files', `${P}/payout-files?limit=1`)
    for (const f of files.a.flat()) await both.readPages('lines of the payout file', `${P}/payout-files/${f.id}/lines?limit=7`)

    const rejected = await both.readPages<Array<{ id: number; payloadUrl: string }>>('rejected inputs', `/api/rejected-inputs?projectId=${site.projectId}&limit=2`)
    const rejA = rejected.a.flat()
    const rejB = rejected.b.flat()
    t.ok(rejA.length >= Object.values(month.expected.rejected).reduce((s, n) => s + n, 0) + 1, 'every refusal is listed, the re-sent file too')
    for (const [i, r] of rejA.entries()) {
      const twin = rejB[i]
      if (!twin) break
      await both.request(`rejected input ${r.id}`, 'GET', `/api/rejected-inputs/${r.id}`, { pathB: `/api/rejected-inputs/${twin.id}` })
      await both.request(`rejected input ${r.id} payload`, 'GET', r.payloadUrl, { pathB: twin.payloadUrl, bytes: true })
    }

    // ---- facts, so that two empty services cannot pass ----------------------------------------------------------------
    const summary = (await both.read<Summary>('summary at the end', `${P}/summary/${MONTH}`)).a
    t.equal(summary.punches, month.expected.punches + 2, "the month's punches and the late pair")
    t.ok(summary.dueFen > 0 && summary.paidFen > 0, 'wages due and paid')
    t.same(summary.flagsByKind, { ...bank.expectedFlags, NO_PAYROLL_SHEET: PLAN.teams.length, HEADCOUNT_GAP: 1 }, 'flags by kind')
    const nov = (await both.read<{ workers: Array<{ workerId: string; adjustmentHalves: number }> }>('pay due of the late pair', `${P}/payroll/${NEXT_MONTH}?limit=200`)).a
    t.equal(nov.workers.find((w) => w.workerId === disputes!.workerId)?.adjustmentHalves, 2, 'the late day is carried into November')

    t.same(both.idProblems, [], 'every id has its twin, in the same place')
    t.same(both.idsOutOfOrder(), [], 'ids were generated in the same order on both engines')
    t.comment(`${both.replies} replies compared, ${both.pairedIds} ids paired`)
  })
}
