/**
 * Mosquitto's dynamic-security plugin kept in step with the devices' credentials. The plugin holds the broker's
 * clients (username, hashed password, optional client id), roles (lists of ACLs) and their links in its own JSON
 * file, and takes changes as JSON commands published on `$CONTROL/dynamic-security/v1`; it answers every request
 * with one message on `$CONTROL/dynamic-security/v1/response` holding one reply per command, each carrying back the
 * command's `correlationData` (Mosquitto 2.0 sends that message to every subscriber of the topic, so replies are
 * matched by it, never by arrival).
 *
 * Each device is a client named after its serial, bound to that client id, with a role of its own
 * (`wl-device-SERIAL`): publish only `wl/v1/+/SERIAL/punch`, subscribe only `wl/v1/+/SERIAL/ack` and `…/command` (the plugin has no
 * `%u` in ACL topics, so one role per device). The serial is unique across sites and admission refuses a punch whose
 * site code is not the device's, so the `+` opens nothing of another device's. A credential issued (registration,
 * rotation) creates the client with its secret, or sets the new one (Mosquitto then drops the connection made with
 * the old); a revocation disables the client, which also drops its connection.
 *
 * Only clients marked as this deployment's (textname `wage-ledger MQTT_GROUP`) are ever changed: a serial that
 * happens to be the name of an operator's or the service's own account is refused, not taken over.
 *
 * At start the whole roster is reconciled: every device with a credential in force has its client, enabled, with its
 * role; every revoked one is disabled. Passwords are not stored here (only their SHA-256), so a client that has to be
 * created at reconciliation has none until the device's secret is rotated (deploy/mosquitto/README.md).
 */
import { randomUUID } from 'node:crypto'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { q, type Database } from '../db/database.ts'

export const DYNSEC_REQUEST_TOPIC = '$CONTROL/dynamic-security/v1'
export const DYNSEC_RESPONSE_TOPIC = '$CONTROL/dynamic-security/v1/response'

/** How long a request waits for its replies; past it the broker is taken to be away (the request may still land). */
const DYNSEC_REPLY_MS_MAX = 10_000
/** Commands in one request at reconciliation: the plugin rewrites its whole file after each change, so keep requests moderate. */
const DYNSEC_COMMANDS_PER_REQUEST_MAX = 100
/** Clients and roles read per listing request. */
const DYNSEC_LIST_PAGE = 1_000
/** After a change failed to reach the broker, how often to try a reconciliation until one succeeds. */
const RECONCILE_RETRY_MS = 30_000
/** Serials named in one log line. */
const LOGGED_SERIALS_MAX = 20

export type AclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribeLiteral' | 'unsubscribePattern'

export interface Acl {
  acltype: AclType
  topic: string
  allow: boolean
  priority?: number
}

interface RoleRef {
  rolename: string
  priority?: number
}

/** The commands this module sends, as the plugin documents them (plugins/dynamic-security/README.md in Mosquitto). */
export type DynsecCommand =
  | { command: 'createClient'; username: string; password?: string; clientid?: string; textname?: string; roles?: RoleRef[] }
  | { command: 'modifyClient'; username: string; password?: string; clientid?: string; textname?: string; roles?: RoleRef[] }
  | { command: 'deleteClient'; username: string }
  | { command: 'enableClient'; username: string }
  | { command: 'disableClient'; username: string }
  | { command: 'setClientPassword'; username: string; password: string }
  | { command: 'setClientId'; username: string; clientid?: string }
  | { command: 'addClientRole'; username: string; rolename: string; priority?: number }
  | { command: 'removeClientRole'; username: string; rolename: string }
  | { command: 'getClient'; username: string }
  | { command: 'listClients'; verbose: boolean; count: number; offset: number }
  | { command: 'createRole'; rolename: string; textname?: string; acls?: Acl[] }
  | { command: 'modifyRole'; rolename: string; textname?: string; acls?: Acl[] }
  | { command: 'deleteRole'; rolename: string }
  | { command: 'addRoleACL'; rolename: string; acltype: AclType; topic: string; allow: boolean; priority?: number }
  | { command: 'getRole'; rolename: string }
  | { command: 'listRoles'; verbose: boolean; count: number; offset: number }

