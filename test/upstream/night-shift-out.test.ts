/**
 * A night shift's out, stored on the next date (06:00 on the 4th after 20:00 on the 3rd), belongs to the day of its in:
 * the timesheet lists it there. Reporting only the stored punch's own date never sent it (found by review): the out
 * of every night shift stayed off the platform. The day before each stored punch's date is reported too.
 */
import t from 'tap'
import { loadConfig } from '../../src/config/env.ts'
import { parseUpstreamConfig } from '../../src/config/upstream.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { APP_ID, creditCode, SECRET, startPlatform } from '../helpers/upstream.ts'

t.test("a night shift's out, stored on the next date, is reported", async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-04T02:00:00Z'))
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'NS-1': { projectCode: 'P330106009' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, inbox, db } = services
  const { reporter } = services.upstream
  const rng = new Rng(21)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'NS-1', name: '夜班项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000009', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '夜班组', employerId: sub.id })
  const worker = await roster.createWorker({ name: '王五', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'N1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.createDevice(project.id, { serial: 'GATE-NS', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  let seq = 0
  const punch = async (local: string, direction: 'in' | 'out'): Promise<void> => {
    const payload = Buffer.from(JSON.stringify({ deviceSerial: 'GATE-NS', recordId: String(++seq), person: { kind: 'device_user', value: 'N1' }, deviceTime: `${local}+08:00`, direction, verifyMethod: 'face', channel: 'gate' }))
    await inbox.submit({ topic: 'wl/v1/NS-1/GATE-NS/punch', payload, clientId: 'GATE-NS' })
  }
  await punch('2026-11-03T20:00:00', 'in')
  await inbox.idle()
  await reporter.idle()
  await punch('2026-11-04T06:00:00', 'out')
  await inbox.idle()
  await reporter.idle()
  const sent = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'WorkerAttendance').map((r) => (JSON.parse(r.payload) as { CheckTime: string; Direction: string }))
  t.same(sent.map((p) => [p.CheckTime, p.Direction]), [['2026-11-03 20:00:00', '01'], ['2026-11-04 06:00:00', '02']], 'the in and the out the next morning')
})
