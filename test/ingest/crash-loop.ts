/**
 * Crash loop (崩溃循环): the service is killed with SIGKILL at a random moment,
 * again and again, on one SQLite file, and after every kill the file is read
 * directly to prove what a crash may never do: corrupt the file, lose a punch
 * whose PUBACK reached its gate, store a punch twice, or keep part of a payout
 * file (a payout file is stored whole, with its reconciliation run, or not at
 * all). Each loop restarts on the file the last kill left, so migrations and
 * the start-up sweep run on a crashed file too, and some kills land during
 * that start-up.
 *
 * Gates keep the device contract: a record not acknowledged is sent again in
 * the next loop, with the same bytes. Payout files are posted over HTTP, one
 * after another, of varied sizes (large ones so that a kill lands inside the
 * transaction), and earlier files are posted again (stored ones must answer
 * `payout_file_exists`, lost ones are stored now).
 *
 *   npm run test:crash-loop -- --loops 100 [--seed 12345] [--verbose] [--keep]
 *
 * The plan of each loop (kill moment, files, punch counts) follows from the
 * seed; where the kill lands in the work follows from timing as well, so a
 * replay with the same seed repeats the plan, not the exact cut.
 */
import Database from 'better-sqlite3'
import mqtt from 'mqtt'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fen, Money } from '../../src/kernel/money.ts'
import { formatPayoutFile, type PayoutFileEncoding, type PayoutFileLineInput } from '../../src/payouts/file-format.ts'
import { Api } from '../../simulators/api.ts'
import { personName } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { createAdminKey } from '../helpers/admin-key.ts'
import { freePort } from '../helpers/free-port.ts'
import { launchService, spawnService, waitReady, type ChildService, type Teardown } from './helpers/child-service.ts'

/** What is checked after every kill; the test asserts each kind on its own, so a failure names what broke. */
export const CHECK_KINDS = {
  service_runs: 'the service starts on the file the last kill left and runs until it is killed',
  integrity: 'PRAGMA integrity_check is ok',
  acked_punches_stored: 'every punch whose PUBACK reached its gate is stored',
  punches_once: 'no punch is stored twice, and none stored earlier has gone',
  punches_only_sent: 'nothing is stored that no gate sent',
  files_whole: 'every stored payout file holds exactly the lines it was posted with, its totals and its reconciliation run',
  answered_files_stored: 'every payout file answered 2xx is stored',
  no_orphan_lines: 'no payout line without its file',
  answers: 'every answer is 200/201 with the outcome the file history implies, and nothing sent was refused',
  converged: 'after a clean restart and the re-sends, everything sent is stored exactly once',
} as const
export type CheckKind = keyof typeof CHECK_KINDS

export type KillMode = 'startup' | 'ingest' | 'post'

export interface CrashLoopFailure {
  /** 1-based; loops + 1 is the final clean run. */
  loop: number
  check: CheckKind
  detail: string
}

export interface CrashLoopReport {
  seed: number
  loops: number
  kills: Record<KillMode, number>
  punchesSent: number
  punchesAcked: number
  punchesStored: number
  /** Found stored when their gate had no PUBACK: the kill fell between commit and acknowledgement. */
  punchesStoredUnacked: number
  filesPosted: number
  filesReposted: number
  filesAnswered: number
  filesStored: number
  payoutLinesStored: number
  /** Posts the kill cut before their answer: stored (the commit came first) or absent (it did not). */
  postsCut: { stored: number; absent: number }
  /** The database file and its WAL at the end. */
  dbBytes: number
  failures: CrashLoopFailure[]
  elapsedMs: number
  dbPath: string
}

export interface CrashLoopOptions {
  loops: number
  seed: number
  /** Where the SQLite file lives; the caller removes it. */
  dir: string
  /** Children are killed in this test's teardown too (a script passes nothing: the exit hook kills them). */
  t?: Teardown
  log?: (line: string) => void
  verbose?: boolean
  /** Runs on the file after each kill (loop), and after the final clean run (loops + 1), before it is checked: the test of the checks themselves tampers here. */
  beforeCheck?: (dbPath: string, loop: number) => void
}

// Gates and their punches.
const GATES = ['GT-01', 'GT-02', 'GT-03', 'GT-04', 'GT-05', 'GT-06']
/** Publishes outstanding per gate: enough that a kill always finds some in flight, few enough that each loop stays short. */
const IN_FLIGHT_PER_GATE = 32
/** New records per gate per loop (plus whatever the last loop left unacknowledged). */
const NEW_RECORDS_PER_GATE_MIN = 50
const NEW_RECORDS_PER_GATE_MAX = 400

