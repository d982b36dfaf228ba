/**
 * The bureau overview over plain HTTP (issue 13): an auditor of 3301 sees the 3301 projects and none of 3302's, each
 * with the six colours its facts give; a 3302 project's drill-down is a 404 page; a labour manager gets a 403 page;
 * the exports carry the same rows (CSV with a BOM, XLSX with a sheet per section); the chart's script and ECharts are
 * served locally. The overview is the scope's snapshot (src/oversight/snapshots.ts): a change shows after the refresh
 * (driven here by hand, or by the manual clock passing the staleness limit), never half-way, and the page and the
 * exports say the time their figures are as of.
 */
import t from 'tap'
import ExcelJS from 'exceljs'
import { fen } from '../../src/kernel/money.ts'
import { ManualClock } from '../../src/kernel/time.ts'
import { OVERVIEW_STALE_MS } from '../../src/oversight/snapshots.ts'
import { startTestServer } from '../helpers/server.ts'
import { punchTopic } from '../../src/punches/admit.ts'
import { createKey, createLogin, MONTH, postPayoutFile, registerAccessSite } from '../access/helpers/site.ts'
import { PASSWORD } from './helpers/site.ts'

/** 2026-12-03 10:00 in Hangzhou: with pay day 10, the month due is 2026-10 (November is paid by 10 December). */
const NOW_MS = Date.parse('2026-12-03T02:00:00Z')