export interface DynsecReply {
  command: string
  /** The plugin's error text ("Client already exists", "Client not found", …); absent on success. */
  error?: string
  data?: unknown
}

/** A client as `getClient` and a verbose `listClients` describe it. */
export interface DynsecClientInfo {
  username: string
  clientid?: string
  textname?: string
  disabled?: boolean
  roles?: RoleRef[]
}

interface DynsecRoleInfo {
  rolename: string
  textname?: string
  acls?: Acl[]
}

export class DynsecError extends Error {
  constructor(
    readonly command: string,
    readonly reply: string,
  ) {
    super(`Mosquitto dynamic-security ${command}: ${reply}`)
    this.name = 'DynsecError'
  }
}

/** The username is held by a client this deployment did not make: it is left alone. */
export class DynsecConflictError extends DynsecError {
  constructor(command: string, serial: string) {
    super(command, `client "${serial}" is not a device of this deployment; left alone`)
    this.name = 'DynsecConflictError'
  }
}

interface Pending {
  replies: Array<DynsecReply | undefined>
  left: number
  resolve(replies: DynsecReply[]): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

/** A connection to the plugin's control topic: requests out, replies matched back by correlation data. */
export class DynsecClient {
  private readonly pending = new Map<string, Pending>()

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      if (topic === DYNSEC_RESPONSE_TOPIC) this.replied(payload)
    })
  }

  /** Connects as an account allowed `$CONTROL/dynamic-security/#` and subscribes to the replies. */
  static async connect(url: string, opts: { clientId: string; username: string; password: string | undefined }): Promise<DynsecClient> {
    const options: IClientOptions = {
      clientId: opts.clientId,
      clean: true,
      protocolVersion: 5,
      reconnectPeriod: 1000,
      username: opts.username,
      password: opts.password,
    }
    const client = mqtt.connect(url, options)
    const dynsec = new DynsecClient(client)
    try {
      await new Promise<void>((resolve, reject) => {
        const failed = (err: Error) => reject(err)
        client.once('error', failed)
        client.once('connect', () => {
          client.off('error', failed)
          resolve()
        })
      })
      // MQTT.js subscribes again after each reconnection (clean sessions forget subscriptions).
      await client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 })
    } catch (err) {
      client.end(true)
      throw err
    }
    // Errors after the first connection (the broker away, a refused reconnection) are retried by MQTT.js; requests
    // made meanwhile time out and say so.
    client.on('error', () => {})
    return dynsec
  }

  get connected(): boolean {
    return this.client.connected
  }

  /** Sends the commands in one request; the replies come back in the same order. */
  run(commands: DynsecCommand[]): Promise<DynsecReply[]> {
    if (commands.length === 0) return Promise.resolve([])
    const id = randomUUID()
    return new Promise<DynsecReply[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new DynsecError(commands.map((c) => c.command).join(','), `no reply within ${DYNSEC_REPLY_MS_MAX} ms (is the broker up, and the account allowed $CONTROL/dynamic-security/#?)`))
      }, DYNSEC_REPLY_MS_MAX)
      this.pending.set(id, { replies: commands.map(() => undefined), left: commands.length, resolve, reject, timer })
      const payload = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: `${id}:${i}` })) })
      this.client.publish(DYNSEC_REQUEST_TOPIC, payload, { qos: 1 }, (err) => {
        if (!err) return
        clearTimeout(timer)
        this.pending.delete(id)
        reject(err)
      })
    })
  }

  /** One command; its error, if any, is thrown unless `accept` lists it. */
  async one(command: DynsecCommand, accept: readonly string[] = []): Promise<DynsecReply> {
    const [reply] = await this.run([command])
    if (!reply) throw new DynsecError(command.command, 'no reply')
    if (reply.error !== undefined && !accept.includes(reply.error)) throw new DynsecError(command.command, reply.error)
    return reply
  }

  async getClient(username: string): Promise<DynsecClientInfo | undefined> {
    const reply = await this.one({ command: 'getClient', username }, ['Client not found'])
    if (reply.error !== undefined) return undefined
    return (reply.data as { client?: DynsecClientInfo } | undefined)?.client
  }

  async listClients(): Promise<DynsecClientInfo[]> {
    return this.listAll<DynsecClientInfo>('listClients', 'clients')
  }

  async listRoles(): Promise<DynsecRoleInfo[]> {
    return this.listAll<DynsecRoleInfo>('listRoles', 'roles')
  }

  private async listAll<T>(command: 'listClients' | 'listRoles', key: 'clients' | 'roles'): Promise<T[]> {
    const all: T[] = []
    for (let offset = 0; ; offset += DYNSEC_LIST_PAGE) {
      const reply = await this.one({ command, verbose: true, count: DYNSEC_LIST_PAGE, offset })
      const data = reply.data as { totalCount?: number } & Record<string, T[] | undefined>
      const page = data[key] ?? []
      all.push(...page)
      if (page.length < DYNSEC_LIST_PAGE || all.length >= (data.totalCount ?? 0)) return all
    }
  }

  async close(): Promise<void> {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      p.reject(new DynsecError('close', 'the connection to the broker was closed'))
      this.pending.delete(id)
    }
    await this.client.endAsync()
  }

  private replied(payload: Buffer): void {
    let body: unknown
    try {
      body = JSON.parse(payload.toString('utf8'))
    } catch {
      return
    }
    const responses = (body as { responses?: unknown }).responses
    if (!Array.isArray(responses)) return
    for (const r of responses as Array<DynsecReply & { correlationData?: unknown }>) {
      if (typeof r.correlationData !== 'string') continue
      const cut = r.correlationData.lastIndexOf(':')
      const p = this.pending.get(r.correlationData.slice(0, cut))
      const i = Number(r.correlationData.slice(cut + 1))
      if (!p || !Number.isInteger(i) || i < 0 || i >= p.replies.length || p.replies[i] !== undefined) continue
      p.replies[i] = { command: r.command, ...(r.error !== undefined ? { error: r.error } : {}), ...(r.data !== undefined ? { data: r.data } : {}) }
      if (--p.left === 0) {
        clearTimeout(p.timer)
        this.pending.delete(r.correlationData.slice(0, cut))
        p.resolve(p.replies as DynsecReply[])
      }
    }
  }
}