// Payout files.
const POSTS_PER_LOOP_MIN = 1
const POSTS_PER_LOOP_MAX = 4
const REPOST_CHANCE = 0.3
/** Stored files kept for re-posting; older ones drop their bytes (files never stored keep theirs until they are). */
const REPOST_POOL_STORED_MAX = 16
const LINE_AMOUNT_FEN_MAX = 2_000_000

// Kill moments.
const STARTUP_KILL_CHANCE = 0.1
const POST_KILL_CHANCE = 0.4
/** Before the first start is measured: about what a start takes on a quiet 2-core machine. */
const STARTUP_MS_GUESS = 2_000
/** A loop whose planned kill never came (traffic stalled) is killed anyway; longer than a start may take (child-service waits 30 s). */
const LOOP_MS_MAX = 60_000
/** Starts of a child again on other ports when one freePort() found was taken before the child listened. */
const PORT_RACE_ATTEMPTS = 3

const SENT = 1
const ACKED = 2
const STORED = 4

interface Gate {
  serial: string
  index: number
  /** Per record seq: SENT | ACKED | STORED. */
  state: Uint8Array
  nextSeq: number
  /** Sent, not yet acknowledged: re-sent next loop. */
  pending: Set<number>
}

interface SentFile {
  no: number
  sha256: string
  period: string
  encoding: PayoutFileEncoding
  /** Kept until the file is stored and verified. */
  lines: PayoutFileLineInput[] | undefined
  lineCount: number
  /** Kept while the file may be posted again. */
  bytes: Buffer | undefined
  stored: boolean
  answered2xx: boolean
}

interface PostPlan {
  file: SentFile
  repost: boolean
}

interface LoopPlan {
  mode: KillMode
  /** ingest: once this many PUBACKs have arrived in the loop (or when the gates are done, if fewer). */
  killAfterAcks: number
  /** Set when the loop runs: ms after launch (startup) or after the chosen post was sent (post). */
  killDelayMs: number
  /**
   * startup: the fraction of the last start's duration, post: of the last post of that size's duration, after which
   * the service is killed (a little over 1 kills it just after). Durations vary by seconds with the machine's load.
   */
  killFraction: number
  killAtPost: number
  newRecordsPerGate: number[]
  posts: PostPlan[]
}

interface Answer {
  file: SentFile
  /** 0: the kill came before the answer. */
  status: number
  body: unknown
}

