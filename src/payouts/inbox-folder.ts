/**
 * The watched folder (收件目录) for bank result files, the way SFTP drops land: each file is posted through the same
 * `PayoutService.post` the HTTP route calls, then moved to `done/` (stored, or already posted) or `rejected/` (refused,
 * with `<name>.reason.json` beside it). Nothing is ever deleted or overwritten.
 *
 * Layout: `<root>/<projectId>/<YYYY-MM>/<file>`, or `<root>/<projectId>/<YYYY-MM>/<format>/<file>` to name the format
 * (as the upload's `format=`) instead of detecting it. The project and the pay month come from the folder because
 * the file alone does not carry them in every format: a delimited file names neither, a camt statement names an
 * account and booking dates, not the pay month its payments settle.
 *
 * A file still being written must not be read half-way: a file is taken only once its size and mtime have stayed the
 * same across `settleMs`, and names a client writes under before renaming into place (`.part`, `.tmp`, a leading `.`)
 * are never taken. Empty files are left alone: an SFTP client creates the file before it writes a byte.
 *
 * Exactly once rests on the post, not on this folder: the post is idempotent by the file's SHA-256, so a file posted
 * and then not moved (kill -9 between the commit and the rename, or a second instance on the same folder) is
 * answered `payout_file_exists` when it is seen again, and moved to `done/` then. A file whose post did not commit
 * stays where it is and is posted on the next scan. A file replaced under the same name while it was being posted is
 * left for the next scan (it is a new upload), not moved away unposted.
 *
 * Nothing placed in the folder goes unremarked: a file the layout cannot attribute (at the root, beside the month
 * folders, in a folder that is not a month, behind a symbolic link), a name that is not UTF-8 (a GBK name from a
 * Chinese Windows client), a file named like the done/ or rejected/ folder, or a file left empty is logged once
 * (`payout_inbox_file_unplaced`) with what to do, and left where it is for a person to move.
 *
 * The folder is polled, not watched with fs.watch, because inotify
 * sees nothing of writes made on another host to a network mount (NFS, SMB), which is where SFTP drops often live.
 */
import { createHash } from 'node:crypto'
import { isUtf8 } from 'node:buffer'
import type { Dirent, Stats } from 'node:fs'
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { LIMITS } from '../config/limits.ts'
import { AppError, ERRORS, type ErrorCode } from '../kernel/errors.ts'
import { isMonth } from '../kernel/time.ts'
import type { PayoutService } from './service.ts'

/** Where a file ended: moved to done/, moved to rejected/, or left in place after an error (retried later). */
export type InboxOutcome = 'done' | 'rejected' | 'error'

/** The sub-folders a month folder keeps its processed files in; never scanned, never taken for a format. */
export const DONE_DIR = 'done'
export const REJECTED_DIR = 'rejected'
export const REASON_SUFFIX = '.reason.json'

/** Who the stored file says posted it (payout_files.posted_by). */
export const INBOX_POSTED_BY = 'payout inbox folder'

/** The longest file name the post records, as the HTTP route's `filename` allows. */
const FILENAME_LENGTH_MAX = 200
/** A file that keeps failing (a database down, say) is tried again after a growing wait, at most this long. */
const RETRY_WAIT_MS_MAX = 10 * 60_000

export interface InboxLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface InboxFolderOptions {
  /** PAYOUT_INBOX_DIR: the root, holding one folder per project. */
  root: string
  /** Time between scans. */
  pollMs: number
  /** How long a file's size and mtime must stay the same before it is read. */
  settleMs: number
  payouts: Pick<PayoutService, 'post'>
  log: InboxLog
  /** Called once per file processed (metrics). */
  onFile?: (outcome: InboxOutcome) => void
  /** How old a claim (a file half-moved by a process that died) must be before it is put back; 60 s by default. */
  claimStaleMs?: number
}

/** A file found in a month folder, and what the folder says about it. */
interface Candidate {
  path: string
  /** The folder done/ and rejected/ are made in: the month folder, or its format sub-folder. */
  folder: string
  name: string
  projectId: string
  period: string
  format: string | undefined
  mtimeMs: number
}

