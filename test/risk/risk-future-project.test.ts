/**
 * (Found by review.) The monthly risk run scores the projects that were on site by the month's end, and no other: a
 * project's signals are its ledger's as they stood then, and a project whose first worker came later had no ledger
 * then. Scored anyway, it would carry its general contractor's outside signals of a month before it existed and stand
 * in that month's ranking as a warning. Being on site is read from the roster (an entry date by the month's last
 * day), not from the project's registration: a project is often registered after its works began.
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { creditCodeCheckChar } from '../../src/roster/identity.ts'
import { createServices } from '../../src/services.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { signalCsv } from './helpers/regions.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'

// 2027-01-05 10:00 in Beijing: November and December 2026 have ended.
const NOW_MS = Date.parse('2027-01-05T02:00:00Z')

function creditCode(n: number): string {
  const first17 = `91330106MA2${String(n).padStart(6, '0')}`
  return first17 + (creditCodeCheckChar(first17) as string)
}

t.test('a project registered and started in January 2027 is not scored for November 2026', async (t) => {
  const clock = new ManualClock(NOW_MS)
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, clock)
  t.teardown(() => services.close())
  const { roster, riskRuns, signals } = services

  // The general contractor was reported by two departments for November 2026.
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(11) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '某建设集团', creditCode: creditCode(12) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '某劳务公司', creditCode: creditCode(13) })
  const imported = await signals.importFile({
    bytes: signalCsv([
      [gc.creditCode, '某建设集团', '停电', '供电公司', '2026-11', '', '严重'],
      [gc.creditCode, '某建设集团', '停工', '住建局', '2026-11', '', '严重'],
    ]),
    filename: 'nov.csv',
    actor: 'test',
    reason: null,
  })
  t.equal(imported.outcome, 'signal_import_stored')

  // The project is registered today (January 2027); its first and only worker enters on 2027-01-04.
  const project = await roster.createProject({
    siteCode: 'FUT-1',
    name: '一月新开工程',
    regionCode: '330106',
    payDay: 10,
    constructionUnitId: cu.id,
    generalContractorId: gc.id,
    account: { bank: '农行', no: '1202000000000009001', name: '专户' },
  })
  const team = await roster.createTeam(project.id, { name: '木工班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '李强', idNumber: idNumber(new Rng(901), 901), bankName: '农行', cardNo: cardNumber(901) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, dailyRate: '300.00', safetyTrained: true, entryDate: '2027-01-04', deviceUserId: 'F-1' })

  const run = await riskRuns.run('2026-11', 'test')
  const ranking = await riskRuns.ranked({ month: '2026-11', kind: 'project', within: undefined, limit: 50 })
  const scored = ranking.scores.find((s) => s.subjectId === project.id)
  t.equal(
    scored,
    undefined,
    `the project registered ${new Date(project.createdAtMs).toISOString()} and started 2027-01-04 is not in November 2026's ranking` +
      (scored ? ` (it is: ${scored.level}, ${scored.points / 10} points, for ${scored.parts.map((p) => p.part).join(', ')})` : ''),
  )
  t.equal(run?.projectCount, 0, 'November 2026 had no project on the ledger')
})
