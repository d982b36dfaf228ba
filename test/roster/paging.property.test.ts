/**
 * Keyset paging of the roster lists against a real database on the run's engine (test/helpers/database.ts): whatever
 * the data (names that repeat within and across teams, serials in any order) and whatever the page size, walking a
 * list page by page from `after` yields every row once, in the order of the whole list, and no page is larger than
 * asked. On PostgreSQL this is what holds the lists to byte order whatever the server's collation.
 */
import t from 'tap'
import fc from 'fast-check'
import { loadConfig } from '../../src/config/env.ts'
import { q } from '../../src/db/database.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import type { PageQuery } from '../../src/roster/repository.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

/** Every row of a list, by walking it `limit` at a time; fails on a page larger than asked. */
async function walk<T>(read: (page: PageQuery) => Promise<T[]>, idOf: (row: T) => string, limit: number): Promise<T[]> {
  const all: T[] = []
  let after: string | undefined
  for (;;) {
    const page = await read({ limit, after })
    if (page.length > limit) throw new Error(`a page of ${page.length} for a limit of ${limit}`)
    all.push(...page)
    if (page.length < limit) return all
    after = idOf(page[page.length - 1] as T)
  }
}

const siteArb = fc.record({
  teamNames: fc.uniqueArray(fc.constantFrom('钢筋班', '木工班', '泥工班', '架子班', 'A班', 'B班', '水电班'), { minLength: 1, maxLength: 5 }),
  // Few distinct names, so many workers share one: the keyset must break ties by id.
  workers: fc.array(fc.record({ name: fc.constantFrom('张伟', '王芳', '李娜', '王芳 '), team: fc.nat() }), { minLength: 0, maxLength: 25 }),
  // Case and punctuation mixed: the list is in byte order on both engines, whatever PostgreSQL's locale would say.
  serials: fc.uniqueArray(fc.stringMatching(/^[A-Za-z]{1,2}[-_.]?\d{1,2}$/), { maxLength: 8 }),
  limit: fc.integer({ min: 1, max: 6 }),
})

/** Each run starts from an empty roster: cheaper than a database per run (a second each on PostgreSQL). Children first. */
const ROSTER_TABLES = ['enrolments', 'devices', 'teams', 'workers', 'projects', 'organisations']

t.test('walking any roster list page by page gives the whole list once, in order', async (t) => {
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, new ManualClock(Date.parse('2026-11-05T02:00:00Z')))
  try {
    let run = 0
    // fast-check's async runner directly: the shared holds() helper takes synchronous properties only.
    const r = await fc.check(
      fc.asyncProperty(siteArb, async (site) => {
        run++
        for (const table of ROSTER_TABLES) await services.db.run(q(`DELETE FROM "${table}"`))
        const rng = new Rng(run)
        const { roster } = services
        const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
        const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(rng) })
        const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })
        const project = await roster.createProject({ siteCode: 'S', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '19045101040012345', name: '专户' } })
        const teams = []
        for (const name of site.teamNames) teams.push(await roster.createTeam(project.id, { name, employerId: sub.id }))
        for (const [i, w] of site.workers.entries()) {
          const worker = await roster.createWorker({ name: w.name, idNumber: idNumber(rng, i), bankName: '农行', cardNo: cardNumber(i) })
          await roster.enrol(project.id, { workerId: worker.id, teamId: (teams[w.team % teams.length] as { id: string }).id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-01' })
        }
        for (const serial of site.serials) await roster.createDevice(project.id, { serial, model: 'canonical' })

        const whole = <T>(read: (page: PageQuery) => Promise<T[]>): Promise<T[]> => read({ limit: 1_000 })
        const same = async <T>(read: (page: PageQuery) => Promise<T[]>, idOf: (row: T) => string): Promise<boolean> => {
          const all = (await whole(read)).map(idOf)
          const walked = (await walk(read, idOf, site.limit)).map(idOf)
          return JSON.stringify(walked) === JSON.stringify(all)
        }
        const enrolments = await whole((p) => roster.pageEnrolments(project.id, p))
        const inRosterOrder = enrolments.every((e, i) => {
          const prev = enrolments[i - 1]
          if (!prev) return true
          const a = [prev.enrolment.teamId, prev.worker.name, prev.worker.id]
          const b = [e.enrolment.teamId, e.worker.name, e.worker.id]
          return a.join('\u0000') < b.join('\u0000')
        })
        return (
          inRosterOrder &&
          enrolments.length === site.workers.length &&
          (await same((p) => roster.pageEnrolments(project.id, p), (r) => r.enrolment.id)) &&
          (await same((p) => roster.pageTeams(project.id, p), (r) => r.id)) &&
          (await same((p) => roster.pageDevices(project.id, p), (r) => r.id)) &&
          (await same((p) => roster.pageWorkers(p), (r) => r.id)) &&
          (await same((p) => roster.pageOrganisations(p), (r) => r.id)) &&
          (await same((p) => roster.pageProjects(p), (r) => r.id)) &&
          JSON.stringify((await whole((p) => roster.pageDevices(project.id, p))).map((d) => d.serial)) === JSON.stringify([...site.serials].sort())
        )
      }),
      { numRuns: 25, seed: 20261205 },
    )
    if (r.failed) t.fail(`keyset pages: ${fc.defaultReportMessage(r) ?? 'failed'}`, { error: r.errorInstance })
    else t.pass('keyset pages')
  } finally {
    await services.close()
  }
})