/** A serial fit to be a username and a topic level: the roster's pattern for serials. */
const TOPIC_LEVEL = /^[\w.-]{1,64}$/

export const deviceRoleName = (serial: string): string => `wl-device-${serial}`

/** What a device may do on the broker: publish its punches, read its acks and its commands (backfills). */
export function deviceAcls(serial: string): Acl[] {
  if (!TOPIC_LEVEL.test(serial)) throw new Error(`device serial "${serial}" cannot be an MQTT topic level`)
  return [
    { acltype: 'publishClientSend', topic: `wl/v1/+/${serial}/punch`, allow: true },
    { acltype: 'subscribePattern', topic: `wl/v1/+/${serial}/ack`, allow: true },
    { acltype: 'subscribePattern', topic: `wl/v1/+/${serial}/command`, allow: true },
  ]
}

/**
 * What the service's own account needs (deploy/mosquitto/README.md creates it with these): its shared subscription,
 * the punches it delivers, publishing acks, and the plugin's control topics.
 */
export function serviceAcls(group: string): Acl[] {
  return [
    { acltype: 'subscribeLiteral', topic: `$share/${group}/wl/v1/+/+/punch`, allow: true },
    { acltype: 'publishClientReceive', topic: 'wl/v1/+/+/punch', allow: true },
    { acltype: 'publishClientSend', topic: 'wl/v1/+/+/ack', allow: true },
    { acltype: 'publishClientSend', topic: 'wl/v1/+/+/command', allow: true },
    { acltype: 'publishClientSend', topic: '$CONTROL/dynamic-security/#', allow: true },
    { acltype: 'publishClientReceive', topic: '$CONTROL/dynamic-security/#', allow: true },
    { acltype: 'subscribePattern', topic: '$CONTROL/dynamic-security/#', allow: true },
  ]
}

