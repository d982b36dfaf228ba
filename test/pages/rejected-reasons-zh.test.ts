/**
 * The desk's rejected inputs (拒收记录) are a zh-CN page: each refusal's reason is named in Chinese, with the reason
 * code and the service's English sentence (which carries the specifics: the serial, the field, the line) kept beside
 * it, on the list, on a refusal's own page and under its device. (Found by review: the page showed the codes and the
 * English sentences only.)
 */
import t from 'tap'
import { ManualClock } from '../../src/kernel/time.ts'
import { settled, startTestServer } from '../helpers/server.ts'
import { DESK_NOW_MS, gateFrame, registerDeskSite, submitFrame } from './helpers/desk-site.ts'
import { getPage as get, signIn } from './helpers/http.ts'

t.test('rejected inputs show their reasons in Chinese, the code and English detail kept (Found by review.)', async (t) => {
  const server = await startTestServer(t, { clock: new ManualClock(DESK_NOW_MS) })
  const { api, services, httpUrl: base } = server
  const d = await registerDeskSite(api, { tag: 'RZ', seed: 131 })
  const desk = `/pages/projects/${d.site.projectId}/desk`
  // A face nobody enrolled, and a bank file with no header: a frame and a file refused.
  await submitFrame(services, d, gateFrame(d.serial, 7, 1, DESK_NOW_MS - 60_000, { userId: 'NOBODY-RZ' }))
  await settled(server)
  const file = await api.fetch(`/api/projects/${d.site.projectId}/payout-files?period=2026-10`, { method: 'POST', body: Buffer.from('not a bank file\n'), headers: { 'content-type': 'text/plain' } })
  t.equal(file.status, 422)

  const lm = await signIn(base, d.logins.labourManager)
  const list = await get(base, `${desk}/rejected`, lm)
  t.equal(list.status, 200)
  t.match(list.text, /设备上的人员不是已登记的工人/, 'unknown_worker in Chinese')
  t.match(list.text, /银行代发结果文件无法读取/, 'payout_file_invalid in Chinese')
  t.match(list.text, /<code>unknown_worker<\/code>/, 'the code kept')
  t.match(list.text, /is not a registered worker/, 'and the English sentence with the specifics')

  const link = new RegExp(`href="(${desk}/rejected/\\d+)"`).exec(list.text)?.[1]
  const frame = await get(base, link!, lm)
  t.match(frame.text, /(设备上的人员不是已登记的工人|银行代发结果文件无法读取)/, "a refusal's own page names its reason in Chinese")

  const devices = await get(base, `${desk}/devices`, lm)
  t.match(devices.text, /设备上的人员不是已登记的工人/, "the device's newest refusals too")
})
