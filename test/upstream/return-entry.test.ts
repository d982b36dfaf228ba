/**
 * A worker who left and came back (再次进场) is reported to the provincial platform as what happened: the entry, the
 * exit, then the return as an entry of its own (人员进退场 Type 0) under its own key, and a second exit and return
 * likewise; nothing already sent is sent again, and the platform accepts each in order.
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { entryExitRecords } from '../../src/upstream/records.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

const START = Date.parse('2026-11-03T02:00:00Z')

t.test('entryExitRecords: one entry and one exit per spell, in order', async (t) => {
  const ctx = { projectId: 'p1', projectCode: 'P1', timeZone: 'Asia/Shanghai' }
  const records = entryExitRecords(ctx, { name: '劳务', creditCode: 'C' }, { name: '钢筋班' }, { idType: 'resident_id', idNumber: 'X' }, {
    id: 'e1',
    entryDate: '2026-09-01',
    exitDate: null,
    breaks: [{ exitDate: '2026-09-20', returnDate: '2026-10-08' }],
  })
  t.same(records.map((r) => [r.key, r.payload.Type, r.payload.Date]), [
    ['entry:e1:2026-09-01', 0, '2026-09-01'],
    ['exit:e1:2026-09-20', 1, '2026-09-20'],
    ['entry:e1:2026-10-08', 0, '2026-10-08'],
  ])
})

t.test('a return goes upstream as a new entry record, and the platform accepts it', async (t) => {
  const clock = new ManualClock(START)
  const { platform, url } = await startPlatform(t, clock)
  const subCredit = creditCode(3)
  const upstream = parseUpstreamConfig({
    provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } },
    projects: { 'UP-R': { projectCode: 'P330106009', subcontractors: { [subCredit]: '000777' } } },
  })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, timesheets, db } = services
  const { reporter, runner } = services.upstream
  const rng = new Rng(21)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '杭州某劳务有限公司', creditCode: subCredit })
  const project = await roster.createProject({ siteCode: 'UP-R', name: '上报项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000001', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  const enrolment = await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-09-01' })
  await timesheets.recordExit(project.id, enrolment.id, '2026-09-20')
  await reporter.idle()

  const deliver = async (): Promise<void> => {
    for (let i = 0; i < 50; i++) {
      await runner.pass()
      const open = (await reporter.outbox.records(db, project.id)).filter((r) => r.state !== 'accepted' && r.state !== 'refused')
      if (open.length === 0) return
      clock.advance(10_000)
    }
  }
  const entryExits = async (): Promise<Array<[string, string, number, string]>> =>
    (await reporter.outbox.records(db, project.id))
      .filter((r) => r.kind === 'EntryExitHistory')
      .map((r) => {
        const p = JSON.parse(r.payload) as { Type: number; Date: string }
        return [r.key.replace(enrolment.id, 'E'), r.state, p.Type, p.Date]
      })
  await deliver()
  t.same(await entryExits(), [['entry:E:2026-09-01', 'accepted', 0, '2026-09-01'], ['exit:E:2026-09-20', 'accepted', 1, '2026-09-20']], 'the entry and the exit, accepted')

  await timesheets.recordReturn(project.id, enrolment.id, '2026-10-08')
  await reporter.idle()
  t.same((await entryExits()).slice(2), [['entry:E:2026-10-08', 'queued', 0, '2026-10-08']], 'the return queued as a new entry; nothing sent before is queued again')
  await deliver()

  await timesheets.recordExit(project.id, enrolment.id, '2026-10-20')
  await timesheets.recordReturn(project.id, enrolment.id, '2026-10-28')
  await reporter.idle()
  await deliver()
  t.same(await entryExits(), [
    ['entry:E:2026-09-01', 'accepted', 0, '2026-09-01'],
    ['exit:E:2026-09-20', 'accepted', 1, '2026-09-20'],
    ['entry:E:2026-10-08', 'accepted', 0, '2026-10-08'],
    ['exit:E:2026-10-20', 'accepted', 1, '2026-10-20'],
    ['entry:E:2026-10-28', 'accepted', 0, '2026-10-28'],
  ], 'a second exit and return: each its own record, in the order they happened, all accepted')
  const accepted = platform.acceptedOf('EntryExitHistory') as Array<{ Type: number; Date: string }>
  t.same(accepted.map((r) => [r.Type, r.Date]), [[0, '2026-09-01'], [1, '2026-09-20'], [0, '2026-10-08'], [1, '2026-10-20'], [0, '2026-10-28']], 'as the platform holds them')
})
