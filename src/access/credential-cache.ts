/**
 * Sessions and API keys as last read, kept in memory only where that cannot
 * outlive a logout or a revocation: where the database tells this process the
 * moment any other connection commits a change. On SQLite that is data_version
 * (the admin CLI revoking a key from a shell); on PostgreSQL, where other
 * instances revoke, a notice on the wl_credentials channel that triggers send
 * on every change of a session, a key or a login (src/db/pg-notices.ts), and
 * while the instance is not listening for them nothing is kept. Every change
 * made here (logout, revocation, a disabled login, a new password) drops the
 * whole cache; so does any change from elsewhere.
 *
 * The facts of projects that decide scope (region, general contractor,
 * construction unit) are never changed once a project exists, so they are kept
 * on every engine. The bank of the account is not among them: registering a
 * dedicated account at another bank moves the project, so it is read each time
 * a bank asks (AccessRepository.projectBankCode).
 */
import type { ApiKeyRow, ProjectFacts, SessionWithUser } from './repository.ts'

/** A map that forgets its oldest entry past a size: a bound on memory, whatever callers present. */
class Bounded<V> {
  private readonly map = new Map<string, V>()
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key)
  }
  set(key: string, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string)
  }
  clear(): void {
    this.map.clear()
  }
}

export class CredentialCache {
  private readonly sessions: Bounded<SessionWithUser>
  private readonly keys: Bounded<ApiKeyRow>
  private readonly projects: Bounded<ProjectFacts>
  /** Bumped by every drop: a read that began before one must not put what it read back. */
  private generation = 0
  private seen: number | undefined

  constructor(
    /** The database's count of other connections' commits; undefined: credentials are not kept at all. */
    private readonly foreignWrites: (() => number) | undefined,
    max: number,
  ) {
    this.sessions = new Bounded(max)
    this.keys = new Bounded(max)
    this.projects = new Bounded(max)
  }

  /**
   * Where a request starts: drops everything if another connection has written since the last look, and returns the
   * generation to hand back when storing what this request reads.
   *
   * The look (a statement: SQLite takes and releases a read lock for it, several µs of system calls) is made once per
   * turn of the event loop, by the first request read in it, and serves the requests read in the same turn. That
   * misses nothing: every request of the turn had arrived before the turn's poll returned, and the look comes after
   * it, so a write committed before any of them was sent is seen; a write committed after the look was not finished
   * when they were sent, and a request sent during a revocation may be answered either way on any design.
   */
  begin(): number {
    if (this.foreignWrites && !this.lookedThisTurn) {
      this.lookedThisTurn = true
      setImmediate(this.nextTurn)
      const now = this.foreignWrites()
      if (this.seen !== now) {
        this.seen = now
        this.drop()
      }
    }
    return this.generation
  }

  private lookedThisTurn = false
  private readonly nextTurn = (): void => {
    this.lookedThisTurn = false
  }

  /** After this process changes a session, a key or a login. */
  drop(): void {
    this.generation++
    this.sessions.clear()
    this.keys.clear()
  }

  session(tokenHash: string): SessionWithUser | undefined {
    return this.foreignWrites ? this.sessions.get(tokenHash) : undefined
  }

  key(prefix: string): ApiKeyRow | undefined {
    return this.foreignWrites ? this.keys.get(prefix) : undefined
  }

  project(id: string): ProjectFacts | undefined {
    return this.projects.get(id)
  }

  keepSession(generation: number, tokenHash: string, s: SessionWithUser): void {
    if (this.foreignWrites && generation === this.generation) this.sessions.set(tokenHash, s)
  }

  keepKey(generation: number, k: ApiKeyRow): void {
    if (this.foreignWrites && generation === this.generation) this.keys.set(k.prefix, k)
  }

  keepProject(p: ProjectFacts | null | undefined): void {
    if (p) this.projects.set(p.id, p)
  }
}
