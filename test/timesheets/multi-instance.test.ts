/**
 * Two service instances on one database (two createServices on the same URL,
 * each with its own clock and caches), as several instances run behind one
 * PostgreSQL. A team's month confirmed on one instance while a late punch of
 * that month is stored on the other ends with the punch either in the
 * confirmed snapshot or in exactly one adjustment, once both have swept; and
 * sweeps running on both at once never add an adjustment twice.
 *
 * The instance that stores punches has a confirmed-month cache read before
 * the confirmation (its clock stands still, so the cache never expires): its
 * after-commit check never sees the month confirmed, which leaves every punch
 * that missed the snapshot to the sweep.
 */
import t, { type Test } from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { dbFaultOf } from '../../src/db/faults.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices, type Services } from '../../src/services.ts'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

const MONTH = '2026-10'
const NOW = Date.parse('2026-11-05T02:00:00Z')
/** The day the late punch lands on: nothing else happens on it. */
const LATE_DAY = '2026-10-20'

/**
 * Two instances in one process on one SQLite file are two connections: while one holds the write lock the other's
 * BEGIN waits its busy timeout and fails with a busy fault, as between two processes. The service answers that
 * 503 database_busy and the caller tries again; so does this test. PostgreSQL never gets here (advisory locks wait).
 */
async function retryBusy<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (dbFaultOf(err)?.kind !== 'busy') throw err
      await new Promise((r) => setTimeout(r, 5))
    }
  }
}

async function twoInstances(t: Test): Promise<{ a: Services; b: Services }> {
  const databaseUrl = await testDatabaseUrl(t)
  const a = await createServices({ ...loadConfig({}), databaseUrl }, new ManualClock(NOW))
  t.teardown(() => a.close())
  // B's clock 30 s behind A's: a punch B receives just after A confirmed carries a receipt time before the confirmation.
  const b = await createServices({ ...loadConfig({}), databaseUrl }, new ManualClock(NOW - 30_000))
  t.teardown(() => b.close())
  return { a, b }
}

interface Site {
  projectId: string
  site: string
  serial: string
  workers: Array<{ workerId: string; teamId: string; deviceUserId: string }>
}

