/**
 * (Found by review.) An inspector of the construction bureau (role auditor) opens the bureau's overview and drills into a project and a
 * month. README: each figure is "linked to the API route that holds it". The month's reconciliation figures (工人、应发、
 * 实发、少发) and the project page's "对账记录" link, and the overview's 按月足额支付 evidence, point at
 * GET /api/projects/{id}/reconciliations/{month}: there is no such GET route (only the POST that runs a reconciliation,
 * which the auditor may not call), so the inspector clicking the figure gets 404 {"code":"not_found","message":"No such
 * route."}. Every link the pages hand the auditor should open: the reconciliation links now open the month's
 * reconciliation record (GET …/reconciliations/{month}), the newest run's figures with its flags linked.
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

  // The record shows the figures the pages showed beside the link, and leads to the flags.
  const record = await auditor.get<{ run: { dueFen: number; paidFen: number; shortFen: number; workers: number } | null; flagsByKind: Record<string, number>; flagsHref: string }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`)
  const summary = await auditor.get<{ paidFen: number; shortFen: number; workers: number }>(`/api/projects/${site.projectId}/summary/${MONTH}`)
  t.ok(record.run, 'the month was reconciled when the bank file came')
  t.match(record.run, { paidFen: summary.paidFen, shortFen: summary.shortFen }, "the run's figures, as the month summary has them")
  const flags = await auditor.get<{ run: { id: string; flagCount: number } }>(record.flagsHref)
  t.equal(Object.values(record.flagsByKind).reduce((a, b) => a + b, 0), flags.run.flagCount, 'the flags counted by kind are the run the flags listing shows')
  // Read only: the auditor still may not run one; a month never reconciled reads as such, not as missing.
  t.equal(await auditor.fetch(`/api/projects/${site.projectId}/reconciliations/${MONTH}`, { method: 'POST' }).then((r) => r.status), 403, 'the auditor may not run one')
  t.same((await auditor.get<{ run: unknown }>(`/api/projects/${site.projectId}/reconciliations/2025-01`)).run, null, 'never reconciled: run is null')
  const bankRecord = await bank.get<{ run: unknown }>(`/api/projects/${site.projectId}/reconciliations/${MONTH}`)
  t.ok(bankRecord.run, 'the bank reads the figures it is given on its own post')
})
