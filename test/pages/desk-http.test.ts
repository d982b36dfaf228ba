/**
 * The labour manager's desk over plain HTTP, on both engines: today on site per team (a team manager sees their own
 * team only), its server-sent events (the list at once, then again when a punch is stored), the review queue with a
 * correction made in place (refused without a reason, nothing stored), the month's confirmation refused with the API's
 * reason while a day needs review and accepted after, devices and rejected inputs with their raw frame masked; and
 * who gets what: another contractor's labour manager, a team manager of an organisation without a team there and an
 * auditor of another city get the API's 404, an auditor reads but may not correct or confirm (403), a team manager
 * may not see devices (403), as the API answers each.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, gateFrame, registerDeskSite, REVIEW_DAY, REVIEW_MONTH, seedDeskPunches, submitFrame, TODAY } from './helpers/desk-site.ts'
import { getPage as get, postForm as post, signIn } from './helpers/http.ts'

async function readEvents(reader: ReadableStreamDefaultReader<Uint8Array>, until: (data: string) => boolean, ms = 60_000): Promise<string> {
  const decoder = new TextDecoder()
  let buffer = ''
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => (timer = setTimeout(() => r(null), deadline - Date.now())))])
    clearTimeout(timer)
    if (chunk === null || chunk.done) break
    buffer += decoder.decode(chunk.value, { stream: true })
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (!/^event: on-site$/m.test(block)) continue
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')
      if (until(data)) return data
    }
  }
  throw new Error('no such event arrived')
}

t.test('the desk over HTTP', async (t) => {
  const server = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const { api, httpUrl: base, services } = server
  const d = await registerDeskSite(api, { tag: 'DK', seed: 61 })
  await seedDeskPunches(services, d)
  await settled(server)
  const desk = `/pages/projects/${d.site.projectId}/desk`
  const lm = await signIn(base, d.logins.labourManager)
  const tm = await signIn(base, d.logins.teamManager)
  const auditor = await signIn(base, d.logins.auditor)

  await t.test('today on site: per team, who is in now; links to the other desk pages', async (t) => {
    const res = await get(base, desk, lm)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-security-policy'), /default-src 'none'/)
    t.match(res.text, /<h2 id="on-site-heading">今日在场人员<\/h2>/)
    t.match(res.text, new RegExp(`${TODAY} · 截至 10:00:00：在场 <strong class="in-now-total">2</strong> 人`))
    t.match(res.text, /钢筋班 DK <span class="count">在场 1 \/ 花名册 1<\/span>/)
    t.match(res.text, /木工班 DK <span class="count">在场 1 \/ 花名册 1<\/span>/)
    t.match(res.text, /<th scope="row">张伟<\/th>\s*<td>在场<\/td>\s*<td>07:30:00<\/td>/)
    t.match(res.text, /<th scope="row">李强<\/th>\s*<td>在场<\/td>\s*<td>07:40:00<\/td>/)
    for (const page of ['review', 'devices', 'rejected']) t.match(res.text, `href="${desk}/${page}"`, `links to ${page}`)
    t.match(res.text, `data-events="${desk}/on-site/events"`)
    t.match(res.text, /<script src="\/assets\/desk.js" defer><\/script>/)
  })

  await t.test("a team manager sees their organisation's team only, and no device links", async (t) => {
    const res = await get(base, desk, tm)
    t.equal(res.status, 200)
    t.match(res.text, /钢筋班 DK/)
    t.match(res.text, /张伟/)
    t.notMatch(res.text, /木工班|李强/, "another subcontractor's team is not shown")
    t.notMatch(res.text, `${desk}/devices`)
    const devices = await get(base, `${desk}/devices`, tm)
    t.equal(devices.status, 403, 'devices are not a team manager’s, as GET …/devices/health')
    t.notMatch(devices.text, new RegExp(d.serial))
    t.equal((await get(base, `${desk}/rejected`, tm)).status, 403)
  })

  await t.test('out of scope: the API’s 404, with none of the data', async (t) => {
    for (const login of [d.logins.otherLabourManager, d.logins.strangerTeamManager, d.logins.otherAuditor]) {
      const cookie = await signIn(base, login)
      for (const path of [desk, `${desk}/review?month=${REVIEW_MONTH}`, `${desk}/on-site/events`]) {
        const res = await get(base, path, cookie)
        t.equal(res.status, 404, `${login} ${path}`)
        t.match(res.text, /project_not_found/)
        t.notMatch(res.text, /张伟|钢筋班/)
      }
      if (login === d.logins.strangerTeamManager) {
        const fix = await post(base, `${desk}/review/workers/${d.site.workerId}/days/${REVIEW_DAY}/corrections`, cookie, { kind: 'set_status', status: 'present', reason: '核实' })
        t.equal(fix.status, 404, 'a team manager of another organisation cannot correct either')
      }
    }
    const script = await fetch(`${base}${desk}`, { headers: { cookie: await signIn(base, d.logins.otherLabourManager) } })
    t.equal(script.status, 404)
    t.equal(((await script.json()) as { error: { code: string } }).error.code, 'project_not_found', 'a script gets the API’s JSON error')
    const anonymous = await get(base, desk)
    t.equal(anonymous.status, 303, 'no session: sign in first')
  })

  await t.test('the live list: the stream sends the list at once, and again when a punch is stored', async (t) => {
    const once = await get(base, `${desk}/on-site/events`, lm)
    t.equal(once.status, 200, 'a client that does not ask for a stream gets the list once')
    t.match(once.headers.get('content-type'), /^text\/html/)
    t.match(once.text, /张伟/)

    const ac = new AbortController()
    t.teardown(() => ac.abort())
    const res = await fetch(`${base}${desk}/on-site/events`, { headers: { accept: 'text/event-stream', cookie: lm }, signal: ac.signal })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/event-stream/)
    const reader = res.body!.getReader()
    const first = await readEvents(reader, () => true)
    t.match(first, /在场 <strong class="in-now-total">2<\/strong> 人/, 'the list as it stands')
    await submitFrame(services, d, gateFrame(d.serial, 4, 2, DESK_NOW_MS - 5 * 60_000, { userId: `W-${d.tag}` }))
    const next = await readEvents(reader, (data) => /在场 <strong class="in-now-total">1<\/strong> 人/.test(data))
    t.match(next, /<th scope="row">张伟<\/th>\s*<td>已离场<\/td>/, '张伟 went out through lane 2')
    ac.abort()
  })

  await t.test('the stream learns of a punch stored elsewhere (no in-process notice) by its poll', async (t) => {
    const ac = new AbortController()
    t.teardown(() => ac.abort())
    const res = await fetch(`${base}${desk}/on-site/events`, { headers: { accept: 'text/event-stream', cookie: lm }, signal: ac.signal })
    const reader = res.body!.getReader()
    await readEvents(reader, () => true)
    // As another instance would: the punch goes into the database without passing this instance's inbox, so no
    // in-process notice; only the stream's poll of the database can see it.
    const atMs = DESK_NOW_MS - 2 * 60_000
    await services.punches.append({
      projectId: d.site.projectId,
      deviceId: d.site.deviceId,
      recordId: '900',
      workerId: d.site.workerId,
      enrolmentId: d.site.enrolmentId,
      deviceTimeMs: atMs,
      receivedAtMs: atMs,
      workDate: TODAY,
      direction: 'in',
      verifyMethod: 'face',
      channel: 'gate',
      clockSuspect: null,
    })
    const next = await readEvents(reader, (data) => /在场 <strong class="in-now-total">2<\/strong> 人/.test(data))
    t.match(next, /<th scope="row">张伟<\/th>\s*<td>在场<\/td>/)
    ac.abort()
  })

  const review = `${desk}/review?month=${REVIEW_MONTH}`
  const fixPath = `${desk}/review/workers/${d.site.workerId}/days/${REVIEW_DAY}/corrections`
  const confirmPath = `${desk}/review/teams/${d.site.teamId}/confirmation`

  await t.test('the review queue: the day that needs review, with its punch and a form', async (t) => {
    const res = await get(base, review, lm)
    t.equal(res.status, 200)
    t.match(res.text, /<h1>考勤待审核 2026-10<\/h1>/)
    t.match(res.text, new RegExp(`id="day-${d.site.workerId}-${REVIEW_DAY}"`))
    t.match(res.text, /张伟 · 2026-10-12 · <span class="day-status">缺卡<\/span>/)
    t.match(res.text, /待审核原因：缺卡（只有进或只有出）/)
    t.match(res.text, /08:30:00 进 · 未配对/)
    t.match(res.text, `action="${fixPath}"`)
    t.match(res.text, `action="${confirmPath}"`, 'the labour manager may confirm')
    const tmView = await get(base, review, tm)
    t.equal(tmView.status, 200)
    t.match(tmView.text, `action="${fixPath}"`, 'a team manager corrects their team’s days')
    t.notMatch(tmView.text, /confirmation"/, 'but does not confirm (the API’s confirmation is the labour manager’s)')
    t.notMatch(tmView.text, /木工班/)
  })

  await t.test('an auditor reads the queue, without forms, and may not correct or confirm (403)', async (t) => {
    const res = await get(base, review, auditor)
    t.equal(res.status, 200)
    t.notMatch(res.text, /<form class="fix/)
    t.notMatch(res.text, /<form class="confirm/)
    const fix = await post(base, fixPath, auditor, { kind: 'set_status', status: 'present', reason: '核实' })
    t.equal(fix.status, 403)
    t.match(fix.text, /role_forbidden/)
    const confirm = await post(base, confirmPath, auditor, { month: REVIEW_MONTH })
    t.equal(confirm.status, 403)
    t.equal((await post(base, confirmPath, tm, { month: REVIEW_MONTH })).status, 403, 'nor may a team manager confirm')
  })

  await t.test('confirmation is refused with the API’s reason while a day needs review', async (t) => {
    const res = await post(base, confirmPath, lm, { month: REVIEW_MONTH })
    t.equal(res.status, 409)
    t.match(res.text, /role="alert"/)
    t.match(res.text, /还有考勤日待审核/)
    t.match(res.text, /<code>timesheet_needs_review<\/code>/)
    t.match(res.text, /张伟 2026-10-12：缺卡（只有进或只有出）/, 'the days it names')
  })

  await t.test('a correction without a reason: a clear error, nothing stored', async (t) => {
    const res = await post(base, fixPath, lm, { kind: 'add_punch', time: '17:30', direction: 'out', reason: '  ', month: REVIEW_MONTH })
    t.equal(res.status, 400)
    t.match(res.text, /role="alert"[^>]*>\s*<p>请填写更正原因（必填）/)
    t.match(res.text, /value="17:30"/, 'what was typed is kept')
    const fragment = await post(base, fixPath, lm, { kind: 'add_punch', time: '17:30', direction: 'out' }, { 'x-desk-fragment': '1' })
    t.equal(fragment.status, 400)
    t.match(fragment.text, /^\s*<li class="review-day needs-review"/, 'in place: the day alone')
    const month = await api.get<{ corrections: unknown[] }>(`/api/projects/${d.site.projectId}/workers/${d.site.workerId}/timesheets/${REVIEW_MONTH}`)
    t.same(month.corrections, [], 'no correction stored')
  })

  await t.test('the service refuses a correction: its reason is shown, nothing stored', async (t) => {
    const res = await post(base, fixPath, lm, { kind: 'add_punch', time: '07:00', direction: 'out', reason: '补卡' }, { 'x-desk-fragment': '1' })
    t.equal(res.status, 200, 'a punch before the in is a valid correction')
    t.match(res.text, /更正已保存/)
    // Revert the effect through the API: the test continues with the day still open.
    const month = await api.get<{ corrections: Array<{ id: string }> }>(`/api/projects/${d.site.projectId}/workers/${d.site.workerId}/timesheets/${REVIEW_MONTH}`)
    t.equal(month.corrections.length, 1)
    await api.post(`/api/projects/${d.site.projectId}/workers/${d.site.workerId}/days/${REVIEW_DAY}/corrections`, { kind: 'revoke', revokesId: month.corrections[0]!.id, reason: '测试撤回', author: 'admin' })
    const later = await post(base, `${desk}/review/workers/${d.site.workerId}/days/${TODAY}/corrections`, lm, { kind: 'add_punch', time: '23:59', direction: 'out', reason: '补卡' })
    t.equal(later.status, 400)
    t.match(later.text, /<code>correction_invalid<\/code>/)
  })

  await t.test('fixed in place, then the month confirmed', async (t) => {
    const res = await post(base, fixPath, lm, { kind: 'add_punch', time: '17:30', direction: 'out', reason: '闸机故障，班组长证明 17:30 离场', month: REVIEW_MONTH })
    t.equal(res.status, 303)
    t.equal(res.headers.get('location'), `${review}&notice=corrected#day-${d.site.workerId}-${REVIEW_DAY}`)
    const month = await api.get<{ corrections: Array<{ kind: string; author: string; reason: string }>; days: Array<{ workDate: string; needsReview: boolean; status: string }> }>(
      `/api/projects/${d.site.projectId}/workers/${d.site.workerId}/timesheets/${REVIEW_MONTH}`,
    )
    const added = month.corrections.find((c) => c.kind === 'add_punch' && c.reason.startsWith('闸机故障'))
    t.ok(added, 'stored through the correction service')
    t.equal(added?.author, d.logins.labourManager, 'the author is the signed-in person')
    t.equal(month.days.find((x) => x.workDate === REVIEW_DAY)?.status, 'present')
    const after = await get(base, `${review}&notice=corrected`, lm)
    t.match(after.text, /更正已保存/)
    t.notMatch(after.text, new RegExp(`id="day-${d.site.workerId}-${REVIEW_DAY}"`), 'the day left the queue')

    const confirmed = await post(base, confirmPath, lm, { month: REVIEW_MONTH, note: '已核对' })
    t.equal(confirmed.status, 303)
    const team = await api.get<{ state: string; confirmation: { confirmedBy: string } }>(`/api/projects/${d.site.projectId}/teams/${d.site.teamId}/timesheets/${REVIEW_MONTH}`)
    t.equal(team.state, 'manager_confirmed')
    t.equal(team.confirmation.confirmedBy, d.logins.labourManager)
    const again = await post(base, confirmPath, lm, { month: REVIEW_MONTH })
    t.equal(again.status, 409)
    t.match(again.text, /timesheet_already_confirmed/)
  })

  await t.test('devices and rejected inputs: last seen, refusals, the raw frame masked', async (t) => {
    const idNo = '330106199001011234'
    await submitFrame(services, d, gateFrame(d.serial, 5, 1, DESK_NOW_MS - 60_000, { idNo }))
    await settled(server)
    const devices = await get(base, `${desk}/devices`, lm)
    t.equal(devices.status, 200)
    t.match(devices.text, new RegExp(`<th scope="row">${d.serial}<span class="note">gate-ts200</span></th>`))
    t.match(devices.text, /unknown_worker/)
    t.notMatch(devices.text, new RegExp(idNo), 'no ID number on the page')
    const frameLink = new RegExp(`href="(${desk}/rejected/\\d+)"`).exec(devices.text)?.[1]
    t.ok(frameLink, 'the refusal links to its raw frame')

    const rejected = await get(base, `${desk}/rejected`, auditor)
    t.equal(rejected.status, 200, 'the auditor reads them too')
    t.match(rejected.text, /unknown_worker/)
    t.notMatch(rejected.text, new RegExp(idNo))

    const frame = await get(base, frameLink!, lm)
    t.equal(frame.status, 200)
    t.match(frame.text, /<pre class="frame"/)
    t.match(frame.text, /&quot;sn&quot;:&quot;GT-DK&quot;/, 'the frame as kept, escaped')
    t.notMatch(frame.text, new RegExp(idNo), 'the ID number masked as the API masks it')
    const other = await get(base, frameLink!.replace(d.site.projectId, d.otherProjectId), await signIn(base, d.logins.otherLabourManager))
    t.equal(other.status, 404, "under another project's desk the refusal is not found")
    const logged = await services.db.all<{ reason: string }>({ text: `SELECT reason AS "reason" FROM access_log WHERE action = 'denied' AND route = '/pages/projects/:projectId/desk/rejected/:id'`, params: [] })
    t.match(logged, [{ reason: 'out_of_scope' }], 'and the attempt is logged as a denial')
  })
})