function grow(gate: Gate, seq: number): void {
  if (seq < gate.state.length) return
  let size = gate.state.length
  while (size <= seq) size *= 2
  const next = new Uint8Array(size)
  next.set(gate.state)
  gate.state = next
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function tail(text: string, chars = 2_000): string {
  return text.length > chars ? `…${text.slice(-chars)}` : text
}

function brief(items: readonly string[], max = 10): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} … (${items.length} in all)` : items.join(', ')
}

export async function runCrashLoop(opts: CrashLoopOptions): Promise<CrashLoopReport> {
  const started = Date.now()
  const log = opts.log ?? (() => {})
  const rng = new Rng(opts.seed)
  const dbPath = join(opts.dir, 'crash-loop.db')
  const databaseUrl = `file:${dbPath}`
  const failures: CrashLoopFailure[] = []
  const kills: Record<KillMode, number> = { startup: 0, ingest: 0, post: 0 }
  let loop = 0
  const fail = (check: CheckKind, detail: string): void => {
    failures.push({ loop, check, detail })
    log(`crash-loop: FAILED loop ${loop} (seed ${opts.seed}) ${check}: ${detail}`)
  }
  const ports = async () => ({ databaseUrl, httpPort: await freePort(), mqttPort: await freePort() })
  // The setup's and the final run's children, started again on other ports when one was taken meanwhile (see the loop).
  const spawnOnFreePorts = async (): Promise<ChildService> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spawnService(opts.t, await ports())
      } catch (err) {
        if (attempt >= PORT_RACE_ATTEMPTS || !String(err).includes('EADDRINUSE')) throw err
      }
    }
  }

  // Setup through the API of a first child, closed cleanly: the loops start from a sound file. The key and the gates'
  // secrets are in the file, so they hold for every later child.
  const adminKey = await createAdminKey(databaseUrl, 'crash loop')
  const setup = await spawnOnFreePorts()
  const api = new Api(setup.httpUrl, adminKey)
  const plan = planSite({ ...DEFAULT_SITE, workers: 12, teams: 2, seed: opts.seed % 100_000 })
  const site = await registerSite(api, plan)
  const installedAt = new Date(Date.now() - 30 * 86_400_000).toISOString()
  for (const serial of GATES) {
    if (plan.devices.some((d) => d.serial === serial)) continue
    const gate = await api.post<{ mqtt: { password: string } }>(`/api/projects/${site.projectId}/devices`, { serial, model: 'gate-ts200', settings: { lanes: { '1': 'in', '2': 'out' } }, location: serial, installedAt })
    site.secrets.set(serial, gate.mqtt.password)
  }
  await setup.stop()

  const idNumbers = plan.workers.map((w) => w.idNumber)
  // Device times an hour or three before now: inside the admission window, after installation, never ahead.
  const baseSeconds = Math.floor(started / 1000) - 3 * 3600
  const gates: Gate[] = GATES.map((serial, index) => ({ serial, index, state: new Uint8Array(1024), nextSeq: 1, pending: new Set() }))
  const gateBySerial = new Map(gates.map((g) => [g.serial, g]))
  const topicOf = (g: Gate) => `wl/v1/${plan.spec.siteCode}/${g.serial}/punch`
  /** The same bytes every time a record is sent, as a device re-sends what it keeps. */
  const payloadOf = (g: Gate, seq: number): Buffer =>
    Buffer.from(JSON.stringify({ sn: g.serial, seq, lane: (seq % 2) + 1, idNo: idNumbers[(seq + g.index) % idNumbers.length], ts: baseSeconds + (seq % 7_200), mode: 'card' }))

  const files: SentFile[] = []
  const filesBySha = new Map<string, SentFile>()
  const storedRecent: SentFile[] = []
  let filesReposted = 0
  let filesAnswered = 0
  let payoutLinesStored = 0
  let punchesStored = 0
  /** Committed, but the kill came before the PUBACK: the gate sends it again and it counts as a duplicate. */
  let punchesStoredUnacked = 0
  let postsCutStored = 0
  let postsCutAbsent = 0

  /** Every file gets bank references of its own: a reference is one payment, counted once per project. */
  const newFile = (): SentFile => {
    const no = files.length + 1
    const r = rng.next()
    // Mostly small, some of a few hundred lines, and a few large enough that posting one takes a noticeable while.
    const count = r < 0.6 ? rng.int(1, 30) : r < 0.92 ? rng.int(100, 1_000) : rng.int(2_000, 5_000)
    const period = `${rng.int(2001, 2025)}-${String(rng.int(1, 12)).padStart(2, '0')}`
    const encoding: PayoutFileEncoding = rng.chance(0.5) ? 'gbk' : 'utf-8'
    const lines: PayoutFileLineInput[] = Array.from({ length: count }, (_, i) => {
      const failed = rng.chance(0.05)
      return {
        seq: i + 1,
        payeeCard: `6228${String(rng.int(0, 999_999_999_999)).padStart(12, '0')}`,
        payeeName: personName(rng),
        amountFen: fen(rng.int(1, LINE_AMOUNT_FEN_MAX)),
        status: failed ? 'failed' : 'success',
        bankRef: `CL${opts.seed}F${no}L${i + 1}`,
        valueDate: `${period}-${String(rng.int(1, 28)).padStart(2, '0')}`,
        failureReason: failed ? '账户冻结' : null,
      }
    })
    const bytes = formatPayoutFile(lines, { encoding, delimiter: rng.chance(0.5) ? '|' : ',', withTotals: rng.chance(0.5), chineseHeader: rng.chance(0.5) })
    const file: SentFile = { no, sha256: createHash('sha256').update(bytes).digest('hex'), period, encoding, lines, lineCount: count, bytes, stored: false, answered2xx: false }
    files.push(file)
    filesBySha.set(file.sha256, file)
    return file
  }

  const planLoop = (): LoopPlan => {
    const r = rng.next()
    const mode: KillMode = r < STARTUP_KILL_CHANCE ? 'startup' : r < STARTUP_KILL_CHANCE + POST_KILL_CHANCE ? 'post' : 'ingest'
    const newRecordsPerGate = gates.map(() => rng.int(NEW_RECORDS_PER_GATE_MIN, NEW_RECORDS_PER_GATE_MAX))
    const posts: PostPlan[] = []
    const n = rng.int(POSTS_PER_LOOP_MIN, POSTS_PER_LOOP_MAX)
    for (let i = 0; i < n; i++) {
      const candidates = files.filter((f) => f.bytes !== undefined)
      if (candidates.length > 0 && rng.chance(REPOST_CHANCE)) posts.push({ file: rng.pick(candidates), repost: true })
      else posts.push({ file: newFile(), repost: false })
    }
    const killAtPost = rng.int(0, n - 1)
    const killFraction = rng.next() * 1.1
    // Acks, not milliseconds: how soon the first PUBACK comes after a start varies by seconds with the machine's load.
    const killAfterAcks = rng.int(1, newRecordsPerGate.reduce((a, b) => a + b, 0))
    return { mode, killAfterAcks, killDelayMs: 0, killFraction, killAtPost, newRecordsPerGate, posts }
  }

  /** One gate's stream for this loop: what the last loop left unacknowledged, then new records; stops when the connection goes. */
  const publishGate = async (child: ChildService, g: Gate, newCount: number, ackedNow: Array<[Gate, number]>, onAck?: () => void): Promise<void> => {
    const seqs = [...g.pending].sort((a, b) => a - b)
    for (let i = 0; i < newCount; i++) seqs.push(g.nextSeq++)
    // Not connectAsync: a connection cut during CONNECT closes without an error, and its promise would never settle.
    const client = mqtt.connect(child.mqttUrl, { clientId: g.serial, username: g.serial, password: site.secrets.get(g.serial), clean: true, reconnectPeriod: 0, connectTimeout: 5_000 })
    client.on('error', () => {})
    let closed = false
    const connected = await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true))
      client.once('close', () => resolve(false))
    })
    if (!connected) {
      client.end(true)
      for (const seq of seqs) g.pending.add(seq)
      return // killed before the gate got in
    }
    const gone = new Promise<void>((resolve) => client.once('close', () => resolve()))
    // A QoS 1 publish outstanding when the connection drops would wait for a reconnect that never comes; end(true) fails it.
    void gone.then(() => {
      closed = true
      client.end(true)
    })
    let next = 0
    const lane = async (): Promise<void> => {
      while (!closed && next < seqs.length) {
        const seq = seqs[next++]!
        grow(g, seq)
        g.state[seq]! |= SENT
        g.pending.add(seq)
        try {
          await client.publishAsync(topicOf(g), payloadOf(g, seq), { qos: 1 })
        } catch {
          return
        }
        g.state[seq]! |= ACKED
        g.pending.delete(seq)
        ackedNow.push([g, seq])
        onAck?.()
      }
    }
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT_PER_GATE, seqs.length) }, lane))
    // Records the gate did not get to send stay with it, to be sent next time, as a device keeps them.
    for (const seq of seqs.slice(next)) g.pending.add(seq)
    if (!closed) await Promise.race([client.endAsync(), gone])
  }

  /** How long the last answered post of each size took (small, a few hundred lines, thousands): guesses until measured. */
  const lastPostMs = [50, 300, 1_500]
  const sizeClass = (lines: number) => (lines <= 30 ? 0 : lines <= 1_000 ? 1 : 2)
  const postFile = async (child: ChildService, file: SentFile, answers: Answer[]): Promise<void> => {
    const bytes = file.bytes
    if (!bytes) return
    const postStarted = Date.now()
    let res: Response
    try {
      res = await fetch(`${child.httpUrl}/api/projects/${site.projectId}/payout-files?period=${file.period}&filename=crash-loop-${file.no}.txt`, {
        method: 'POST',
        headers: api.headers({ 'content-type': 'text/plain' }),
        body: bytes,
      })
    } catch (err) {
      // Refused: the service was already gone, the post never reached it. Otherwise the kill cut it.
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNREFUSED') answers.push({ file, status: 0, body: undefined })
      return
    }
    let body: unknown
    try {
      body = JSON.parse(await res.text()) as unknown
    } catch {
      answers.push({ file, status: 0, body: undefined }) // cut while the answer was on its way
      return
    }
    answers.push({ file, status: res.status, body })
    if (res.ok) lastPostMs[sizeClass(file.lineCount)] = Date.now() - postStarted
  }

  /** Runs the work of one loop against a started child until the child is gone. */
  const traffic = async (child: ChildService, p: LoopPlan, ackedNow: Array<[Gate, number]>, answers: Answer[], gone: () => boolean): Promise<void> => {
    const onAck = () => {
      if (p.mode === 'ingest' && ackedNow.length === p.killAfterAcks) void child.kill9()
    }
    const gatesDone = Promise.all(gates.map((g) => publishGate(child, g, p.newRecordsPerGate[g.index]!, ackedNow, onAck)))
    for (const [i, post] of p.posts.entries()) {
      if (gone()) break
      if (p.mode === 'post' && i === p.killAtPost) {
        // Parsing, inserting and reconciling take time with the lines: aim anywhere inside the last such post.
        p.killDelayMs = Math.round(p.killFraction * lastPostMs[sizeClass(post.file.lineCount)]!)
        setTimeout(() => void child.kill9(), p.killDelayMs)
      }
      if (post.repost) filesReposted++
      await postFile(child, post.file, answers)
    }
    await gatesDone
    // Fewer acks than planned (re-sends acked as duplicates count too, but a gate may finish early): kill now.
    if (p.mode === 'ingest') await child.kill9()
  }

  /** Reads the file after the child is gone and checks everything a crash may not break. */
  let lastPunchId = 0
  let lastFileRowid = 0
  let lastLineRowid = 0
  let lastRejectedId = 0
  const storedBefore = new Set<string>()
  const check = (ackedNow: Array<[Gate, number]>, answers: Answer[]): void => {
    opts.beforeCheck?.(dbPath, loop)
    const db = new Database(dbPath, { readonly: true, fileMustExist: true })
    try {
      const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>
      if (integrity.length !== 1 || integrity[0]!.integrity_check !== 'ok') fail('integrity', brief(integrity.map((r) => r.integrity_check)))

      // Punches: each new row is a record some gate sent and that was not stored before.
      const serialOf = new Map((db.prepare('SELECT id, serial FROM devices').all() as Array<{ id: string; serial: string }>).map((d) => [d.id, d.serial]))
      const rows = db.prepare('SELECT id, device_id AS deviceId, record_id AS recordId FROM punches WHERE id > ? ORDER BY id').all(lastPunchId) as Array<{ id: number; deviceId: string; recordId: string }>
      const notSent: string[] = []
      const twice: string[] = []
      for (const r of rows) {
        lastPunchId = r.id
        const g = gateBySerial.get(serialOf.get(r.deviceId) ?? '')
        const seq = Number(r.recordId)
        const key = `${serialOf.get(r.deviceId) ?? r.deviceId}/${r.recordId}`
        if (!g || !Number.isInteger(seq) || seq >= g.state.length || (g.state[seq]! & SENT) === 0) {
          notSent.push(key)
          continue
        }
        if ((g.state[seq]! & STORED) !== 0) twice.push(key)
        else {
          g.state[seq]! |= STORED
          punchesStored++
          if ((g.state[seq]! & ACKED) === 0) punchesStoredUnacked++
        }
      }
      if (notSent.length > 0) fail('punches_only_sent', `stored but never sent: ${brief(notSent)}`)
      const total = (db.prepare('SELECT count(*) AS n FROM punches').get() as { n: number }).n
      if (twice.length > 0 || total !== punchesStored + notSent.length) {
        const dup = db.prepare('SELECT device_id AS deviceId, record_id AS recordId, count(*) AS n FROM punches GROUP BY device_id, record_id HAVING n > 1').all() as Array<{ deviceId: string; recordId: string; n: number }>
        fail('punches_once', `${total} rows, ${punchesStored} distinct records known stored; stored twice: ${brief([...twice, ...dup.map((d) => `${serialOf.get(d.deviceId) ?? d.deviceId}/${d.recordId}×${d.n}`)])}`)
      }
      const lost = ackedNow.filter(([g, seq]) => (g.state[seq]! & STORED) === 0).map(([g, seq]) => `${g.serial}/${seq}`)
      if (lost.length > 0) fail('acked_punches_stored', `acknowledged but not stored: ${brief(lost)}`)

      // Payout files: each new one is a file we posted, whole, with its run; nothing else changed.
      const newFiles = db.prepare('SELECT rowid AS rowid, id, period, sha256, encoding, line_count AS lineCount, success_count AS successCount, success_fen AS successFen, failed_count AS failedCount, failed_fen AS failedFen FROM payout_files WHERE rowid > ? ORDER BY rowid').all(lastFileRowid) as Array<{
        rowid: number
        id: string
        period: string
        sha256: string
        encoding: string
        lineCount: number
        successCount: number
        successFen: number
        failedCount: number
        failedFen: number
      }>
      const linesOf = db.prepare('SELECT seq, payee_card AS payeeCard, payee_name AS payeeName, amount_fen AS amountFen, status, bank_ref AS bankRef, value_date AS valueDate, failure_reason AS failureReason FROM payout_lines WHERE file_id = ? ORDER BY line_no')
      const runsOf = db.prepare('SELECT count(*) AS n FROM reconciliation_runs WHERE trigger = ?')
      for (const f of newFiles) {
        lastFileRowid = f.rowid
        const sent = filesBySha.get(f.sha256)
        if (!sent) {
          fail('files_whole', `file ${f.id} (sha256 ${f.sha256}) was never posted`)
          continue
        }
        if (sent.stored) {
          fail('files_whole', `file #${sent.no} stored twice (again as ${f.id})`)
          continue
        }
        sent.stored = true
        const problems = compareFile(f, sent, linesOf.all(f.id) as StoredLine[])
        const runs = (runsOf.get(`payout_file:${f.id}`) as { n: number }).n
        if (runs !== 1) problems.push(`${runs} reconciliation runs for it (1 expected: the run is part of the file's transaction)`)
        if (problems.length > 0) fail('files_whole', `file #${sent.no} (${sent.lineCount} lines, ${f.id}): ${brief(problems, 5)}`)
        payoutLinesStored += sent.lineCount
        sent.lines = undefined
        storedRecent.push(sent)
        if (storedRecent.length > REPOST_POOL_STORED_MAX) storedRecent.shift()!.bytes = undefined
      }
      const fileCount = (db.prepare('SELECT count(*) AS n FROM payout_files').get() as { n: number }).n
      const storedCount = files.filter((f) => f.stored).length
      if (fileCount !== storedCount) fail('files_whole', `${fileCount} files in the table, ${storedCount} known stored: a stored file has gone`)

      const orphans = db.prepare('SELECT count(*) AS n FROM payout_lines l WHERE l.rowid > ? AND NOT EXISTS (SELECT 1 FROM payout_files f WHERE f.id = l.file_id)').get(lastLineRowid) as { n: number }
      const lineTotal = db.prepare('SELECT count(*) AS n, max(rowid) AS last FROM payout_lines').get() as { n: number; last: number | null }
      if (orphans.n > 0) fail('no_orphan_lines', `${orphans.n} lines whose file is not stored`)
      if (lineTotal.n !== payoutLinesStored) fail('no_orphan_lines', `${lineTotal.n} lines in the table, ${payoutLinesStored} in the stored files`)
      lastLineRowid = lineTotal.last ?? 0

      // Answers: 201 only for a file not stored before, 200 only for one that was; every 2xx file is stored.
      const storedThisLoop = new Set<string>()
      for (const a of answers) {
        if (a.status === 0) {
          // Cut by the kill: stored or not, either is right; which one shows where the kill landed.
          if (a.file.stored && !storedBefore.has(a.file.sha256)) postsCutStored++
          else if (!a.file.stored) postsCutAbsent++
          continue
        }
        const body = a.body as { outcome?: string; file?: { sha256?: string } }
        const wasStored = storedBefore.has(a.file.sha256) || storedThisLoop.has(a.file.sha256)
        if (a.status === 201 && body.outcome === 'payout_file_stored' && !wasStored) storedThisLoop.add(a.file.sha256)
        else if (a.status === 200 && body.outcome === 'payout_file_exists' && wasStored) {
          // the same bytes again: nothing changed
        } else {
          fail('answers', `file #${a.file.no}${wasStored ? ' (already stored)' : ''} answered ${a.status}: ${tail(JSON.stringify(a.body), 500)}`)
          continue
        }
        if (body.file?.sha256 !== a.file.sha256) fail('answers', `file #${a.file.no} answered with sha256 ${String(body.file?.sha256)}`)
        filesAnswered++
        a.file.answered2xx = true
        if (!a.file.stored) fail('answered_files_stored', `file #${a.file.no} answered ${a.status} but is not stored`)
      }
      for (const f of files) if (f.stored) storedBefore.add(f.sha256)

      const refused = db.prepare('SELECT id, reason, device_serial AS serial, record_id AS recordId FROM rejected_inputs WHERE id > ? ORDER BY id').all(lastRejectedId) as Array<{ id: number; reason: string; serial: string | null; recordId: string | null }>
      for (const r of refused) lastRejectedId = r.id
      if (refused.length > 0) fail('answers', `refused, though every input sent is valid: ${brief(refused.map((r) => `${r.reason} ${r.serial ?? ''}/${r.recordId ?? ''}`))}`)
    } finally {
      db.close()
    }
  }

  const totals = () => {
    let sent = 0
    let acked = 0
    for (const g of gates) for (let s = 1; s < g.nextSeq; s++) {
      if ((g.state[s]! & SENT) !== 0) sent++
      if ((g.state[s]! & ACKED) !== 0) acked++
    }
    return { sent, acked }
  }

  let lastReadyMs = STARTUP_MS_GUESS
  for (loop = 1; loop <= opts.loops; loop++) {
    const p = planLoop()
    const ackedNow: Array<[Gate, number]> = []
    const answers: Answer[] = []
    const loopStarted = Date.now()
    let child = launchService(opts.t, await ports())
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    let exited = child.exited.then((r) => (exit = r))
    let guardFired = false
    const guard = setTimeout(() => {
      guardFired = true
      void child.kill9()
    }, LOOP_MS_MAX)
    let readyMs: number | undefined
    if (p.mode === 'startup') {
      // Starts take longer as the machine is busier: aim within the last measured one.
      p.killDelayMs = Math.round(p.killFraction * lastReadyMs)
      await sleep(p.killDelayMs)
      await child.kill9()
    } else {
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            await waitReady(child)
            break
          } catch (err) {
            // A port freePort() found was taken by another process before the child listened: the harness's race,
            // not the service's failure to start on the crashed file. Again on other ports, a few times.
            if (guardFired || attempt >= PORT_RACE_ATTEMPTS || !child.output().includes('EADDRINUSE')) throw err
            await exited
            exit = undefined
            child = launchService(opts.t, await ports())
            exited = child.exited.then((r) => (exit = r))
          }
        }
        readyMs = Date.now() - loopStarted
        lastReadyMs = readyMs
      } catch (err) {
        const why = guardFired ? `the loop's ${LOOP_MS_MAX} ms guard killed it` : 'not killed by this loop'
        fail('service_runs', `did not start on the crashed file (${p.mode} loop, ${Date.now() - loopStarted} ms after launch, ${why}): ${tail(String(err))}`)
        await child.kill9()
        clearTimeout(guard)
        break
      }
      await traffic(child, p, ackedNow, answers, () => exit !== undefined)
    }
    clearTimeout(guard)
    await exited
    if (exit?.signal !== 'SIGKILL') fail('service_runs', `exited by itself (${JSON.stringify(exit)}) before the kill: ${tail(child.output())}`)
    kills[p.mode]++
    const killedMs = Date.now() - loopStarted
    check(ackedNow, answers)
    if (opts.verbose === true) {
      const where =
        p.mode === 'post'
          ? ` +${p.killDelayMs} ms after post ${p.killAtPost + 1}/${p.posts.length} (${p.posts[p.killAtPost]!.file.lineCount} lines)`
          : p.mode === 'ingest'
            ? ` after ${p.killAfterAcks} acks`
            : ` +${p.killDelayMs} ms after launch`
      log(
        `loop ${loop}/${opts.loops}: kill ${p.mode}${where}; acked ${ackedNow.length}, answered ${answers.filter((a) => a.status !== 0).length}/${p.posts.length} posts; ` +
          `ready ${readyMs ?? '-'} ms, killed ${killedMs} ms, checked ${Date.now() - loopStarted} ms`,
      )
    }
  }

  // Final clean run: the gates re-send what is still unacknowledged, every file never stored is posted again, the
  // service closes gracefully, and then everything sent must be there exactly once.
  loop = opts.loops + 1
  if (!failures.some((f) => f.check === 'service_runs')) {
    const child = await spawnOnFreePorts()
    const ackedNow: Array<[Gate, number]> = []
    const answers: Answer[] = []
    await Promise.all(gates.map((g) => publishGate(child, g, 0, ackedNow)))
    for (const f of files) if (!f.stored) await postFile(child, f, answers)
    await child.stop()
    check(ackedNow, answers)
    const missing: string[] = []
    for (const g of gates) for (let s = 1; s < g.nextSeq; s++) if ((g.state[s]! & STORED) === 0) missing.push(`${g.serial}/${s}`)
    if (missing.length > 0) fail('converged', `records sent but not stored after the re-sends: ${brief(missing)}`)
    const unstored = files.filter((f) => !f.stored).map((f) => `#${f.no}`)
    if (unstored.length > 0) fail('converged', `files posted but not stored after posting again: ${brief(unstored)}`)
  }

  const t = totals()
  return {
    seed: opts.seed,
    loops: Math.min(loop - 1, opts.loops),
    kills,
    punchesSent: t.sent,
    punchesAcked: t.acked,
    punchesStored,
    punchesStoredUnacked,
    filesPosted: files.length,
    filesReposted,
    filesAnswered,
    filesStored: files.filter((f) => f.stored).length,
    payoutLinesStored,
    postsCut: { stored: postsCutStored, absent: postsCutAbsent },
    dbBytes: [dbPath, `${dbPath}-wal`].reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0),
    failures,
    elapsedMs: Date.now() - started,
    dbPath,
  }
}

