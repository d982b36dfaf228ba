/**
 * (Found by review.)
 * A punch is queued upstream right after it is stored. A labour manager who voids it (a worker's card swiped by a
 * mate, 代打卡) before the sender's pass changes the timesheet, but nothing takes the queued WorkerAttendance record
 * back: attendanceSources leaves voided punches out only when a record is built, and the outbox has no way to
 * withdraw a queued one. The platform is sent the voided punch as attendance anyway.
 * Now the void's commit withdraws the record while it is still queued (a state the sender skips); revoking the void
 * queues it again as the next revision. One already sent stays with the platform and is logged for a person.
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

t.test('a punch voided before it was sent is not sent upstream', async (t) => {
  const clock = new ManualClock(Date.parse('2026-11-04T04:00:00Z')) // 12:00 Beijing
  const { url } = await startPlatform(t, clock)
  const upstream = parseUpstreamConfig({ provinces: { 33: { endpoint: url, appId: APP_ID, appSecret: SECRET, batchSize: 10 } }, projects: { 'VP-1': { projectCode: 'P330106013' } } })
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t), upstream }, clock)
  t.teardown(() => services.close())
  const { roster, inbox, timesheets, db } = services
  const { reporter, runner } = services.upstream
  const rng = new Rng(33)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(1) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(2) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务公司', creditCode: creditCode(3) })
  const project = await roster.createProject({ siteCode: 'VP-1', name: '作废项目', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1202000000000000013', name: '专户' } })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '孙八', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'V1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-11-01' })
  await roster.createDevice(project.id, { serial: 'GATE-VP', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  await reporter.idle()
  // The roster goes out first (the platform takes attendance only of workers it knows).
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }

  const payload = Buffer.from(JSON.stringify({ deviceSerial: 'GATE-VP', recordId: '1', person: { kind: 'device_user', value: 'V1' }, deviceTime: '2026-11-04T07:02:00+08:00', direction: 'in', verifyMethod: 'card', channel: 'gate' }))
  await inbox.submit({ topic: 'wl/v1/VP-1/GATE-VP/punch', payload, clientId: 'GATE-VP' })
  await inbox.idle()
  await reporter.idle()
  const day = (await timesheets.workerDays(project, worker.id, '2026-11-04', '2026-11-04'))[0]
  const punchId = day?.punches[0]?.punchId as number
  t.ok(punchId, 'the punch is stored')

  // The worker was not on site: a mate swiped the card. Voided before the sender's next pass.
  await timesheets.addCorrection(project.id, worker.id, '2026-11-04', { kind: 'void_punch', punchId, reason: '代打卡，本人未到岗', author: '王芳' })
  // The void withdraws the record in a step after its commit; the sender's pass comes after it here, as on a site.
  await reporter.idle()
  await reporter.sweep()
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }
  const sent = (await reporter.outbox.records(db, project.id)).filter((r) => r.kind === 'WorkerAttendance' && r.key === `punch:${punchId}` && ['sending', 'sent', 'accepted'].includes(r.state))
  t.same(sent.map((r) => r.state), [], 'the voided punch never went to the platform')
  const rows = (await reporter.outbox.records(db, project.id)).filter((r) => r.key === `punch:${punchId}`)
  t.same(rows.map((r) => [r.revision, r.state]), [[1, 'withdrawn']], 'its record is withdrawn, not sent')
  const summary = await reporter.outbox.summary(db, project.id)
  t.equal(summary.find((s) => s.kind === 'WorkerAttendance')?.oldestWaitingMs, null, 'nothing waits: a withdrawn record holds no lane')

  // The void was a mistake: revoked, the punch stands again and goes out as the key's next revision.
  const voids = (await timesheets.corrections(project.id, worker.id, '2026-11')).filter((c) => c.kind === 'void_punch')
  await timesheets.addCorrection(project.id, worker.id, '2026-11-04', { kind: 'revoke', revokesId: voids[0]!.id, reason: '核实为本人', author: '王芳' })
  await reporter.idle()
  for (let i = 0; i < 6; i++) {
    await runner.pass()
    clock.advance(15_000)
  }
  const again = (await reporter.outbox.records(db, project.id)).filter((r) => r.key === `punch:${punchId}`)
  t.same(again.map((r) => [r.revision, r.state]), [[1, 'withdrawn'], [2, 'accepted']], 'the punch, standing again, is sent and accepted')
  t.same(reporter.sentThenVoided, [], 'nothing went out that a correction took back')

  // Voided now, after the platform accepted it: it stays there, and the reporter says so.
  await timesheets.addCorrection(project.id, worker.id, '2026-11-04', { kind: 'void_punch', punchId, reason: '代打卡，本人未到岗', author: '王芳' })
  await reporter.idle()
  const after = (await reporter.outbox.records(db, project.id)).filter((r) => r.key === `punch:${punchId}`)
  t.same(after.map((r) => [r.revision, r.state]), [[1, 'withdrawn'], [2, 'accepted']], 'an accepted record is never changed')
  t.same(reporter.sentThenVoided.map((v) => [v.key, v.state]), [[`punch:${punchId}`, 'accepted']], 'the void of a record already accepted is made known')
})