const sameAcls = (a: readonly Acl[] | undefined, b: readonly Acl[]): boolean => {
  const key = (x: Acl) => `${x.acltype} ${x.allow ? 'allow' : 'deny'} ${x.priority ?? 0} ${x.topic}`
  const ka = (a ?? []).map(key).sort()
  const kb = b.map(key).sort()
  return ka.length === kb.length && ka.every((k, i) => k === kb[i])
}

/** The credential in force for every device that ever had one: the newest row, revoked or not. */
const DEVICE_CREDENTIAL_STATES = `SELECT d.serial AS "serial", c.revoked_at_ms AS "revokedAtMs"
  FROM devices d JOIN device_credentials c ON c.device_id = d.id
  WHERE c.id = (SELECT MAX(c2.id) FROM device_credentials c2 WHERE c2.device_id = d.id)
  ORDER BY d.serial`

export interface SyncLog {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export interface ReconcileReport {
  /** Devices with a credential in force / revoked. */
  inForce: number
  revoked: number
  created: number
  /** Of those created, how many have no password until their secret is rotated (all of them: none is stored). */
  withoutPassword: string[]
  enabled: number
  disabled: number
  /** Clients whose client id or roles were put right, roles whose ACLs were. */
  repaired: number
  /** Serials whose username is held by a client that is not this deployment's: left alone. */
  conflicts: string[]
  failed: number
}

/** Keeps Mosquitto's clients in step with the devices' credentials (the head comment says how). */
export class DynsecDeviceSync {
  private readonly mark: string
  private retry: NodeJS.Timeout | undefined
  private closed = false
  /**
   * Secrets issued that the broker did not take (it was away), by serial: kept in memory only, and given to the broker
   * before the next reconciliation, so that the secret the roster replaced stops working there too. Lost at a restart
   * (then the old secret works at the broker until the device's secret is rotated again; the failed call said so).
   */
  private readonly untold = new Map<string, string>()

  constructor(
    private readonly dynsec: DynsecClient,
    private readonly db: Database,
    private readonly log: SyncLog,
    group: string,
  ) {
    this.mark = `wage-ledger ${group}`
  }

  /** A new secret for the device: its client is created with it, or given it (the old one's connection is dropped). */
  async issued(serial: string, secret: string): Promise<void> {
    this.untold.delete(serial)
    await this.told(
      serial,
      () => this.giveSecret(serial, secret),
      (err) => {
        if (!(err instanceof DynsecConflictError)) this.untold.set(serial, secret)
      },
    )
  }

  private async giveSecret(serial: string, secret: string): Promise<void> {
    const rolename = deviceRoleName(serial)
    const [role, created] = await this.dynsec.run([
      { command: 'createRole', rolename, textname: this.mark, acls: deviceAcls(serial) },
      { command: 'createClient', username: serial, password: secret, clientid: serial, textname: this.mark, roles: [{ rolename }] },
    ])
    if (role?.error !== undefined && role.error !== 'Role already exists') throw new DynsecError('createRole', role.error)
    if (created?.error === undefined) return
    if (created.error !== 'Client already exists') throw new DynsecError('createClient', created.error)
    await this.ours(serial)
    const replies = await this.dynsec.run([
      { command: 'modifyClient', username: serial, password: secret, clientid: serial, roles: [{ rolename }] },
      { command: 'enableClient', username: serial },
    ])
    for (const r of replies) if (r.error !== undefined) throw new DynsecError(r.command, r.error)
  }

