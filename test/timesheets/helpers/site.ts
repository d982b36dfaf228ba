/** A site for timesheet tests: real services on the run's engine, one project, one team, one worker, one canonical device. */
import type { Test } from 'tap'
import { loadConfig } from '../../../src/config/env.ts'
import { ManualClock } from '../../../src/kernel/time.ts'
import { createServices } from '../../../src/services.ts'
import { cardNumber, creditCode, idNumber } from '../../../simulators/identities.ts'
import { Rng } from '../../../simulators/random.ts'
import { testDatabaseUrl } from '../../helpers/database.ts'

export async function reviewSite(t: Test, opts: { nowIso: string; timeZone?: string; entryDate?: string; incompleteDay?: 'count_day' | 'count_half' | 'needs_review' }) {
  const clock = new ManualClock(Date.parse(opts.nowIso))
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, clock)
  t.teardown(() => services.close())
  const { roster, timesheets, inbox } = services
  const rng = new Rng(7)
  const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
  const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(rng) })
  const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })
  const project = await roster.createProject({ siteCode: 'S1', name: '工程', regionCode: '330106', payDay: 10, timeZone: opts.timeZone, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1', name: '专户' } })
  await roster.setPolicy(project.id, { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay: opts.incompleteDay ?? 'needs_review', clockAheadMinutes: 10 })
  const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
  const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, 1), bankName: '农行', cardNo: cardNumber(1) })
  await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', safetyTrained: true, entryDate: opts.entryDate ?? '2026-01-01' })
  await roster.createDevice(project.id, { serial: 'D1', model: 'canonical', installedAt: '2025-01-01T00:00:00Z' })
  let seq = 0
  /** deviceTime: an RFC 3339 instant with its offset. */
  const punch = async (deviceTime: string, direction: 'in' | 'out' | 'unknown'): Promise<void> => {
    const payload = Buffer.from(JSON.stringify({ deviceSerial: 'D1', recordId: String(++seq), person: { kind: 'device_user', value: 'W1' }, deviceTime, direction, verifyMethod: 'face', channel: direction === 'unknown' ? 'face_terminal' : 'gate' }))
    await inbox.submit({ topic: 'wl/v1/S1/D1/punch', payload, clientId: 'D1' })
  }
  return { clock, services, roster, timesheets, inbox, project, team, worker, punch }
}
