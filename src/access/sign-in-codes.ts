/**
 * Signing a worker in to their own page (issue 13) with what a worker has at hand: the last six characters of their
 * ID number and a one-time code of six digits that their labour or team manager issues (and the service delivers).
 * A worker has no password to remember and no e-mail; the ID suffix says who, the code proves it.
 *
 * The code:
 * - six digits from the CSPRNG (crypto.randomInt), shown once to the manager who issued it and handed to the
 *   CodeDelivery (an SMS gateway in production; in development, the log: no gateway is reachable here);
 * - stored as its argon2id hash, like a password: six digits are a million guesses, which a fast hash would give up
 *   in a second from a leaked database, and argon2id (about 50 ms each) makes that hours, past the code's life;
 * - lives LIMITS.worker_code_ttl_ms (30 minutes), is used once, and only the worker's newest code on the project
 *   counts (a new one replaces a lost one);
 * - is spent after LIMITS.worker_code_attempts_max wrong codes (stored, so it holds across instances and restarts).
 *
 * Attempts: per ID suffix on a project, wrong sign-ins past a few are slowed (1 s doubling, the LoginThrottle of
 * passwords, in memory per instance), and the page's route limits attempts per client address. A refusal never says
 * which part was wrong, or whether a worker with that suffix exists: every wrong attempt verifies one argon2 hash, so
 * they take the same time too.
 *
 * Two workers of a project may share an ID suffix (a million values, thousands of workers): each one's newest code is
 * tried, and the code decides who signs in.
 */
import { randomInt } from 'node:crypto'
import { LIMITS } from '../config/limits.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from '../roster/service.ts'
import { LoginThrottle } from './login-throttle.ts'
import { decoyHash, hashPassword, verifyPassword } from './secrets.ts'
import type { AccessService } from './service.ts'
import { SignInCodeRepository, type SignInCodeRow } from './sign-in-code-repository.ts'
import type { Database } from '../db/database.ts'

/** What a delivery needs to reach the worker. */
export interface CodeMessage {
  projectId: string
  workerId: string
  workerName: string
  /** As the roster has it; null when none is recorded (the manager then reads the code to the worker). */
  phone: string | null
  code: string
  expiresAtMs: number
}

/** Where a delivery writes what it did: the request's logger. */
export interface DeliveryLog {
  info(fields: Record<string, unknown>, msg: string): void
  warn(fields: Record<string, unknown>, msg: string): void
}

/**
 * How a code reaches the worker: pluggable, since the SMS gateway (or the WeChat template message) is the operator's.
 * The code stands whatever the delivery does: the manager who issued it sees it once and can read it out.
 */
export interface CodeDelivery {
  /** Said in the issuing reply: `log` (development), `sms`, … */
  readonly channel: string
  deliver(message: CodeMessage, log: DeliveryLog): Promise<void>
}

/**
 * Development delivery: the code goes to the log at info level, with the worker's id (never the phone number), so
 * whoever runs the demo can read it. Not for production: anyone who reads the logs could sign in as the worker.
 */
export class LogCodeDelivery implements CodeDelivery {
  readonly channel = 'log'
  async deliver(m: CodeMessage, log: DeliveryLog): Promise<void> {
    log.info({ code: 'worker_code_logged', projectId: m.projectId, workerId: m.workerId, oneTimeCode: m.code, expiresAt: new Date(m.expiresAtMs).toISOString() }, 'worker sign-in code (development delivery: the log)')
  }
}

export type CodeState = 'live' | 'used' | 'expired' | 'spent'

/** Whether a stored code can still sign someone in; in order of precedence: used, spent, expired. */
export function codeState(row: Pick<SignInCodeRow, 'usedAtMs' | 'failedAttempts' | 'expiresAtMs'>, nowMs: number, attemptsMax: number = LIMITS.worker_code_attempts_max): CodeState {
  if (row.usedAtMs !== null) return 'used'
  if (row.failedAttempts >= attemptsMax) return 'spent'
  if (row.expiresAtMs <= nowMs) return 'expired'
  return 'live'
}