async function get(base: string, path: string, cookie?: string): Promise<{ status: number; headers: Headers; text: string; bytes: Buffer }> {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html,*/*;q=0.8', ...(cookie ? { cookie } : {}) } })
  const bytes = Buffer.from(await res.arrayBuffer())
  return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes }
}

async function signIn(base: string, login: string): Promise<string> {
  const res = await fetch(`${base}/pages/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ login, password: PASSWORD }) })
  return /^(wl_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!
}

/** The colour names in a project's row, in the six systems' order. */
function coloursOf(html: string, projectName: string): string[] {
  const row = html.split('<tr>').find((r) => r.includes(`>${projectName}</a>`))
  return [...(row ?? '').matchAll(/class="light light-(green|yellow|red)"/g)].map((m) => m[1]!)
}

t.test('the bureau overview', async (t) => {
  const clock = new ManualClock(NOW_MS)
  const { api, httpUrl: base, services } = await startTestServer(t, { clock })
  const hz = await registerAccessSite(api, { tag: 'OV-HZ', regionCode: '330106', bankCode: '103331000017', seed: 61 })
  const nb = await registerAccessSite(api, { tag: 'OV-NB', regionCode: '330201', bankCode: '103332000017', seed: 62 })
  await createLogin(api, 'auditor.ov', 'auditor', { regionCode: '3301' })
  await createLogin(api, 'lm.ov', 'labour_manager', { organisationId: hz.generalContractorId })
  const auditor = await signIn(base, 'auditor.ov')

  await t.test('an auditor of 3301 sees the 3301 project with its six colours, and not the 3302 one', async (t) => {
    const page = await get(base, '/pages/oversight', auditor)
    t.equal(page.status, 200)
    t.match(page.text, /<h1>监管总览<\/h1>/)
    t.match(page.text, '数据截至 2026-12-03 10:00:00', 'the time the figures are as of, in the bureau\'s zone')
    t.match(page.text, '工程 OV-HZ')
    t.notMatch(page.text, '工程 OV-NB', "another city's project is not shown")
    // The one worker has no contract (red); the dedicated account it was created with, and no statement posted
    // (yellow); October had a worker and no paid line (red); no contract recorded, so the deposit cannot be checked
    // (yellow); the board lacks the labour manager (yellow); October not reconciled (yellow).
    t.same(coloursOf(page.text, '工程 OV-HZ'), ['red', 'yellow', 'red', 'yellow', 'yellow', 'yellow'])
    // The risk index beside them, with the reason that raised it (src/risk/risk-index.ts: 100% of the month unpaid).
    t.match(page.text, /<summary class="risk-score light-yellow"><span aria-hidden="true" class="swatch"><\/span>15\.0 黄/)
    t.match(page.text, '<li>未发放人数 +15.0：在册 1 人中 1 人未发放（100.00%）</li>')
    t.match(page.text, '超过 10% 的在场工人缺劳动合同或安全培训')
    t.match(page.text, `href="/api/projects/${hz.projectId}/enrolments"`, 'evidence links to its source')
    t.match(page.text, '<script src="/assets/echarts.min.js" defer></script>')
    t.match(page.text, /<script type="application\/json" id="incidence-data">\{"months":\["2026-01",/)
  })

  await t.test('a statement with a labour-cost credit turns 专用账户 from yellow to green after the refresh', async (t) => {
    // (Before a project's account was its register's first entry, this was the registration turning it from red.)
    const csv = ['账号,19045101040000061', '户名,总包 OV-HZ 农民工工资专用账户', '币种,人民币', '交易日期,记账日期,借方金额,贷方金额,对方账号,对方户名,流水号,摘要', '2026-11-20,2026-11-20,,3500.00,33050161880000001234,建设单位 OV-HZ,OVHZ20261120,人工费拨付', ''].join('\r\n')
    await api.request('POST', `/api/projects/${hz.projectId}/account-statements`, Buffer.from(csv, 'utf8'), 'text/csv')
    const before = await get(base, '/pages/oversight', auditor)
    t.same(coloursOf(before.text, '工程 OV-HZ'), ['red', 'yellow', 'red', 'yellow', 'yellow', 'yellow'], 'the snapshot until the refresh')
    t.match(before.text, '已登记专用账户，但未上传对账单')
    t.match(before.text, '数据截至 2026-12-03 10:00:00')
    clock.advance(20_000)
    t.equal(await services.oversight.snapshots.refresh(), 1, "the auditor's one scope is refreshed")
    const page = await get(base, '/pages/oversight', auditor)
    t.same(coloursOf(page.text, '工程 OV-HZ'), ['red', 'green', 'red', 'yellow', 'yellow', 'yellow'])
    t.match(page.text, '天内有人工费拨入')
    t.match(page.text, '数据截至 2026-12-03 10:00:20')
  })

  await t.test('the exports carry what is on screen', async (t) => {
    const csv = await get(base, '/pages/oversight/export.csv', auditor)
    t.equal(csv.status, 200)
    t.match(csv.headers.get('content-type') ?? '', 'text/csv')
    t.same([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM')
    // The risk index first (every worker of the month due unpaid: 15.0, yellow, with its reason), then the six colours.
    t.match(csv.text, '工程 OV-HZ,OV-HZ,330106,2026-10,15.0,黄,在册 1 人中 1 人未发放（100.00%） +15.0,红,')
    t.match(csv.text, /^\uFEFF?监管总览 数据截至 2026-12-03 10:00:20\r\n/, 'the same snapshot as the screen, with its time')
    t.notMatch(csv.text, 'OV-NB')
    const xlsx = await get(base, '/pages/oversight/export.xlsx', auditor)
    t.equal(xlsx.status, 200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(xlsx.bytes as unknown as ArrayBuffer)
    t.same(wb.worksheets.map((s) => s.name), ['六项制度', '欠薪发生率', '未结案件账龄', '欠薪金额最大', '涉及人数最多'])
    t.equal(wb.getWorksheet('六项制度')!.getRow(2).getCell(1).value, '工程 OV-HZ')
  })

  await t.test("a 3302 project's drill-down is a 404 page; a labour manager gets 403; no session signs in first", async (t) => {
    const other = await get(base, `/pages/oversight/projects/${nb.projectId}`, auditor)
    t.equal(other.status, 404)
    t.notMatch(other.text, 'OV-NB')
    const own = await get(base, `/pages/oversight/projects/${hz.projectId}`, auditor)
    t.equal(own.status, 200)
    t.match(own.text, '工程 OV-HZ')
    const lm = await signIn(base, 'lm.ov')
    for (const path of ['/pages/oversight', '/pages/oversight/export.csv', `/pages/oversight/projects/${hz.projectId}`]) {
      const r = await get(base, path, lm)
      t.equal(r.status, 403, path)
      t.notMatch(r.text, '工程 OV-HZ')
    }
    t.equal((await get(base, '/pages/oversight')).status, 303)
  })

  await t.test('with a punch and a bank file: the drill-down reaches the punch, the bank line (masked) and the case', async (t) => {
    const ts = Date.UTC(2026, 9, 12, 0, 30) / 1000
    const outcome = await services.inbox.submit({
      topic: punchTopic('OV-HZ', 'GT-OV-HZ'),
      payload: Buffer.from(JSON.stringify({ sn: 'GT-OV-HZ', seq: 1, lane: 1, userId: 'W-OV-HZ', ts, mode: 'face' })),
      clientId: 'GT-OV-HZ',
    })
    t.same(outcome, { kind: 'stored' })
    const bank = await createKey(api, 'bank 103', 'bank', { bankCode: '103' })
    await postPayoutFile(api.as(bank.key), api, hz, 61)
    // No refresh ran: the snapshot, now older than the staleness limit by the service's clock, is recomputed by the
    // request that finds it.
    clock.advance(OVERVIEW_STALE_MS + 1_000)
    const overview = await get(base, '/pages/oversight', auditor)
    t.match(overview.text, '数据截至 2026-12-03 10:03:21')
    // Paid through the bank without an instruction (总包代发 yellow); October reconciled with nothing short and no arrears
    // case (the punch made no credited day, so the ¥100 is PAID_WITHOUT_ATTENDANCE, not a shortfall).
    t.same(coloursOf(overview.text, '工程 OV-HZ'), ['red', 'green', 'yellow', 'yellow', 'yellow', 'green'])
    const project = await get(base, `/pages/oversight/projects/${hz.projectId}`, auditor)
    t.match(project.text, `href="/pages/oversight/projects/${hz.projectId}/months/${MONTH}"`)
    const month = await get(base, `/pages/oversight/projects/${hz.projectId}/months/${MONTH}`, auditor)
    t.equal(month.status, 200)
    t.match(month.text, />PAID_WITHOUT_ATTENDANCE<\/a><\/th><td>open<\/td>/, "the month's cases, each linked to its history")
    t.match(month.text, `href="/pages/oversight/projects/${hz.projectId}/months/${MONTH}/teams/${hz.teamId}"`)
    const team = await get(base, `/pages/oversight/projects/${hz.projectId}/months/${MONTH}/teams/${hz.teamId}`, auditor)
    t.match(team.text, `href="/pages/oversight/projects/${hz.projectId}/months/${MONTH}/workers/${hz.workerId}"`)
    const worker = await get(base, `/pages/oversight/projects/${hz.projectId}/months/${MONTH}/workers/${hz.workerId}`, auditor)
    t.equal(worker.status, 200)
    t.match(worker.text, /<li class="punch">08:30:00 in/, 'the punch, in Hangzhou time')
    t.match(worker.text, /\*\*\*\*\d{4}/, 'the card masked')
    // A run of digits inside a hex id (a case id is 32 hex characters) is not a card: a card number stands alone.
    t.notMatch(worker.text, /(?<![0-9a-f])\d{16,19}(?![0-9a-f])/, 'no full card number')
    t.match(worker.text, `/api/projects/${hz.projectId}/payout-files/${hz.fileId}/lines`)
    t.match(worker.text, `/api/projects/${hz.projectId}/cases/`)
  })

  await t.test('a new arrears case shows after the refresh: 按月足额支付 red, the largest arrears, the ages', async (t) => {
    const before = await get(base, '/pages/oversight', auditor)
    t.equal(coloursOf(before.text, '工程 OV-HZ')[5], 'green')
    await services.cases.onRun({
      runId: 'run-ov-unpaid',
      projectId: hz.projectId,
      month: MONTH,
      atMs: clock.nowMs(),
      flags: [{ kind: 'UNPAID', workerId: hz.workerId, payeeCard: null, dueFen: fen(300_000), paidFen: fen(0), evidence: { period: MONTH } }],
    })
    const stale = await get(base, '/pages/oversight', auditor)
    t.equal(coloursOf(stale.text, '工程 OV-HZ')[5], 'green', 'not yet: the snapshot is a minute old at most')
    t.notMatch(stale.text, '¥3000.00')
    clock.advance(60_000)
    await services.oversight.snapshots.refresh()
    const page = await get(base, '/pages/oversight', auditor)
    t.equal(coloursOf(page.text, '工程 OV-HZ')[5], 'red')
    t.match(page.text, '有未结的欠薪案件')
    t.match(page.text, /id="by-amount-heading">欠薪金额最大<\/h2>[\s\S]*?工程 OV-HZ<\/a><\/th><td>2026-10<\/td><td><a [^>]+>1<\/a><\/td><td>¥3000.00<\/td>/)
    t.match(page.text, '数据截至 2026-12-03 10:04:21')
    // The case raises the risk index by 4.0 (a case); ¥3,000 and one worker are under every step of the formula.
    t.match(page.text, /<li>欠薪案件 \+4\.0：欠薪案件 ¥3000\.00，1 人<\/li>/)
    const csv = await get(base, '/pages/oversight/export.csv', auditor)
    t.match(csv.text, '工程 OV-HZ,2026-10,1,3000.00', 'the export reads the same refreshed snapshot')
  })

  await t.test('ECharts and the chart script are served locally', async (t) => {
    for (const name of ['echarts.min.js', 'oversight.js']) {
      const r = await get(base, `/assets/${name}`)
      t.equal(r.status, 200, name)
      t.match(r.headers.get('content-type') ?? '', 'javascript')
    }
  })
})