interface StoredLine {
  seq: number
  payeeCard: string
  payeeName: string
  amountFen: number
  status: string
  bankRef: string
  valueDate: string
  failureReason: string | null
}

/** What differs between a stored file and the lines it was posted with (empty when it is whole). */
function compareFile(
  f: { period: string; encoding: string; lineCount: number; successCount: number; successFen: number; failedCount: number; failedFen: number },
  sent: SentFile,
  stored: StoredLine[],
): string[] {
  const problems: string[] = []
  const lines = sent.lines ?? []
  if (f.period !== sent.period) problems.push(`period ${f.period}, posted for ${sent.period}`)
  if (f.encoding !== sent.encoding) problems.push(`encoding ${f.encoding}, posted in ${sent.encoding}`)
  if (stored.length !== lines.length || f.lineCount !== lines.length) problems.push(`${stored.length} lines stored (file row says ${f.lineCount}), ${lines.length} posted`)
  const sum = (ls: ReadonlyArray<{ amountFen: number; status: string }>, status: string) =>
    ls.reduce((s, l) => (l.status === status ? s.plus(l.amountFen) : s), new Money(0))
  for (const status of ['success', 'failed'] as const) {
    const posted = sum(lines, status)
    const inLines = sum(stored, status)
    const inRow = new Money(status === 'success' ? f.successFen : f.failedFen)
    const countPosted = lines.filter((l) => l.status === status).length
    const countRow = status === 'success' ? f.successCount : f.failedCount
    if (!posted.eq(inLines) || !posted.eq(inRow)) problems.push(`${status} sum posted ${posted.toFixed(0)} fen, lines ${inLines.toFixed(0)}, file row ${inRow.toFixed(0)}`)
    if (countPosted !== countRow) problems.push(`${status} count posted ${countPosted}, file row ${countRow}`)
  }
  const n = Math.min(stored.length, lines.length)
  for (let i = 0; i < n; i++) {
    const a = lines[i]!
    const b = stored[i]!
    for (const k of ['seq', 'payeeCard', 'payeeName', 'amountFen', 'status', 'bankRef', 'valueDate', 'failureReason'] as const) {
      if (a[k] !== b[k]) problems.push(`line ${i + 1} ${k}: posted ${JSON.stringify(a[k])}, stored ${JSON.stringify(b[k])}`)
    }
  }
  return problems
}

