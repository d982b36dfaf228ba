/**
 * (Found by review.) A gate's punch a person voided (a card used by someone else, a reset clock's reading) is no
 * attendance: an exit dated before it needs no reason. One still standing does (exit_before_attendance), and a void
 * withdrawn makes it attendance again.
 */
import t from 'tap'
import { cardNumber, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { failure, startTestServer } from '../helpers/server.ts'

t.test('an exit before a voided punch needs no reason', async (t) => {
  const { api, services } = await startTestServer(t, { clock: { nowMs: () => Date.parse('2026-11-05T02:00:00Z') } })
  const site = await registerAccessSite(api, { tag: 'XV-1', regionCode: '330106', bankCode: '103331000011', seed: 2711 })
  const P = `/api/projects/${site.projectId}`
  const rng = new Rng(2712)
  const enrol = async (n: number) => {
    const w = await api.post<{ id: string }>('/api/workers', { name: `工人${n}`, idNumber: idNumber(rng, n), bankName: '农行', cardNo: cardNumber(2712 + n) })
    const e = await api.post<{ id: string }>(`${P}/enrolments`, { workerId: w.id, teamId: site.teamId, dailyRate: '300.00', safetyTrained: true, entryDate: '2026-10-01', deviceUserId: `XV-${n}` })
    return { workerId: w.id, enrolmentId: e.id, user: `XV-${n}` }
  }
  const a = await enrol(1)
  const b = await enrol(2)
  await api.post(`${P}/devices`, { serial: 'FT-XV-1', model: 'canonical', installedAt: '2026-10-01T00:00:00Z' })
  let record = 0
  const punch = (user: string) =>
    services.inbox.submit({
      topic: 'wl/v1/XV-1/FT-XV-1/punch',
      payload: Buffer.from(JSON.stringify({ deviceSerial: 'FT-XV-1', recordId: `R${++record}`, person: { kind: 'device_user', value: user }, deviceTime: '2026-11-02T08:00:00+08:00', direction: 'in', verifyMethod: 'card', channel: 'gate' })),
      clientId: 'FT-XV-1',
    })
  t.match(await punch(a.user), { kind: 'stored' })
  t.match(await punch(b.user), { kind: 'stored' })
  const punchOf = async (workerId: string) => (await api.get<Array<{ id: number; workerId: string }>>(`${P}/punches?date=2026-11-02`)).find((p) => p.workerId === workerId)!.id

  const voidA = await api.post<{ id: string }>(`${P}/workers/${a.workerId}/days/2026-11-02/corrections`, { kind: 'void_punch', punchId: await punchOf(a.workerId), reason: '卡借给他人', author: '王芳' })
  const voidB = await api.post<{ id: string }>(`${P}/workers/${b.workerId}/days/2026-11-02/corrections`, { kind: 'void_punch', punchId: await punchOf(b.workerId), reason: '卡借给他人', author: '王芳' })
  await api.post(`${P}/workers/${b.workerId}/days/2026-11-02/corrections`, { kind: 'revoke', revokesId: voidB.id, reason: '核实为本人', author: '王芳' })

  const exitA = await api.post<{ exitDate: string }>(`${P}/enrolments/${a.enrolmentId}/exit`, { exitDate: '2026-11-01' })
  t.equal(exitA.exitDate, '2026-11-01', 'its only later punch voided: no reason asked')
  t.ok(voidA.id)
  t.match(await failure(api.post(`${P}/enrolments/${b.enrolmentId}/exit`, { exitDate: '2026-11-01' })), { status: 409, code: 'exit_before_attendance', details: { lastAttendedOn: '2026-11-02' } }, 'a void withdrawn: the punch is attendance again')
})