/** One project, a team per worker (each confirmed on its own), every worker with a worked day in October. */
async function setUp(s: Services, workers: number): Promise<Site> {
  const rng = new Rng(7)
  const { roster } = s
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(rng) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })
  const project = await roster.createProject({ siteCode: 'MI', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1', name: '专户' } })
  // An in without an out counts as a day, so one punch is a figure the snapshot either has or has not.
  await roster.setPolicy(project.id, { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay: 'count_day', clockAheadMinutes: 10 })
  await roster.createDevice(project.id, { serial: 'MI-01', model: 'canonical', installedAt: '2026-09-01T00:00:00Z' })
  const site: Site = { projectId: project.id, site: 'MI', serial: 'MI-01', workers: [] }
  for (let i = 0; i < workers; i++) {
    const team = await roster.createTeam(project.id, { name: `班组${i}`, employerId: sub.id })
    const worker = await roster.createWorker({ name: `工人${i}`, idNumber: idNumber(rng, i + 1), bankName: '农行', cardNo: cardNumber(i + 1) })
    const deviceUserId = `W${i}`
    await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
    site.workers.push({ workerId: worker.id, teamId: team.id, deviceUserId })
  }
  return site
}

let recordSeq = 0
function punch(s: Services, site: Site, deviceUserId: string, local: string, direction: 'in' | 'out'): Promise<unknown> {
  const payload = Buffer.from(
    JSON.stringify({ deviceSerial: site.serial, recordId: String(++recordSeq), person: { kind: 'device_user', value: deviceUserId }, deviceTime: `${local.replace(' ', 'T')}+08:00`, direction, verifyMethod: 'face', channel: 'gate' }),
  )
  return s.inbox.submit({ topic: `wl/v1/${site.site}/${site.serial}/punch`, payload, clientId: site.serial })
}

/** Where the late punch ended: in the confirmed month, and/or in adjustments carried into November. */
async function outcome(s: Services, site: Site, workerId: string): Promise<{ inSnapshot: boolean; adjustments: number }> {
  const oct = await s.timesheets.workerMonth(site.projectId, workerId, MONTH)
  if (!oct.line.frozen) throw new Error(`${workerId}: October is not confirmed`)
  const nov = await s.timesheets.workerMonth(site.projectId, workerId, '2026-11')
  return {
    inSnapshot: oct.line.month.days.some((d) => d.workDate === LATE_DAY && d.creditHalves === 2),
    adjustments: nov.line.adjustments.filter((x) => x.workDate === LATE_DAY && x.beforeHalves === 0 && x.afterHalves === 2).length,
  }
}

async function sweepBoth(a: Services, b: Services): Promise<number> {
  const [x, y] = await Promise.all([retryBusy(() => a.timesheets.sweep()), retryBusy(() => b.timesheets.sweep())])
  return x + y
}

/** Every worker's October, each with a worked day, stored through B: B's confirmed-month cache now says "none". */
async function octoberThroughB(b: Services, site: Site): Promise<void> {
  for (const w of site.workers) {
    await punch(b, site, w.deviceUserId, '2026-10-08 07:00:00', 'in')
    await punch(b, site, w.deviceUserId, '2026-10-08 17:00:00', 'out')
  }
}

t.test('a late punch racing a confirmation on another instance ends in the month or in one adjustment, never both, never neither', async (t) => {
  const { a, b } = await twoInstances(t)
  const site = await setUp(a, 10)
  await octoberThroughB(b, site)
  const [before, after, ...racing] = site.workers as [Site['workers'][0], Site['workers'][0], ...Site['workers']]

  // Stored on B before A reads the month: in the snapshot.
  await punch(b, site, before.deviceUserId, `${LATE_DAY} 07:00:00`, 'in')
  await retryBusy(() => a.timesheets.confirmByManager(site.projectId, before.teamId, MONTH, '王芳', null))

  // Confirmed on A, then stored on B, whose clock puts the receipt before the confirmation and whose cache has not
  // seen it: B's after-commit check adds nothing. The sweep had looked only at punches received after the
  // confirmation; this one it missed, and the month was paid without it.
  await retryBusy(() => a.timesheets.confirmByManager(site.projectId, after.teamId, MONTH, '王芳', null))
  await punch(b, site, after.deviceUserId, `${LATE_DAY} 07:00:00`, 'in')
  t.same(await outcome(a, site, after.workerId), { inSnapshot: false, adjustments: 0 }, 'not adjusted yet: left to the sweep')

  // Truly at the same time, the punch sent up to a few milliseconds after the confirmation starts: it commits before,
  // while or after the confirmation reads the month.
  for (const [i, w] of racing.entries()) {
    const confirm = retryBusy(() => a.timesheets.confirmByManager(site.projectId, w.teamId, MONTH, '王芳', null))
    const late = new Promise((r) => setTimeout(r, i % 4)).then(() => punch(b, site, w.deviceUserId, `${LATE_DAY} 07:00:00`, 'in'))
    await Promise.all([confirm, late])
  }

  const made = await sweepBoth(a, b)
  const outcomes = await Promise.all(site.workers.map(async (w) => ({ workerId: w.workerId, ...(await outcome(a, site, w.workerId)) })))
  t.comment(`racing: ${outcomes.slice(2).filter((o) => o.inSnapshot).length} in the snapshot, ${outcomes.slice(2).filter((o) => !o.inSnapshot).length} adjusted`)
  for (const o of outcomes) t.ok(o.inSnapshot ? o.adjustments === 0 : o.adjustments === 1, `${o.workerId}: ${o.inSnapshot ? 'in the snapshot, no adjustment' : `an adjustment (${o.adjustments})`}`)
  t.match(outcomes[0], { inSnapshot: true, adjustments: 0 }, 'stored before the confirmation: in the snapshot')
  t.match(outcomes[1], { inSnapshot: false, adjustments: 1 }, 'stored after it, received before it by its clock: one adjustment')
  t.equal(made, outcomes.filter((o) => !o.inSnapshot).length, 'the sweeps made one adjustment for each punch the snapshots lack')
  t.equal(await sweepBoth(a, b), 0, 'sweeping again, on both, adds nothing')
  t.same(await Promise.all(site.workers.map((w) => outcome(b, site, w.workerId))), outcomes.map(({ workerId: _w, ...o }) => o), 'and both instances read the same')
})

t.test('sweeps on two instances at once add an adjustment once', async (t) => {
  const { a, b } = await twoInstances(t)
  const site = await setUp(a, 6)
  await octoberThroughB(b, site)
  for (const w of site.workers) await retryBusy(() => a.timesheets.confirmByManager(site.projectId, w.teamId, MONTH, '王芳', null))
  // Stored on B after the confirmations, unseen by its after-commit check: both sweeps find every one of them.
  for (const w of site.workers) await punch(b, site, w.deviceUserId, `${LATE_DAY} 07:00:00`, 'in')
  for (const w of site.workers) t.same(await outcome(a, site, w.workerId), { inSnapshot: false, adjustments: 0 })

  t.equal(await sweepBoth(a, b), site.workers.length, 'one adjustment per punch between both sweeps')
  for (const w of site.workers) t.same(await outcome(a, site, w.workerId), { inSnapshot: false, adjustments: 1 }, `${w.workerId}: one adjustment`)
  t.equal(await sweepBoth(a, b), 0, 'and again, nothing')
})
