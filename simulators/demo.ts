/**
 * `npm run demo`: a simulated site's month on the embedded defaults.
 * Starts the service (real SQLite file, embedded MQTT broker over TCP, HTTP),
 * registers a site, publishes a month of gate and face-terminal punches over
 * MQTT, has the bank simulator post a GBK payout result file, and prints the
 * month's summary with every flag. The service keeps running afterwards
 * (Ctrl-C stops it); DEMO_EXIT=1 makes it exit after the summary.
 */
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadConfig } from '../src/config/env.ts'
import { formatYuan, fen, sumFen } from '../src/kernel/money.ts'
import { workDateOf } from '../src/kernel/time.ts'
import { startServer } from '../src/server.ts'
import { Api } from './api.ts'
import { bankResultFile } from './bank.ts'
import { DEFAULT_SITE, planSite, publishFrames, registerSite, simulateMonth } from './site.ts'

async function portOr0(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(0))
    s.listen(port, host, () => s.close(() => resolve(port)))
  })
}

function bar(done: number, total: number): string {
  const width = 30
  const filled = Math.round((done / total) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round((done / total) * 100)).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} frames`
}

const pad = (s: string | number, n: number): string => String(s).padStart(n)
const padEnd = (s: string, n: number): string => {
  // CJK characters take two columns in a terminal.
  const width = [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uffef]/.test(ch) ? 2 : 1), 0)
  return s + ' '.repeat(Math.max(0, n - width))
}

async function main(): Promise<void> {
  const started = Date.now()
  const base = loadConfig()
  const dataDir = process.env.DATA_DIR ?? './data/demo'
  rmSync(dataDir, { recursive: true, force: true }) // the demo's own database, fresh each run
  const config = {
    ...base,
    databaseUrl: `file:${dataDir}/wage-ledger.db`,
    httpPort: await portOr0(base.httpPort, base.host),
    mqttPort: await portOr0(base.mqttPort, base.mqttHost),
  }
  const server = await startServer(config, { logger: false })
  const api = new Api(server.httpUrl)
  console.log(`wage-ledger demo: service up — HTTP ${server.httpUrl}, MQTT ${server.mqttUrl}, database ${config.databaseUrl}`)

  const plan = planSite(DEFAULT_SITE)
  const site = await registerSite(api, plan)
  console.log(`Registered site ${plan.spec.siteCode}: ${plan.workers.length} workers in ${plan.teams.length} teams, ${plan.devices.length} devices (2 gates, 2 face terminals)`)

  const month = simulateMonth(plan)
  console.log(`Publishing ${plan.spec.month} over MQTT: ${month.frames.length} frames (incl. ${month.expected.duplicates} re-sent, ${month.expected.offlineSerial} offline on ${month.expected.offlineDay} replaying at the end, strangers, a garbled frame, an unregistered gate)`)
  const tty = process.stdout.isTTY
  let lastPct = -1
  await publishFrames(server.mqttUrl, month.frames, {
    onProgress: (done, total) => {
      const pct = Math.floor((done / total) * 100)
      if (pct === lastPct) return
      lastPct = pct
      if (tty) process.stdout.write(`\r${bar(done, total)}`)
      else if (pct % 10 === 0) console.log(bar(done, total))
    },
  })
  if (tty) process.stdout.write('\n')

  type DuePage = { payDate: string; next: string | null; workers: Array<{ workerId: string; name: string; teamId: string; dueFen: number; dueHalves: number; daysIncomplete: number }> }
  const payrollPath = `/api/projects/${site.projectId}/payroll/${plan.spec.month}?limit=200`
  const due = await api.get<DuePage>(payrollPath)
  for (let next = due.next; next !== null; ) {
    const page = await api.get<DuePage>(`${payrollPath}&after=${encodeURIComponent(next)}`)
    due.workers.push(...page.workers)
    next = page.next
  }
  const bank = bankResultFile(plan, site, due)
  const posted = await api.request<{ outcome: string; file: { lineCount: number } }>(
    'POST',
    `/api/projects/${site.projectId}/payout-files?period=${plan.spec.month}&filename=ABC-${plan.spec.month}-result.txt&postedBy=bank-simulator`,
    bank.file,
    'text/plain',
  )
  console.log(`Bank posted its GBK result file: ${posted.file.lineCount} lines (${posted.outcome})`)

  type Summary = {
    payDate: string
    workers: number
    dueDays: string
    daysIncomplete: number
    dueFen: number
    paidFen: number
    unknownPaidFen: number
    shortFen: number
    flagsByKind: Record<string, number>
    punches: number
    duplicates: number
    rejectedByReason: Record<string, number>
  }
  const summary = await api.get<Summary>(`/api/projects/${site.projectId}/summary/${plan.spec.month}`)
  // Re-sends and refusals count in the month they were received: the demo replays a past month today.
  const receivedMonth = workDateOf(Date.now(), plan.spec.timeZone).slice(0, 7)
  const received = receivedMonth === plan.spec.month ? summary : await api.get<Summary>(`/api/projects/${site.projectId}/summary/${receivedMonth}`)
  const flags = await api.get<{ flags: Array<{ kind: string; workerId: string | null; workerName: string | null; payeeCardMasked: string | null; dueFen: number | null; paidFen: number | null }> }>(
    `/api/projects/${site.projectId}/flags/${plan.spec.month}`,
  )
  const teams = await api.get<Array<{ id: string; name: string }>>(`/api/projects/${site.projectId}/teams`)

  const flagged = new Set(flags.flags.map((f) => f.workerId).filter(Boolean))
  console.log(`\nMonth summary — ${plan.spec.siteCode}, pay month ${plan.spec.month}, pay date ${summary.payDate}`)
  const header = `${padEnd('team', 12)}${pad('workers', 8)}${pad('days', 7)}${pad('incompl.', 9)}${pad('due ¥', 14)}${pad('flagged', 8)}`
  console.log(header)
  console.log('-'.repeat(header.length))
  for (const t of teams) {
    const ws = due.workers.filter((w) => w.teamId === t.id)
    console.log(
      `${padEnd(t.name, 12)}${pad(ws.length, 8)}${pad(ws.reduce((s, w) => s + w.dueHalves, 0) / 2, 7)}${pad(ws.reduce((s, w) => s + w.daysIncomplete, 0), 9)}${pad(formatYuan(sumFen(ws.map((w) => fen(w.dueFen)))), 14)}${pad(ws.filter((w) => flagged.has(w.workerId)).length, 8)}`,
    )
  }
  console.log('-'.repeat(header.length))
  console.log(`${padEnd('total', 12)}${pad(summary.workers, 8)}${pad(summary.dueDays, 7)}${pad(summary.daysIncomplete, 9)}${pad(formatYuan(fen(summary.dueFen)), 14)}${pad(flagged.size, 8)}`)
  console.log(`\nDue ¥${formatYuan(fen(summary.dueFen))}   paid to enrolled workers ¥${formatYuan(fen(summary.paidFen))}   short ¥${formatYuan(fen(summary.shortFen))}   paid to unknown cards ¥${formatYuan(fen(summary.unknownPaidFen))}`)
  console.log(`Punches stored ${summary.punches}; received in ${receivedMonth}: re-sends counted ${received.duplicates}, refused: ${Object.entries(received.rejectedByReason).map(([r, n]) => `${r} ${n}`).join(', ')}`)
  const attendance = await api.getAll<{ kind: string }>(`/api/projects/${site.projectId}/attendance-flags/${plan.spec.month}?limit=200`)
  const attendanceByKind: Record<string, number> = {}
  for (const f of attendance) attendanceByKind[f.kind] = (attendanceByKind[f.kind] ?? 0) + 1
  const policy = await api.get<{ incompleteDay: string }>(`/api/projects/${site.projectId}/attendance-policy`)
  console.log(
    `Timesheet: ${Object.entries(attendanceByKind).map(([k, n]) => `${k} ${n}`).join(', ') || 'nothing to review'} (incomplete days: ${policy.incompleteDay}${policy.incompleteDay === 'needs_review' ? ', they earn nothing until a labour manager corrects them' : ''})`,
  )
  console.log('\nFlags by kind:')
  for (const [kind, n] of Object.entries(summary.flagsByKind)) {
    console.log(`  ${padEnd(kind, 24)}${pad(n, 3)}`)
    for (const f of flags.flags.filter((x) => x.kind === kind).slice(0, 4)) {
      const who = f.workerName ?? `card ${f.payeeCardMasked}`
      const money = [f.dueFen !== null ? `due ¥${formatYuan(fen(f.dueFen))}` : '', f.paidFen !== null ? `paid ¥${formatYuan(fen(f.paidFen))}` : ''].filter(Boolean).join(', ')
      console.log(`      ${padEnd(who, 14)} ${money}`)
    }
  }
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
  console.log(`Explore: ${server.httpUrl}/docs · ${server.httpUrl}/api/projects/${site.projectId}/flags/${plan.spec.month} · ${server.httpUrl}/api/rejected-inputs`)
  console.log(`Attendance sheet (考勤表) of ${teams[0]?.name}: ${server.httpUrl}/api/projects/${site.projectId}/teams/${teams[0]?.id}/timesheets/${plan.spec.month}/attendance-sheet.html`)

  if (process.env.DEMO_EXIT === '1') {
    await server.close()
    return
  }
  console.log('The service keeps running; Ctrl-C stops it.')
  const stop = () => void server.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