/** Why a file in the folder is not taken, for the one warning it gets; what a person should do is in the message. */
type UnplacedReason = 'outside_month_folder' | 'not_a_month' | 'symbolic_link' | 'name_not_utf8' | 'reserved_name' | 'empty'

const UNPLACED_ADVICE: Record<UnplacedReason, string> = {
  outside_month_folder: 'files are taken only from <root>/<projectId>/<YYYY-MM>/ (or its <format>/ sub-folder); move it there',
  not_a_month: 'the folder is not a pay month (YYYY-MM, e.g. 2026-11); move the file into one',
  symbolic_link: 'symbolic links are not followed (one could point anywhere on the host); put the file or folder itself there',
  name_not_utf8: 'the file name is not UTF-8 (a GBK name from a Windows client?); rename it in UTF-8 or upload it in UTF-8 mode',
  reserved_name: 'a file may not be named done or rejected: those are the folders processed files are moved into, so no file of this folder is taken until it is renamed',
  empty: 'the file is empty; if the upload failed, send it again',
}

/** What the reason file beside a refused file holds: the refusal as the HTTP reply's `error` carries it. */
export interface InboxReason {
  code: string
  message: string
  details?: unknown
  projectId: string
  period: string
  format: string | null
  /** null when the file was refused without being read (too large). */
  sha256: string | null
  bytes: number
  rejectedAt: string
}

/** Names a client writes under before renaming the file into place, and names that are not files for us. */
export function isIgnoredName(name: string): boolean {
  const lower = name.toLowerCase()
  return name.startsWith('.') || lower.endsWith('.part') || lower.endsWith('.tmp') || lower.endsWith('.filepart')
}

/**
 * The name a file is moved under first, in its own folder, before it goes to done/ or rejected/: a dot-name no scan
 * takes. The move checks the claimed file is the one posted; a new upload that landed under the name is put back.
 */
const claimNameOf = (name: string): string => `.${name}.${process.pid}.moving`
const CLAIM_NAME = /^\.(.+)\.(\d+)\.moving$/

/** Whether a process of this pid runs on this host (EPERM: it does, owned by someone else). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return isCode(err, 'EPERM')
  }
}
/** A claim older than this was left by a process that died between its two renames: the file is put back. */
const STALE_CLAIM_MS = 60_000

/** `result.txt`, `result~1.txt`, `result~2.txt`, …: the n-th name tried for a file moved into a folder. */
export function suffixedName(name: string, n: number): string {
  if (n === 0) return name
  const ext = extname(name)
  return `${name.slice(0, name.length - ext.length)}~${n}${ext}`
}

const isCode = (err: unknown, code: string): boolean => err instanceof Error && 'code' in err && err.code === code

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if (isCode(err, 'ENOENT')) return false
    throw err
  }
}

/** A folder's entry: its name as UTF-8, and whether it was (a GBK name decodes with U+FFFD and names nothing). */
interface Entry {
  name: string
  utf8: boolean
  kind: 'file' | 'folder' | 'link' | 'other'
}

async function entriesOf(path: string): Promise<Entry[]> {
  let raw: Dirent<Buffer>[]
  try {
    raw = await readdir(path, { withFileTypes: true, encoding: 'buffer' })
  } catch (err) {
    // A folder another instance (or an operator) removed between two reads is simply not there any more.
    if (isCode(err, 'ENOENT') || isCode(err, 'ENOTDIR')) return []
    throw err
  }
  return raw.map((e) => ({
    name: e.name.toString('utf8'),
    utf8: isUtf8(e.name),
    kind: e.isFile() ? 'file' : e.isDirectory() ? 'folder' : e.isSymbolicLink() ? 'link' : 'other',
  }))
}

/** Whether the path now holds another file than the one stat'ed (gone is not replaced: the move finds that). */
async function replaced(path: string, was: Stats): Promise<boolean> {
  const now = await stat(path).catch(() => undefined)
  return now !== undefined && (now.ino !== was.ino || now.dev !== was.dev || now.size !== was.size || now.mtimeMs !== was.mtimeMs)
}

/** A refusal the post answered with a 4xx code: the file itself is at fault, so it is moved aside, not tried again. */
function refusalOf(err: unknown): { code: ErrorCode; message: string; details?: unknown } | undefined {
  if (!(err instanceof AppError) || err.status >= 500) return undefined
  return err.details === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, details: err.details }
}

