/**
 * `npm run admin -- <command>`: the platform operator's console for logins and API keys, working on DATABASE_URL
 * (SQLite or PostgreSQL, migrations applied, as the service does). It is how the first admin is made on a fresh
 * database; after that the admin's API (/api/users, /api/api-keys) does the same over HTTP.
 *
 *   create-user  --login L --name N --role R [--org ID | --region CODE | --worker ID | --bank CODE]
 *   set-password --login L
 *   disable-user --login L
 *   create-key   --name N --role R [--org ID | --region CODE | --bank CODE] [--days D]
 *   revoke-key   --id ID            (the key's id, or its prefix wlk_…)
 *   list-users
 *   list-keys
 *
 * A password comes from WL_ADMIN_PASSWORD; else it is asked for on the terminal (not echoed; an empty answer makes
 * one); else, with no terminal, one is made. A password made here, and an API key, is printed once and never again.
 * Every command is written to the access log, as the operator (actor kind `operator`, the system user's name).
 *
 * Exit codes: 0 done, 1 refused (the reason is printed), 2 a usage mistake.
 */
import { randomBytes } from 'node:crypto'
import { userInfo } from 'node:os'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { AccessLog, type AccessEntry } from '../access/audit-log.ts'
import { AccessRepository, type ApiKeyRow, type UserRow } from '../access/repository.ts'
import { ROLES, scopeOf, scopeProblem, type Role } from '../access/roles.ts'
import { apiKeyPrefix } from '../access/secrets.ts'
import { AccessService } from '../access/service.ts'
import { loadConfig } from '../config/env.ts'
import { openDatabase } from '../db/client.ts'
import type { Database } from '../db/database.ts'
import { AppError } from '../kernel/errors.ts'
import { systemClock } from '../kernel/time.ts'

const USAGE = `usage: npm run admin -- <command> [options]

  create-user  --login L --name N --role R [--org ID | --region CODE | --worker ID | --bank CODE]
  set-password --login L
  disable-user --login L
  create-key   --name N --role R [--org ID | --region CODE | --bank CODE] [--days D]
  revoke-key   --id ID        (the key's id, or its prefix wlk_...)
  list-users
  list-keys

roles: ${ROLES.join(', ')}
The password is WL_ADMIN_PASSWORD, or asked for on the terminal, or made and printed once.
The database is DATABASE_URL, as for the service.`

/** A mistake in the command line: the usage is printed, exit 2. */
class UsageError extends Error {}

const OPTIONS = {
  login: { type: 'string' },
  name: { type: 'string' },
  role: { type: 'string' },
  org: { type: 'string' },
  region: { type: 'string' },
  worker: { type: 'string' },
  bank: { type: 'string' },
  days: { type: 'string' },
  id: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Options = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean }

/** What the commands need from the outside: where to write, how to ask for a password. Tests and main() differ. */
export interface Console {
  out(line: string): void
  err(line: string): void
  /** A password typed without echo, or undefined when there is no terminal to ask on. */
  askPassword(prompt: string): Promise<string | undefined>
  env: NodeJS.ProcessEnv
}

function need(opts: Options, name: keyof Options): string {
  const v = opts[name]
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`)
  return v
}

function roleOf(opts: Options): Role {
  const role = need(opts, 'role')
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`)
  return role as Role
}

/** A password made here: 144 random bits, in characters any keyboard types. */
const madePassword = (): string => randomBytes(18).toString('base64url')

async function passwordFor(io: Console, login: string): Promise<{ password: string; made: boolean }> {
  const fromEnv = io.env.WL_ADMIN_PASSWORD
  if (fromEnv !== undefined && fromEnv !== '') return { password: fromEnv, made: false }
  const typed = await io.askPassword(`password for ${login} (empty: make one): `)
  if (typed !== undefined && typed !== '') {
    const again = await io.askPassword('the same again: ')
    if (again !== typed) throw new AppError('login_invalid', { problem: 'the two passwords differ' })
    return { password: typed, made: false }
  }
  return { password: madePassword(), made: true }
}

