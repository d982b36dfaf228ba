/**
 * The access log (访问日志) of PIPL Art. 51–55: who read whose personal data,
 * for what, and who was refused. Rows are appended, never changed (triggers
 * refuse UPDATE and DELETE), and hash-chained: each row's hash covers its
 * content and the previous row's hash, so an edit or a removal by someone who
 * dropped the triggers shows in `npm run audit:verify` at the first row it
 * touched.
 *
 * A read is answered only once its row is committed. Rows are group-committed
 * like punches (one transaction for every row that arrived meanwhile), so a
 * busy hour of reads costs a handful of fsyncs, not one each. The chain is
 * extended under a lock, so instances sharing one PostgreSQL keep one chain.
 */
import { createHash } from 'node:crypto'
import { q, type Database, type Transaction } from '../db/database.ts'
import type { Clock } from '../kernel/time.ts'

export type AccessAction = 'read' | 'reveal' | 'write' | 'denied'

export interface AccessEntry {
  /** `operator`: a person at the database's console (npm run admin), named by their system user. */
  actorKind: 'user' | 'key' | 'device' | 'anonymous' | 'operator'
  actorId: string | null
  role: string | null
  scope: string | null
  action: AccessAction
  purpose: string | null
  method: string
  route: string
  status: number
  reason: string | null
  recordIds: readonly string[]
}

export interface AccessRow extends AccessEntry {
  id: number
  atMs: number
  prevHash: string
  hash: string
}

export const GENESIS_HASH = '0'.repeat(64)

/** The row's hash: its content in a fixed order, after the previous row's hash. Pure; the verifier uses it too. */
export function chainHash(prevHash: string, atMs: number, e: AccessEntry): string {
  const content = JSON.stringify([atMs, e.actorKind, e.actorId, e.role, e.scope, e.action, e.purpose, e.method, e.route, e.status, e.reason, e.recordIds])
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex')
}

const LAST_HASH = `SELECT hash AS "hash" FROM access_log ORDER BY id DESC LIMIT 1`
const INSERT_HEAD = `INSERT INTO access_log (at_ms, actor_kind, actor_id, role, scope, action, purpose, method, route, status, reason, record_ids, prev_hash, hash) VALUES `
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
/** Rows per INSERT, largest first: a batch is written in a few statements of these sizes (a handful of texts, each prepared once). */
const INSERT_SIZES = [64, 16, 4, 1] as const
const INSERTS = new Map<number, string>(INSERT_SIZES.map((n) => [n, INSERT_HEAD + Array(n).fill(ROW).join(', ')]))
const ROWS_FROM = `SELECT id AS "id", at_ms AS "atMs", actor_kind AS "actorKind", actor_id AS "actorId", role AS "role", scope AS "scope", action AS "action",
  purpose AS "purpose", method AS "method", route AS "route", status AS "status", reason AS "reason", record_ids AS "recordIds",
  prev_hash AS "prevHash", hash AS "hash" FROM access_log WHERE id > ? ORDER BY id LIMIT ?`

interface Waiting {
  entry: AccessEntry
  resolve(): void
  reject(err: unknown): void
}

/** Rows written in one transaction at most; more wait for the next. */
const BATCH_MAX = 1_000

export class AccessLog {
  private queue: Waiting[] = []
  private running = false
  /** Rows committed since start (metrics, tests). */
  written = 0

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  /** Settles when the row is committed; a failure rejects, and the read it records must then not be answered. */
  append(entry: AccessEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject })
      if (!this.running) {
        this.running = true
        setImmediate(() => void this.drain())
      }
    })
  }

  /** Settles once nothing waits to be written (at close). */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 2))
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, BATCH_MAX)
      try {
        await this.db.tx((tx) => this.write(tx, batch.map((w) => w.entry)))
        this.written += batch.length
        for (const w of batch) w.resolve()
      } catch (err) {
        for (const w of batch) w.reject(err)
      }
    }
    this.running = false
  }

  private async write(tx: Transaction, entries: AccessEntry[]): Promise<void> {
    await tx.lock('access_log')
    let prev = (await tx.get<{ hash: string }>(q(LAST_HASH)))?.hash ?? GENESIS_HASH
    const atMs = this.clock.nowMs()
    const values: unknown[] = []
    for (const e of entries) {
      const hash = chainHash(prev, atMs, e)
      values.push(atMs, e.actorKind, e.actorId, e.role, e.scope, e.action, e.purpose, e.method, e.route, e.status, e.reason, JSON.stringify(e.recordIds), prev, hash)
      prev = hash
    }
    // Rows in chain order, in as few statements as the sizes allow (one round trip each on PostgreSQL).
    const columns = ROW.split('?').length - 1
    for (let at = 0; at < entries.length; ) {
      const n = INSERT_SIZES.find((size) => size <= entries.length - at) as number
      await tx.run(q(INSERTS.get(n) as string, ...values.slice(at * columns, (at + n) * columns)))
      at += n
    }
  }
}

/** The record ids as written (a JSON array of strings), or undefined when someone wrote something else there. */
function parseIds(text: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined
  } catch {
    return undefined
  }
}

export interface ChainBreak {
  /** The first row that does not follow from the rows before it. */
  id: number
  problem: 'hash_mismatch' | 'prev_hash_mismatch'
  detail: string
}

/** Walks the whole log in id order; the first row whose hash or link is wrong, or undefined when the chain holds. */
export async function verifyChain(db: Database, onProgress?: (rows: number) => void): Promise<{ rows: number; firstBreak?: ChainBreak }> {
  let prev = GENESIS_HASH
  // From the lowest id any row could have, not 0: a row written in by hand with id 0 or below is checked too.
  let after: number = Number.MIN_SAFE_INTEGER
  let rows = 0
  for (;;) {
    const page = await db.all<Omit<AccessRow, 'recordIds'> & { recordIds: string }>(q(ROWS_FROM, after, 5_000))
    if (page.length === 0) return { rows }
    for (const r of page) {
      if (r.prevHash !== prev) {
        return { rows, firstBreak: { id: r.id, problem: 'prev_hash_mismatch', detail: `row ${r.id} follows a row whose hash is not ${r.prevHash.slice(0, 12)}…: a row before it was removed or changed` } }
      }
      const recordIds = parseIds(r.recordIds)
      const expected = recordIds === undefined ? undefined : chainHash(prev, r.atMs, { ...r, recordIds })
      if (expected !== r.hash) return { rows, firstBreak: { id: r.id, problem: 'hash_mismatch', detail: `row ${r.id}'s content does not match its hash: it was changed after it was written` } }
      prev = r.hash
      rows++
    }
    after = (page[page.length - 1] as { id: number }).id
    onProgress?.(rows)
  }
}
