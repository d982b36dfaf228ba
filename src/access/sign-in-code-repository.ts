/** Database access for workers' one-time sign-in codes (src/access/sign-in-codes.ts). Constant texts, as for logins. */
import { q, type Database } from '../db/database.ts'
import { insertInto } from '../db/rows.ts'
import { workerSignInCodes } from '../db/schema/index.ts'

export type SignInCodeRow = typeof workerSignInCodes.$inferSelect

/**
 * The workers enrolled on a project whose ID number ends with the suffix. The suffix is digits and X only (checked
 * before), so LIKE holds no wildcard but the leading one; a project's enrolments are scanned, a few thousand at most.
 */
const WORKERS_BY_ID_SUFFIX = `SELECT w.id AS "id", w.name AS "name" FROM enrolments e JOIN workers w ON w.id = e.worker_id
  WHERE e.project_id = ? AND w.id_number LIKE ? ORDER BY w.id`
/** Only the newest code of a worker on a project counts: issuing one replaces those before it. */
const NEWEST_CODE = `SELECT id AS "id", project_id AS "projectId", worker_id AS "workerId", code_hash AS "codeHash", issued_by AS "issuedBy",
  issued_at_ms AS "issuedAtMs", expires_at_ms AS "expiresAtMs", failed_attempts AS "failedAttempts", used_at_ms AS "usedAtMs"
  FROM worker_sign_in_codes WHERE project_id = ? AND worker_id = ? ORDER BY issued_at_ms DESC, id DESC LIMIT 1`
/** Used once: of two sign-ins racing with the same code, the one whose update changes the row wins. */
const USE_CODE = `UPDATE worker_sign_in_codes SET used_at_ms = ? WHERE id = ? AND used_at_ms IS NULL AND failed_attempts < ?`
const FAILED_ATTEMPT = `UPDATE worker_sign_in_codes SET failed_attempts = failed_attempts + 1 WHERE id = ? AND used_at_ms IS NULL`

export class SignInCodeRepository {
  constructor(private readonly db: Database) {}

  workersByIdSuffix(projectId: string, suffix: string): Promise<Array<{ id: string; name: string }>> {
    return this.db.all<{ id: string; name: string }>(q(WORKERS_BY_ID_SUFFIX, projectId, `%${suffix}`))
  }

  newestCode(projectId: string, workerId: string): Promise<SignInCodeRow | undefined> {
    return this.db.get<SignInCodeRow>(q(NEWEST_CODE, projectId, workerId))
  }

  async insert(row: SignInCodeRow): Promise<void> {
    await this.db.run(insertInto(workerSignInCodes, [row]))
  }

  async use(id: string, nowMs: number, attemptsMax: number): Promise<boolean> {
    return (await this.db.run(q(USE_CODE, nowMs, id, attemptsMax))).changes === 1
  }

  async failedAttempt(id: string): Promise<void> {
    await this.db.run(q(FAILED_ATTEMPT, id))
  }
}
