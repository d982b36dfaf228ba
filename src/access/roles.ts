/**
 * The parties of a wage ledger and what each may do (权限). Every HTTP route
 * declares a policy; the access plugin (src/http/access.ts) enforces it, and a
 * test walks the route table and checks every role against every route.
 *
 * | role             | who                                   | scope                                           |
 * |------------------|---------------------------------------|-------------------------------------------------|
 * | admin            | the platform operator                 | everything; every use is logged                  |
 * | labour_manager   | GC's 劳资专管员                        | projects whose GC or construction unit is theirs |
 * | team_manager     | a subcontractor's 班组长 / 劳务员       | teams their organisation employs                 |
 * | bank             | the agency bank (代发银行), an API key  | projects whose dedicated account is at this bank |
 * | auditor          | 住建局 / 人社 inspector                 | projects whose region code starts with theirs    |
 * | worker           | the worker                            | themselves                                       |
 */
import type { Role } from '../db/schema/access.ts'

export type { Role }

export const ROLES: readonly Role[] = ['admin', 'labour_manager', 'team_manager', 'bank', 'auditor', 'worker']

/** Who is calling, as authenticated: a person's session or a machine's key, with the scope of its role. */
export interface Principal {
  kind: 'user' | 'key'
  /** The user's or the key's id. */
  id: string
  /** The login, or the key's visible prefix: what a person reads in the access log. */
  label: string
  role: Role
  organisationId: string | null
  regionCode: string | null
  bankCode: string | null
  workerId: string | null
  /** The session's token hash, for logout (sessions only). */
  sessionHash?: string
}

/**
 * What a route allows. `public` routes take no credentials (liveness, the API docs, login) and say why. Every other
 * route names the roles that may call it (admin always may); `write` marks routes that change the ledger, `personal`
 * those whose replies carry personal data (every call is written to the access log).
 */
export type RoutePolicy =
  | { public: string }
  | {
      roles: readonly Exclude<Role, 'admin'>[]
      write: boolean
      personal?: boolean
    }

export const isPublic = (p: RoutePolicy): p is { public: string } => 'public' in p

/** The scope a principal's role gives it, as written to the access log. */
export function scopeOf(p: Principal): string {
  switch (p.role) {
    case 'admin':
      return 'all'
    case 'labour_manager':
    case 'team_manager':
      return `org:${p.organisationId ?? '?'}`
    case 'bank':
      return `bank:${p.bankCode ?? '?'}`
    case 'auditor':
      return `region:${p.regionCode ?? '?'}`
    case 'worker':
      return `worker:${p.workerId ?? '?'}`
  }
}

/** What each role needs on its row to have a scope at all: a login without it could see nothing, so it is refused. */
export function scopeProblem(role: Role, s: { organisationId?: string | null; regionCode?: string | null; bankCode?: string | null; workerId?: string | null }): string | undefined {
  switch (role) {
    case 'admin':
      return undefined
    case 'labour_manager':
    case 'team_manager':
      return s.organisationId ? undefined : `a ${role} needs organisationId`
    case 'bank':
      return s.bankCode && /^\d{3,12}$/.test(s.bankCode) ? undefined : 'a bank needs bankCode: the first 3 to 12 digits of its 联行号 (CNAPS code)'
    case 'auditor':
      return s.regionCode && /^\d{2}(\d{2}){0,2}$/.test(s.regionCode) ? undefined : 'an auditor needs regionCode: 2, 4 or 6 digits of a GB/T 2260 code (33 province, 3301 city, 330102 district)'
    case 'worker':
      return s.workerId ? undefined : 'a worker login needs workerId'
  }
}
