/**
 * Keyset paging of the roster lists against a real SQLite file: whatever the data (names that repeat within and
 * across teams, serials in any order) and whatever the page size, walking a list page by page from `after` yields
 * every row once, in the order of the whole list, and no page is larger than asked.
 */
import t from 'tap'
import fc from 'fast-check'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/env.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import type { PageQuery } from '../../src/roster/repository.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { holds } from '../helpers/property.ts'
import { tempDir } from '../helpers/server.ts'

/** Every row of a list, by walking it `limit` at a time; fails on a page larger than asked. */
function walk<T>(read: (page: PageQuery) => T[], idOf: (row: T) => string, limit: number): T[] {
  const all: T[] = []
  let after: string | undefined
  for (;;) {
    const page = read({ limit, after })
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
  serials: fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,2}-\d{1,2}$/), { maxLength: 8 }),
  limit: fc.integer({ min: 1, max: 6 }),
})

t.test('walking any roster list page by page gives the whole list once, in order', async (t) => {
  const dir = tempDir(t)
  let run = 0
  holds(
    t,
    'keyset pages',
    fc.property(siteArb, (site) => {
      run++
      const services = createServices({ ...loadConfig({}), databaseUrl: `file:${join(dir, `p${run}.db`)}` }, new ManualClock(Date.parse('2026-11-05T02:00:00Z')))
      try {
        const rng = new Rng(run)
        const { roster } = services
        const cu = roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
        const gc = roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(rng) })
        const sub = roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })
        const project = roster.createProject({ siteCode: 'S', name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '19045101040012345', name: '专户' } })
        const teams = site.teamNames.map((name) => roster.createTeam(project.id, { name, employerId: sub.id }))
        site.workers.forEach((w, i) => {
          const worker = roster.createWorker({ name: w.name, idNumber: idNumber(rng, i), bankName: '农行', cardNo: cardNumber(i) })
          roster.enrol(project.id, { workerId: worker.id, teamId: (teams[w.team % teams.length] as { id: string }).id, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-01' })
        })
        for (const serial of site.serials) roster.registerDevice(project.id, { serial, model: 'canonical' })

        const whole = <T>(read: (page: PageQuery) => T[]): T[] => read({ limit: 1_000 })
        const same = <T>(read: (page: PageQuery) => T[], idOf: (row: T) => string): boolean => {
          const all = whole(read).map(idOf)
          const walked = walk(read, idOf, site.limit).map(idOf)
          return JSON.stringify(walked) === JSON.stringify(all)
        }
        const enrolments = whole((p) => roster.pageEnrolments(project.id, p))
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
          same((p) => roster.pageEnrolments(project.id, p), (r) => r.enrolment.id) &&
          same((p) => roster.pageTeams(project.id, p), (r) => r.id) &&
          same((p) => roster.pageDevices(project.id, p), (r) => r.id) &&
          same((p) => roster.pageWorkers(p), (r) => r.id) &&
          same((p) => roster.pageOrganisations(p), (r) => r.id) &&
          same((p) => roster.pageProjects(p), (r) => r.id) &&
          JSON.stringify(whole((p) => roster.pageDevices(project.id, p)).map((d) => d.serial)) === JSON.stringify([...site.serials].sort())
        )
      } finally {
        services.close()
      }
    }),
    { numRuns: 25, seed: 20261205 },
  )
})