export function summaryLine(r: CrashLoopReport): string {
  const n = (x: number) => x.toLocaleString('en-US')
  return (
    `crash-loop: seed ${r.seed}, ${n(r.loops)} loops (kills: ${r.kills.startup} at start-up, ${r.kills.ingest} during ingest, ${r.kills.post} during a file post), ` +
    `punches ${n(r.punchesAcked)} acked / ${n(r.punchesSent)} sent / ${n(r.punchesStored)} stored (${n(r.punchesStoredUnacked)} committed before a kill took their PUBACK), ` +
    `files ${n(r.filesStored)} stored / ${n(r.filesPosted)} posted (${n(r.filesReposted)} re-posts, ${n(r.filesAnswered)} answered 2xx, ` +
    `posts cut by a kill: ${r.postsCut.stored} stored, ${r.postsCut.absent} absent; ${n(r.payoutLinesStored)} lines), database ${(r.dbBytes / 1e6).toFixed(0)} MB, ` +
    `${r.failures.length} failures, ${(r.elapsedMs / 1000).toFixed(1)} s`
  )
}

/** Exit codes: 0 every check held, 1 a check failed, 2 bad arguments. */
async function main(argv: string[]): Promise<number> {
  let loops = 20
  let seed = Math.floor(Math.random() * 2 ** 31)
  let verbose = false
  let keep = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--loops') loops = Number(argv[++i])
    else if (a === '--seed') seed = Number(argv[++i])
    else if (a === '--verbose') verbose = true
    else if (a === '--keep') keep = true
    else {
      console.error(`unknown argument ${String(a)}; usage: npm run test:crash-loop -- --loops N [--seed S] [--verbose] [--keep]`)
      return 2
    }
  }
  if (!Number.isInteger(loops) || loops < 1 || !Number.isInteger(seed) || seed < 0) {
    console.error('--loops must be a positive integer and --seed a non-negative integer')
    return 2
  }
  const dir = mkdtempSync(join(tmpdir(), 'wage-ledger-crash-loop-'))
  console.log(`crash-loop: seed ${seed}, ${loops} loops, database ${join(dir, 'crash-loop.db')} (replay: npm run test:crash-loop -- --loops ${loops} --seed ${seed})`)
  let report: CrashLoopReport
  try {
    report = await runCrashLoop({ loops, seed, dir, verbose, log: (line) => console.log(line) })
  } catch (err) {
    console.error(`crash-loop: seed ${seed}: stopped by an error; database kept in ${dir}`)
    console.error(err)
    return 1
  }
  console.log(summaryLine(report))
  if (report.failures.length > 0 || keep) console.log(`crash-loop: database kept in ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
  return report.failures.length > 0 ? 1 : 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2))
}