/**
 * Throws, with the reason, unless the root is a folder this process can read. It is never created: a share that is not
 * mounted would otherwise be replaced by an empty local folder nobody's bank writes to.
 */
export async function checkInboxRoot(root: string): Promise<void> {
  const s = await stat(root).catch((err: unknown) => {
    throw new Error(`PAYOUT_INBOX_DIR ${root} cannot be read: ${err instanceof Error ? err.message : String(err)}`)
  })
  if (!s.isDirectory()) throw new Error(`PAYOUT_INBOX_DIR ${root} is not a folder`)
  await readdir(root)
}

export class PayoutInboxFolder {
  /** Size and mtime last seen per path, and since when (monotonic ms): a file is read once they held for settleMs. */
  private readonly seen = new Map<string, { size: number; mtimeMs: number; sinceMs: number }>()
  /** Files whose post failed for a reason not their own, and when to try them again. */
  private readonly failing = new Map<string, { failures: number; retryAtMs: number }>()
  private timer: NodeJS.Timeout | undefined
  private scanning: Promise<void> | undefined
  /** The pass running or last run: the next waits for it. */
  private queue: Promise<void> = Promise.resolve()
  private stopped = false
  /** A pass noted a file new or changed: the next pass comes when it will have settled. */
  private settling = false
  /** The root's last read error, logged once until a scan succeeds again (an unmounted share would log every poll). */
  private rootError: string | undefined
  /** Paths already warned about as not taken, each once while it stays (a path warned is forgotten when it goes). */
  private readonly warned = new Set<string>()

  constructor(private readonly opts: InboxFolderOptions) {}

  /** Scans at once (files left from before a restart are taken first), then every pollMs. */
  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  /** Stops polling and waits for the file in hand to be finished (posted and moved), so the database can close after. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.scanning
    await this.queue
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.scanning = this.scan()
        .then(
          () => undefined,
          (err: unknown) => this.opts.log.error({ err, code: 'payout_inbox_scan_failed' }, 'payout inbox scan failed'),
        )
        .finally(() => {
          this.scanning = undefined
          // A file seen for the first time (or seen growing) is read once it has settled, not a whole poll later.
          const settling = this.settling
          this.settling = false
          this.schedule(settling ? Math.min(this.opts.pollMs, this.opts.settleMs + 10) : this.opts.pollMs)
        })
    }, delayMs)
    this.timer.unref()
  }

  /**
   * One pass over the folder: each settled file posted and moved, one at a time, oldest first. A pass asked for while
   * another runs (the poll, a test) starts after it: one file at a time per instance.
   */
  scan(): Promise<Record<InboxOutcome, number>> {
    const pass = this.queue.then(() => this.pass())
    this.queue = pass.then(
      () => undefined,
      () => undefined,
    )
    return pass
  }