  /** The device's client is disabled: it cannot log in, and its connection is dropped at once. */
  async revoked(serial: string): Promise<void> {
    this.untold.delete(serial)
    await this.told(serial, async () => {
      const client = await this.dynsec.getClient(serial)
      if (!client) return
      if (client.textname !== this.mark) throw new DynsecConflictError('disableClient', serial)
      await this.dynsec.one({ command: 'disableClient', username: serial })
    })
  }

  /** Brings the broker in line with the roster; what it could not do is logged and counted. */
  async reconcile(): Promise<ReconcileReport> {
    const devices = await this.db.all<{ serial: string; revokedAtMs: number | null }>(q(DEVICE_CREDENTIAL_STATES))
    const clients = new Map((await this.dynsec.listClients()).map((c) => [c.username, c]))
    const roles = new Map((await this.dynsec.listRoles()).map((r) => [r.rolename, r]))
    const report: ReconcileReport = { inForce: 0, revoked: 0, created: 0, withoutPassword: [], enabled: 0, disabled: 0, repaired: 0, conflicts: [], failed: 0 }
    const commands: DynsecCommand[] = []
    const known = new Set<string>()
    for (const d of devices) {
      known.add(d.serial)
      const client = clients.get(d.serial)
      if (client && client.textname !== this.mark) {
        report.conflicts.push(d.serial)
        continue
      }
      if (d.revokedAtMs !== null) {
        report.revoked++
        if (client && !client.disabled) {
          commands.push({ command: 'disableClient', username: d.serial })
          report.disabled++
        }
        continue
      }
      report.inForce++
      if (!TOPIC_LEVEL.test(d.serial)) {
        report.failed++
        continue
      }
      const rolename = deviceRoleName(d.serial)
      const acls = deviceAcls(d.serial)
      const role = roles.get(rolename)
      if (!role) {
        commands.push({ command: 'createRole', rolename, textname: this.mark, acls })
      } else if (!sameAcls(role.acls, acls)) {
        commands.push({ command: 'modifyRole', rolename, acls })
        report.repaired++
      }
      if (!client) {
        commands.push({ command: 'createClient', username: d.serial, clientid: d.serial, textname: this.mark, roles: [{ rolename }] })
        report.created++
        report.withoutPassword.push(d.serial)
        continue
      }
      const roleNames = (client.roles ?? []).map((r) => r.rolename)
      if (client.clientid !== d.serial || roleNames.length !== 1 || roleNames[0] !== rolename) {
        commands.push({ command: 'modifyClient', username: d.serial, clientid: d.serial, roles: [{ rolename }] })
        report.repaired++
      }
      if (client.disabled) {
        commands.push({ command: 'enableClient', username: d.serial })
        report.enabled++
      }
    }
    // This deployment's clients for devices the roster does not know (a database restored to before they were
    // registered): the roster is the truth, so they are disabled.
    for (const c of clients.values()) {
      if (c.textname === this.mark && !known.has(c.username) && !c.disabled) {
        commands.push({ command: 'disableClient', username: c.username })
        report.disabled++
      }
    }
    for (let i = 0; i < commands.length; i += DYNSEC_COMMANDS_PER_REQUEST_MAX) {
      const chunk = commands.slice(i, i + DYNSEC_COMMANDS_PER_REQUEST_MAX)
      const replies = await this.dynsec.run(chunk)
      replies.forEach((r, j) => {
        if (r.error === undefined || (r.command === 'createRole' && r.error === 'Role already exists')) return
        report.failed++
        this.log.error({ code: 'mqtt_dynsec_failed', command: r.command, username: (chunk[j] as { username?: string }).username, error: r.error }, 'Mosquitto refused a dynamic-security command at reconciliation')
      })
    }
    if (report.withoutPassword.length > 0) {
      this.log.warn(
        { code: 'mqtt_dynsec_no_password', count: report.withoutPassword.length, serials: report.withoutPassword.slice(0, LOGGED_SERIALS_MAX) },
        'devices with a credential in force had no Mosquitto client: created without a password (only hashes are kept); rotate their secrets (POST …/devices/:deviceId/credentials)',
      )
    }
    if (report.conflicts.length > 0) {
      this.log.error(
        { code: 'mqtt_dynsec_conflict', count: report.conflicts.length, serials: report.conflicts.slice(0, LOGGED_SERIALS_MAX) },
        'a Mosquitto client that is not one of this deployment\'s devices holds these serials as usernames: left alone, and these devices cannot log in',
      )
    }
    const { withoutPassword, conflicts, ...counts } = report
    this.log.info({ ...counts, withoutPassword: withoutPassword.length, conflicts: conflicts.length }, 'Mosquitto dynamic-security clients reconciled with the roster')
    return report
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.retry)
    await this.dynsec.close()
  }

