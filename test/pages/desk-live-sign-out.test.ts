/**
 * (Found by review.) The desk's live list (server-sent events) keeps streaming workers' names and who is on site after the
 * session that opened it was signed out (or its login disabled): sign-out does not take effect on an open stream
 * until the stream's ten-minute life ends.
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, gateFrame, registerDeskSite, seedDeskPunches, submitFrame } from './helpers/desk-site.ts'
import { postForm as post, signIn } from './helpers/http.ts'

async function nextOnSite(reader: ReadableStreamDefaultReader<Uint8Array>, state: { buffer: string }, ms: number): Promise<string | null> {
  const decoder = new TextDecoder()
  const deadline = Date.now() + ms
  for (;;) {
    let end: number
    while ((end = state.buffer.indexOf('\n\n')) >= 0) {
      const block = state.buffer.slice(0, end)
      state.buffer = state.buffer.slice(end + 2)
      if (/^event: on-site$/m.test(block)) return block
    }
    const left = deadline - Date.now()
    if (left <= 0) return null
    let timer: NodeJS.Timeout | undefined
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => (timer = setTimeout(() => r(null), left)))])
    clearTimeout(timer)
    if (chunk === null) return null
    if (chunk.done) return null
    state.buffer += decoder.decode(chunk.value, { stream: true })
  }
}

t.test('signing out ends the live desk stream at once', async (t) => {
  const server = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const { api, httpUrl: base, services } = server
  const d = await registerDeskSite(api, { tag: 'SO', seed: 81 })
  await seedDeskPunches(services, d)
  await settled(server)
  const lm = await signIn(base, d.logins.labourManager)
  const events = `/pages/projects/${d.site.projectId}/desk/on-site/events`
  const ac = new AbortController()
  t.teardown(() => ac.abort())
  const res = await fetch(base + events, { headers: { accept: 'text/event-stream', cookie: lm }, signal: ac.signal })
  t.equal(res.status, 200)
  const reader = res.body!.getReader()
  const state = { buffer: '' }
  t.ok(await nextOnSite(reader, state, 60_000), 'the list as it stands')

  const out = await post(base, '/pages/sign-out', lm)
  t.equal(out.status, 303, 'signed out')
  t.equal((await fetch(base + events, { headers: { accept: 'text/html', cookie: lm }, redirect: 'manual' })).status, 303, 'a new request with the cookie is refused')

  // A punch after sign-out: 张伟 leaves.
  await submitFrame(services, d, gateFrame(d.serial, 4, 2, DESK_NOW_MS - 5 * 60_000, { userId: `W-${d.tag}` }))
  const after = await nextOnSite(reader, state, 5_000)
  t.equal(after, null, 'no list of workers reaches the signed-out browser')
  ac.abort()
})