/** An ID suffix as a worker types it: spaces dropped, x as X; undefined unless five digits and a digit or X. */
export function idSuffixOf(raw: string): string | undefined {
  const s = raw.replace(/\s/g, '').toUpperCase()
  return /^\d{5}[\dX]$/.test(s) ? s : undefined
}

const codeOf = (raw: string): string | undefined => {
  const s = raw.replace(/\s/g, '')
  return /^\d{6}$/.test(s) ? s : undefined
}

export type WorkerSignIn =
  | { ok: true; token: string; expiresAtMs: number; workerId: string }
  /** Wrong suffix, wrong code, expired, used or spent: one answer for all. */
  | { ok: false; reason: 'refused' }
  | { ok: false; reason: 'wait'; waitMs: number }

export class WorkerSignInCodes {
  private readonly repo: SignInCodeRepository
  private readonly throttle: LoginThrottle

  constructor(
    db: Database,
    private readonly deps: { access: AccessService; roster: RosterService },
    private readonly clock: Clock,
    readonly delivery: CodeDelivery = new LogCodeDelivery(),
  ) {
    this.repo = new SignInCodeRepository(db)
    this.throttle = new LoginThrottle(clock, LIMITS.worker_code_failures_free)
  }

  /** A new code for a worker enrolled on the project (404 enrolment_not_found otherwise), delivered; shown once. */
  async issue(projectId: string, workerId: string, issuedBy: string, log: DeliveryLog): Promise<{ code: string; expiresAtMs: number; channel: string }> {
    const { worker } = await this.deps.roster.enrolmentOf(projectId, workerId)
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
    const nowMs = this.clock.nowMs()
    const expiresAtMs = nowMs + LIMITS.worker_code_ttl_ms
    await this.repo.insert({ id: newId(), projectId, workerId, codeHash: await hashPassword(code), issuedBy, issuedAtMs: nowMs, expiresAtMs, failedAttempts: 0, usedAtMs: null })
    try {
      await this.delivery.deliver({ projectId, workerId, workerName: worker.name, phone: worker.phone, code, expiresAtMs }, log)
    } catch (err) {
      // The code stands: the manager has it on screen and can read it to the worker.
      log.warn({ code: 'worker_code_not_delivered', workerId, channel: this.delivery.channel, err }, 'a worker sign-in code could not be delivered')
    }
    return { code, expiresAtMs, channel: this.delivery.channel }
  }

  /** Signs in the worker of the project whose ID ends with the suffix and whose newest code this is. */
  async signIn(projectId: string, rawSuffix: string, rawCode: string): Promise<WorkerSignIn> {
    const suffix = idSuffixOf(rawSuffix)
    const key = `${projectId}|${suffix ?? rawSuffix.slice(0, 20)}`
    const waitMs = this.throttle.waitMs(key)
    if (waitMs > 0) return { ok: false, reason: 'wait', waitMs }
    const code = codeOf(rawCode)
    const nowMs = this.clock.nowMs()
    let tried = false
    if (suffix !== undefined && code !== undefined) {
      for (const worker of await this.repo.workersByIdSuffix(projectId, suffix)) {
        const row = await this.repo.newestCode(projectId, worker.id)
        if (!row || codeState(row, nowMs) !== 'live') continue
        tried = true
        if (await verifyPassword(row.codeHash, code)) {
          if (!(await this.repo.use(row.id, this.clock.nowMs(), LIMITS.worker_code_attempts_max))) continue
          const session = await this.deps.access.workerSession(worker, `code:${row.issuedBy}`)
          if (!session) break
          this.throttle.succeeded(key)
          return { ok: true, token: session.token, expiresAtMs: session.expiresAtMs, workerId: worker.id }
        }
        await this.repo.failedAttempt(row.id)
      }
    }
    // As long as an attempt that met a live code: nothing in the timing says whether the suffix or the code was wrong.
    if (!tried) await verifyPassword(await decoyHash(), rawCode)
    this.throttle.failed(key)
    return { ok: false, reason: 'refused' }
  }
}
