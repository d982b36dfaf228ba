/**
 * (Found by review.) The attendance-flags listing pages by a key that tells every flag apart: an added punch (补卡,
 * add_punch) has no punch id, so its correction's id is part of the key (and of the flag, as correctionId). Two
 * added punches of one worker-day, both flagged punch_after_exit by an exit recorded with a reason before that day,
 * shared one key [workDate, kind, workerId, 0, ''] and paging past the first skipped the second. A cursor of the old
 * five-field shape still pages on (it may repeat an added punch, never skip one).
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

interface Flag {
  kind: string
  workerId: string
  workDate: string
  punchId: number | null
  correctionId: string | null
}

t.test('paging through a month with flagged added punches neither skips nor repeats a flag', async (t) => {
  const clock = new ManualClock(Date.parse('2026-10-20T02:00:00Z'))
  const server = await startTestServer(t, { clock })
  const api = server.api
  const site = await registerAccessSite(api, { tag: 'RVF', regionCode: '330106', bankCode: '103331000011', seed: 81 })
  const P = `/api/projects/${site.projectId}`
  const add = (at: string, direction: 'in' | 'out') =>
    api.post(`${P}/workers/${site.workerId}/days/2026-10-12/corrections`, { kind: 'add_punch', at, direction, reason: '门禁故障, 纸质签到', author: '王芳' })
  await add('2026-10-12 08:00', 'in')
  await add('2026-10-12 17:00', 'out')
  // The worker had in fact left on the 10th: the exit, with its reason, puts both added punches after it.
  await api.post(`${P}/enrolments/${site.enrolmentId}/exit`, { exitDate: '2026-10-10', reason: '10日已离场, 12日补卡记错人' })

  const whole = await api.get<Flag[]>(`${P}/attendance-flags/2026-10?limit=200`)
  const afterExit = whole.filter((f) => f.kind === 'punch_after_exit')
  t.equal(afterExit.length, 2, 'both added punches are flagged after the exit')

  const walked = await api.getAll<Flag>(`${P}/attendance-flags/2026-10?limit=1`)
  t.comment(`one page: ${whole.length} flags; page by page: ${walked.length}`)
  t.equal(walked.length, whole.length, 'page by page lists as many flags as one page')
  t.equal(walked.filter((f) => f.kind === 'punch_after_exit').length, 2, 'no added punch is skipped by the cursor')
  t.equal(new Set(afterExit.map((f) => f.correctionId)).size, 2, 'each flagged added punch names its own correction')
  t.ok(afterExit.every((f) => f.punchId === null), 'added punches have no punch id')

  // A cursor of the shape given before the correction id was in the key: the first added punch's five fields.
  const first = afterExit[0] as Flag
  const old = Buffer.from(JSON.stringify([first.workDate, first.kind, first.workerId, 0, '']), 'utf8').toString('base64url')
  const rest = await api.get<Flag[]>(`${P}/attendance-flags/2026-10?limit=200&after=${old}`)
  t.equal(rest.filter((f) => f.kind === 'punch_after_exit').length, 2, 'an old cursor on an added punch repeats that day rather than skip one')
})