  private async pass(): Promise<Record<InboxOutcome, number>> {
    const counts: Record<InboxOutcome, number> = { done: 0, rejected: 0, error: 0 }
    let candidates: Candidate[]
    let unplaced: Map<string, UnplacedReason>
    try {
      let claims: string[]
      ;({ candidates, unplaced, claims } = await this.candidates())
      if (claims.length > 0) await this.recoverClaims(claims)
      this.rootError = undefined
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err)
      if (this.rootError !== text) this.opts.log.error({ err, code: 'payout_inbox_unreadable' }, 'payout inbox folder cannot be read; retrying every poll')
      this.rootError = text
      return counts
    }
    const present = new Set(candidates.map((c) => c.path))
    for (const path of this.seen.keys()) if (!present.has(path)) this.seen.delete(path)
    for (const path of this.failing.keys()) if (!present.has(path)) this.failing.delete(path)
    for (const path of this.warned) if (!present.has(path) && !unplaced.has(path)) this.warned.delete(path)
    for (const [path, reason] of unplaced) this.warnOnce(path, reason)
    candidates.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    for (const c of candidates) {
      if (this.stopped) break
      const outcome = await this.take(c)
      if (outcome) {
        counts[outcome]++
        this.opts.onFile?.(outcome)
      }
    }
    return counts
  }

  /** Every file in a month folder or its format sub-folders, with the project and month its folder names. */
  private async candidates(): Promise<{ candidates: Candidate[]; unplaced: Map<string, UnplacedReason>; claims: string[] }> {
    const out: Candidate[] = []
    /** Files moved under a claim name (claimNameOf) and not on: put back once stale. */
    const claims: string[] = []
    const unplaced = new Map<string, UnplacedReason>()
    /** Files (and links) where no file is taken: each is named in a warning, never passed over in silence. */
    const strays = async (folder: string, reason: UnplacedReason, intoFolders: boolean): Promise<void> => {
      for (const e of await entriesOf(folder)) {
        if (isIgnoredName(e.name)) continue
        const path = join(folder, e.name)
        if (e.kind === 'link') unplaced.set(path, 'symbolic_link')
        else if (e.kind === 'file') unplaced.set(path, reason)
        else if (e.kind === 'folder' && intoFolders) await strays(path, reason, true)
      }
    }
    const filesIn = async (folder: string, base: Omit<Candidate, 'path' | 'folder' | 'name' | 'mtimeMs'>, allowFormatDirs: boolean): Promise<void> => {
      const entries = await entriesOf(folder)
      // A file standing where done/ or rejected/ must be made: no file here could be moved after its post.
      const blocking = entries.filter((e) => e.kind !== 'folder' && (e.name === DONE_DIR || e.name === REJECTED_DIR))
      for (const e of blocking) unplaced.set(join(folder, e.name), 'reserved_name')
      for (const e of entries) {
        if (e.kind === 'file' && CLAIM_NAME.test(e.name)) claims.push(join(folder, e.name))
        if (isIgnoredName(e.name)) continue
        const path = join(folder, e.name)
        if (e.kind === 'folder') {
          if (e.name === DONE_DIR || e.name === REJECTED_DIR) continue
          if (allowFormatDirs) await filesIn(path, { ...base, format: e.name }, false)
          else await strays(path, 'outside_month_folder', true)
        } else if (e.kind === 'link') unplaced.set(path, 'symbolic_link')
        else if (e.kind !== 'file') continue
        else if (!e.utf8) unplaced.set(path, 'name_not_utf8')
        else if (blocking.length === 0) out.push({ ...base, path, folder, name: e.name, mtimeMs: 0 })
      }
    }
    for (const project of await readdir(this.opts.root, { withFileTypes: true })) {
      if (isIgnoredName(project.name)) continue
      const projectDir = join(this.opts.root, project.name)
      if (project.isSymbolicLink()) unplaced.set(projectDir, 'symbolic_link')
      else if (project.isFile()) unplaced.set(projectDir, 'outside_month_folder')
      if (!project.isDirectory()) continue
      for (const month of await entriesOf(projectDir)) {
        if (isIgnoredName(month.name)) continue
        const monthDir = join(projectDir, month.name)
        if (month.kind === 'link') unplaced.set(monthDir, 'symbolic_link')
        else if (month.kind === 'file') unplaced.set(monthDir, 'outside_month_folder')
        else if (month.kind !== 'folder') continue
        else if (!isMonth(month.name)) await strays(monthDir, 'not_a_month', true)
        else await filesIn(monthDir, { projectId: project.name, period: month.name, format: undefined }, true)
      }
    }
    // mtimes for the order files are taken in; a file gone meanwhile drops out.
    const stamped: Candidate[] = []
    for (const c of out) {
      const s = await stat(c.path).catch(() => undefined)
      if (s) stamped.push({ ...c, mtimeMs: s.mtimeMs })
    }
    return { candidates: stamped, unplaced, claims }
  }

  /**
   * Files a process left under a claim name (killed between its two renames) go back under their own names, to be
   * taken again: their post was stored or not, and a repeat is answered by the file's hash. A claim of a moment ago is
   * another instance's move in progress: left alone.
   */
  private async recoverClaims(claims: readonly string[]): Promise<void> {
    for (const claim of claims) {
      const s = await stat(claim).catch(() => undefined)
      const m = CLAIM_NAME.exec(basename(claim))
      if (!s || !m) continue
      // A claim of a process no longer running here is left over at once (a restart after kill -9); any other claim
      // once it is old (a live process's move takes a moment; another host's pid means nothing here).
      if (alive(Number(m[2])) && Date.now() - s.ctimeMs < (this.opts.claimStaleMs ?? STALE_CLAIM_MS)) continue
      const name = m[1] as string
      await this.putBack(claim, join(claim, '..'), name)
      this.opts.log.warn({ code: 'payout_inbox_claim_recovered', path: join(claim, '..', name) }, 'payout inbox file left half-moved by an earlier process; put back to be taken again')
    }
  }

  /** Renames a claimed file back under `name` in `folder`, or the first free suffixed name: never over another file. */
  private async putBack(claim: string, folder: string, name: string): Promise<void> {
    for (let n = 0; ; n++) {
      const path = join(folder, suffixedName(name, n))
      if (await exists(path)) continue
      await rename(claim, path).catch((err: unknown) => {
        if (!isCode(err, 'ENOENT')) throw err
      })
      return
    }
  }

  /** One warning per path not taken, for as long as it stays there (a file that settles empty is one of them). */
  private warnOnce(path: string, reason: UnplacedReason): void {
    if (this.warned.has(path)) return
    this.warned.add(path)
    this.opts.log.warn({ code: 'payout_inbox_file_unplaced', reason, path, advice: UNPLACED_ADVICE[reason] }, 'payout inbox file not taken; it stays where it is')
  }

  /** Posts one file if it has settled, and moves it; undefined when it was not taken this pass. */
  private async take(c: Candidate): Promise<InboxOutcome | undefined> {
    const now = performance.now()
    const retry = this.failing.get(c.path)
    if (retry && now < retry.retryAtMs) return undefined
    const s = await stat(c.path).catch(() => undefined)
    if (!s) {
      this.seen.delete(c.path)
      return undefined
    }
    const last = this.seen.get(c.path)
    if (!last || last.size !== s.size || last.mtimeMs !== s.mtimeMs) {
      this.seen.set(c.path, { size: s.size, mtimeMs: s.mtimeMs, sinceMs: now })
      if (s.size > 0) this.settling = true
      return undefined
    }
    if (now - last.sinceMs < this.opts.settleMs) return undefined
    if (s.size === 0) {
      this.warnOnce(c.path, 'empty')
      return undefined
    }

    try {
      if (s.size > LIMITS.payout_file_bytes_max) {
        // Refused without reading it into memory, as the HTTP route refuses the body.
        const refusal = { code: 'payout_file_too_large' as const, message: ERRORS.payout_file_too_large.message, details: { bytes: s.size, max: LIMITS.payout_file_bytes_max } }
        return (await this.reject(c, refusal, { sha256: null, bytes: s.size }, s)) ?? this.replacedMeanwhile(c, null)
      }
      const bytes = await readFile(c.path)
      // Written to after it had settled (a client that paused longer than settleMs): watch it settle again.
      const after = await stat(c.path).catch(() => undefined)
      if (!after || bytes.length !== s.size || after.size !== s.size || after.mtimeMs !== s.mtimeMs) {
        this.seen.delete(c.path)
        return undefined
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      let refusal: ReturnType<typeof refusalOf>
      try {
        const r = await this.opts.payouts.post({
          projectId: c.projectId,
          period: c.period,
          bytes,
          filename: c.name.slice(0, FILENAME_LENGTH_MAX),
          postedBy: INBOX_POSTED_BY,
          channel: `inbox:${c.projectId}/${c.period}/${c.name.slice(0, FILENAME_LENGTH_MAX)}`,
          ...(c.format === undefined ? {} : { format: c.format }),
        })
        this.opts.log.info({ code: r.outcome, fileId: r.file.id, projectId: c.projectId, period: c.period, sha256 }, 'payout inbox file posted')
      } catch (err) {
        refusal = refusalOf(err)
        if (!refusal) throw err
      }
      // The bank's next upload under the same name landed while this one was posted: it is a new file, taken on a
      // later pass (this one is stored or refused already); moving it now would put it in done/ unposted.
      if (await replaced(c.path, after)) return this.replacedMeanwhile(c, sha256)
      if (refusal) return (await this.reject(c, refusal, { sha256, bytes: bytes.length }, after)) ?? this.replacedMeanwhile(c, sha256)
      if (!(await this.moveInto(c, DONE_DIR, undefined, after))) return this.replacedMeanwhile(c, sha256)
      this.forget(c.path)
      return 'done'
    } catch (err) {
      // The database, the disk or the folder failed: the file stays where it is and is tried again after a wait.
      const failures = (this.failing.get(c.path)?.failures ?? 0) + 1
      this.failing.set(c.path, { failures, retryAtMs: performance.now() + Math.min(this.opts.pollMs * 2 ** (failures - 1), RETRY_WAIT_MS_MAX) })
      this.opts.log.error({ err, code: 'payout_inbox_file_failed', path: c.path, projectId: c.projectId, period: c.period, failures }, 'payout inbox file not processed; it stays in place and is tried again')
      return 'error'
    }
  }

  private replacedMeanwhile(c: Candidate, sha256: string | null): undefined {
    this.seen.delete(c.path)
    this.opts.log.info({ code: 'payout_inbox_file_replaced', path: c.path, sha256 }, 'payout inbox file replaced while posted; the new one is taken once it settles')
    return undefined
  }

  /** 'rejected', or undefined when the file under the name was no longer the one refused (a new upload: left). */
  private async reject(c: Candidate, refusal: { code: string; message: string; details?: unknown }, file: { sha256: string | null; bytes: number }, posted: Stats): Promise<InboxOutcome | undefined> {
    const reason: InboxReason = {
      ...refusal,
      projectId: c.projectId,
      period: c.period,
      format: c.format ?? null,
      sha256: file.sha256,
      bytes: file.bytes,
      rejectedAt: new Date().toISOString(),
    }
    this.opts.log.warn({ code: refusal.code, projectId: c.projectId, period: c.period, sha256: file.sha256 }, 'payout inbox file refused; moved to rejected/')
    if (!(await this.moveInto(c, REJECTED_DIR, `${JSON.stringify(reason, null, 2)}\n`, posted))) return undefined
    this.forget(c.path)
    return 'rejected'
  }

  private forget(path: string): void {
    this.seen.delete(path)
    this.failing.delete(path)
  }

  /**
   * Moves the file into `<folder>/<sub>/` under its name, or the first free suffixed name (`result~1.txt`): neither
   * the name nor, in rejected/, its reason file may exist. The reason is written first (through a dot-name and a
   * rename, so it is never read half-written), so a file in rejected/ always has its reason. ENOENT on the move means
   * another instance took the file first: nothing to do then.
   *
   * The file is claimed first (renamed to a dot-name in its folder) and checked to be the one posted (`posted`): a bank
   * upload renamed into place under the same name after the post is put back, unmoved, and false is answered.
   */
  private async moveInto(c: Candidate, sub: string, reason: string | undefined, posted: Stats): Promise<boolean> {
    const claim = join(c.folder, claimNameOf(c.name))
    try {
      await rename(c.path, claim)
    } catch (err) {
      if (isCode(err, 'ENOENT')) return true
      throw err
    }
    const got = await stat(claim)
    if (got.ino !== posted.ino || got.dev !== posted.dev || got.size !== posted.size || got.mtimeMs !== posted.mtimeMs) {
      await this.putBack(claim, c.folder, c.name)
      return false
    }
    const dir = join(c.folder, sub)
    await mkdir(dir, { recursive: true })
    let target = ''
    for (let n = 0; ; n++) {
      target = join(dir, suffixedName(c.name, n))
      if (!(await exists(target)) && !(reason !== undefined && (await exists(target + REASON_SUFFIX)))) break
    }
    const reasonPath = target + REASON_SUFFIX
    if (reason !== undefined) {
      const temp = join(dir, `.${basename(reasonPath)}.${process.pid}.tmp`)
      await writeFile(temp, reason)
      await rename(temp, reasonPath)
    }
    try {
      await rename(claim, target)
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err
      // Another instance put the claim back (it found it stale). Had it chosen the same name, the reason there is its
      // own (the same refusal): keep it.
      if (reason !== undefined && !(await exists(target))) await rm(reasonPath, { force: true })
    }
    return true
  }
}