  /** A client of that username exists: it must be this deployment's before anything of it changes. */
  private async ours(serial: string): Promise<void> {
    const client = await this.dynsec.getClient(serial)
    if (client && client.textname !== this.mark) throw new DynsecConflictError('modifyClient', serial)
  }

  /** Runs a change; if it fails, the broker is reconciled later (every RECONCILE_RETRY_MS until that succeeds). */
  private async told(serial: string, change: () => Promise<void>, failed?: (err: unknown) => void): Promise<void> {
    if (this.closed) return
    try {
      await change()
    } catch (err) {
      failed?.(err)
      this.log.error({ code: 'mqtt_dynsec_failed', serial, err }, 'Mosquitto was not told of a device credential; a reconciliation will retry')
      this.retryLater()
      throw err
    }
  }

  /** Secrets the broker missed, given now (the roster may have moved on since: the reconciliation after this says last). */
  private async retell(): Promise<void> {
    for (const [serial, secret] of [...this.untold]) {
      try {
        await this.giveSecret(serial, secret)
      } catch (err) {
        if (!(err instanceof DynsecConflictError)) throw err
      }
      if (this.untold.get(serial) === secret) this.untold.delete(serial)
    }
  }

  private retryLater(): void {
    if (this.retry || this.closed) return
    let running = false
    this.retry = setInterval(() => {
      if (running || !this.dynsec.connected) return
      running = true
      this.retell()
        .then(() => this.reconcile())
        .then(
          () => {
            clearInterval(this.retry)
            this.retry = undefined
          },
          (err: unknown) => this.log.error({ code: 'mqtt_dynsec_failed', err }, 'reconciliation with Mosquitto failed; retrying'),
        )
        .finally(() => (running = false))
    }, RECONCILE_RETRY_MS)
    this.retry.unref()
  }
}

/** Connects to the plugin, reconciles, and follows every credential issued or revoked from now on. */
export async function startDynsecSync(opts: {
  url: string
  clientId: string
  username: string
  password: string | undefined
  group: string
  db: Database
  log: SyncLog
  onDeviceCredential(listener: (e: { kind: 'issued'; serial: string; secret: string } | { kind: 'revoked'; serial: string }) => Promise<void>): void
}): Promise<DynsecDeviceSync> {
  const dynsec = await DynsecClient.connect(opts.url, { clientId: opts.clientId, username: opts.username, password: opts.password })
  const sync = new DynsecDeviceSync(dynsec, opts.db, opts.log, opts.group)
  opts.onDeviceCredential((e) => (e.kind === 'issued' ? sync.issued(e.serial, e.secret) : sync.revoked(e.serial)))
  try {
    await sync.reconcile()
  } catch (err) {
    await sync.close()
    throw err
  }
  return sync
}