const noLogin = (login: string): string => `no login is named ${login}; \`npm run admin -- list-users\` lists them`

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString())

const scopeOfRow = (r: { role: Role; organisationId: string | null; regionCode: string | null; bankCode: string | null; workerId?: string | null }): string =>
  scopeOf({ kind: 'user', id: '', label: '', role: r.role, organisationId: r.organisationId, regionCode: r.regionCode, bankCode: r.bankCode, workerId: r.workerId ?? null })

/** Rows as aligned columns under a header. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)]
}

const PAGE = 500

async function allRows<T extends { id: string }>(read: (page: { limit: number; after?: string }) => Promise<T[]>): Promise<T[]> {
  const rows: T[] = []
  for (let after: string | undefined; ; ) {
    const page = await read({ limit: PAGE, after })
    rows.push(...page)
    if (page.length < PAGE) return rows
    after = page[page.length - 1]?.id
  }
}

/** Runs one command on the database; returns the exit code. */
export async function runAdmin(argv: string[], db: Database, io: Console): Promise<number> {
  const [command, ...rest] = argv
  let opts: Options
  try {
    opts = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: false }).values
  } catch (err) {
    io.err(err instanceof Error ? err.message : String(err))
    io.err(USAGE)
    return 2
  }
  if (command === undefined) {
    io.err(USAGE)
    return 2
  }
  if (opts.help || command === 'help') {
    io.out(USAGE)
    return 0
  }
  const access = new AccessService(new AccessRepository(db), systemClock)
  const log = new AccessLog(db, systemClock)
  const operator = userInfo().username
  const by = `operator:${operator}`
  const record = (action: AccessEntry['action'], recordIds: string[]): Promise<void> =>
    log.append({ actorKind: 'operator', actorId: operator, role: 'admin', scope: 'all', action, purpose: null, method: 'CLI', route: `admin ${command}`, status: 0, reason: null, recordIds })

  try {
    switch (command) {
      case 'create-user': {
        const login = need(opts, 'login')
        const role = roleOf(opts)
        const displayName = need(opts, 'name')
        // Before a password is asked for: a scope the role cannot have is refused first.
        const problem = scopeProblem(role, { organisationId: opts.org, regionCode: opts.region, workerId: opts.worker, bankCode: opts.bank })
        if (problem) throw new AppError('login_invalid', { problem })
        const { password, made } = await passwordFor(io, login)
        const u = await access.createUser(
          { login, displayName, password, role, organisationId: opts.org, regionCode: opts.region, workerId: opts.worker, bankCode: opts.bank },
          by,
        )
        await record('write', [u.id])
        io.out(`created login ${u.login} (${u.role}, ${scopeOfRow(u)}), id ${u.id}`)
        if (made) io.out(`password (shown once, not stored anywhere in clear): ${password}`)
        return 0
      }
      case 'set-password': {
        const login = need(opts, 'login')
        const u = await access.repo.userByLogin(login)
        if (!u) throw new AppError('user_not_found', { login, problem: noLogin(login) })
        const { password, made } = await passwordFor(io, login)
        await access.setPassword(u.id, password)
        await record('write', [u.id])
        io.out(`password of ${login} set; its sessions are ended`)
        if (made) io.out(`password (shown once, not stored anywhere in clear): ${password}`)
        return 0
      }
      case 'disable-user': {
        const login = need(opts, 'login')
        const u = await access.repo.userByLogin(login)
        if (!u) throw new AppError('user_not_found', { login, problem: noLogin(login) })
        const changed = await access.disableUser(u.id)
        await record('write', [u.id])
        io.out(changed ? `disabled login ${login}; its sessions are ended` : `login ${login} was already disabled`)
        return 0
      }
      case 'create-key': {
        const days = opts.days === undefined ? undefined : Number(opts.days)
        if (days !== undefined && !Number.isInteger(days)) throw new UsageError('--days must be a whole number')
        const { key, row } = await access.createKey(
          { name: need(opts, 'name'), role: roleOf(opts), organisationId: opts.org, regionCode: opts.region, bankCode: opts.bank, ...(days === undefined ? {} : { days }) },
          by,
        )
        await record('write', [row.id])
        io.out(`created API key ${row.prefix} "${row.name}" (${row.role}, ${scopeOfRow(row)}), id ${row.id}, expires ${iso(row.expiresAtMs)}`)
        io.out(`key (shown once; send it as Authorization: Bearer <key>): ${key}`)
        return 0
      }
      case 'revoke-key': {
        const id = need(opts, 'id')
        // An operator revoking a leaked key often holds the key itself, not its prefix: it names the same key. Before,
        // it was "No API key has this id" while the key went on working.
        const prefix = apiKeyPrefix(id) ?? id
        const k = prefix.startsWith('wlk_') ? await access.repo.keyByPrefix(prefix) : await access.repo.keyById(prefix)
        if (!k) {
          // Never more of what was typed than a prefix's length: it may be a mistyped key.
          const shown = prefix.startsWith('wlk_') ? prefix.slice(0, 14) : prefix.slice(0, 36)
          const named = prefix.startsWith('wlk_') ? `the prefix ${shown}` : `the id ${shown}`
          throw new AppError('api_key_not_found', { id: shown, problem: `no API key has ${named}; \`npm run admin -- list-keys\` lists each key's id and prefix (the key itself, wlk_<prefix>_<secret>, is taken too)` })
        }
        const changed = await access.revokeKey(k.id, by)
        await record('write', [k.id])
        io.out(changed ? `revoked API key ${k.prefix} "${k.name}": refused from the next request on` : `API key ${k.prefix} was already revoked`)
        return 0
      }
      case 'list-users': {
        const users: UserRow[] = await allRows((page) => access.repo.users(page))
        await record('read', [])
        for (const line of table(
          ['id', 'login', 'role', 'scope', 'created', 'disabled'],
          users.map((u) => [u.id, u.login, u.role, scopeOfRow(u), iso(u.createdAtMs), iso(u.disabledAtMs)]),
        ))
          io.out(line)
        return 0
      }
      case 'list-keys': {
        const keys: ApiKeyRow[] = await allRows((page) => access.repo.keys(page))
        await record('read', [])
        for (const line of table(
          ['id', 'prefix', 'name', 'role', 'scope', 'expires', 'revoked'],
          keys.map((k) => [k.id, k.prefix, k.name, k.role, scopeOfRow(k), iso(k.expiresAtMs), iso(k.revokedAtMs)]),
        ))
          io.out(line)
        return 0
      }
      default:
        throw new UsageError(`unknown command ${command}`)
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message)
      io.err(USAGE)
      return 2
    }
    if (err instanceof AppError) {
      const problem = (err.details as { problem?: string } | undefined)?.problem
      io.err(`refused: ${err.code}: ${problem ?? err.message}`)
      return 1
    }
    throw err
  } finally {
    await log.idle()
  }
}

/** Reads a line from the terminal without echoing it; undefined when stdin is not a terminal. */
function askPasswordOnTerminal(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin
  if (!stdin.isTTY) return Promise.resolve(undefined)
  process.stderr.write(prompt)
  return new Promise((resolve, reject) => {
    let typed = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const done = (value: string | undefined, err?: Error) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(value)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(typed)
        if (ch === '\u0003') return done(undefined, new Error('interrupted'))
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1)
        else typed += ch
      }
    }
    stdin.on('data', onData)
  })
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2)
  if (argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE)
    return argv.length === 0 ? 2 : 0
  }
  const db = await openDatabase(loadConfig().databaseUrl)
  try {
    return await runAdmin(argv, db, {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
      askPassword: askPasswordOnTerminal,
      env: process.env,
    })
  } finally {
    await db.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
