/**
 * An inspector of the construction bureau (role auditor) opens the bureau's overview and drills into a project and a
 * month. README: each figure is "linked to the API route that holds it". The month's reconciliation figures (工人、应发、
 * 实发、少发) and the project page's "对账记录" link, and the overview's 按月足额支付 evidence, point at
 * GET /api/projects/{id}/reconciliations/{month}: there is no such GET route (only the POST that runs a reconciliation,
 * which the auditor may not call), so the inspector clicking the figure gets 404 {"code":"not_found","message":"No such
 * route."}. Every link the pages hand the auditor should open.
 */
import t from 'tap'
import { MONTH, createKey, postPayoutFile, registerAccessSite } from '../access/helpers/site.ts'
import { startTestServer } from '../helpers/server.ts'

t.test("the oversight pages' links all open for the auditor who was shown them", async (t) => {
  const { api } = await startTestServer(t)
  const site = await registerAccessSite(api, { tag: 'RV-OV', regionCode: '330106', bankCode: '103331000011', seed: 7201 })
  const bank = api.as((await createKey(api, 'bank RV', 'bank', { bankCode: '103331000011' })).key)
  await postPayoutFile(bank, api, site, 7201)
  const auditor = api.as((await createKey(api, 'inspector RV', 'auditor', { regionCode: '3301' })).key)

  const pages = ['/pages/oversight', `/pages/oversight/projects/${site.projectId}`, `/pages/oversight/projects/${site.projectId}/months/${MONTH}`]
  const links = new Set<string>()
  for (const page of pages) {
    const res = await auditor.fetch(page, { headers: { accept: 'text/html' } })
    t.equal(res.status, 200, page)
    for (const m of (await res.text()).matchAll(/href="(\/api\/[^"#]*)"/g)) links.add(m[1]!.replace(/&amp;/g, '&'))
  }
  t.ok([...links].some((l) => l.includes('/reconciliations/')), 'the pages link the reconciliation figures')
  for (const link of links) {
    const res = await auditor.fetch(link)
    const body = await res.text()
    t.not(res.status, 404, `${link} opens (${res.status} ${body.slice(0, 120)})`)
  }
})
