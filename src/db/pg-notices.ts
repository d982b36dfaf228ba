/**
 * PostgreSQL's LISTEN/NOTIFY as a count of foreign writes, the twin of SQLite's data_version: the number changes
 * whenever a statement anywhere changes what a channel watches (triggers notify it, migrations/postgres
 * 0009_credential_notices.sql), so an instance may keep what it read until it changes.
 *
 * A notice is only as good as the connection that hears it. While this instance is not listening (not yet connected,
 * the connection lost, the server gone quiet) the number changes at every look, so nothing is kept: requests read the
 * database as if there were no cache. The connection is checked with a round trip every `heartbeatMs`; one not
 * answered within `timeoutMs` counts as lost, because a network that silently drops packets would otherwise drop
 * the notices too, unseen. So a change is seen by every instance when its transaction commits (the notice's delivery,
 * milliseconds), and at worst, on a network that fails silently, within heartbeatMs + timeoutMs.
 */
import pg from 'pg'

export interface NoticeOptions {
  channel: string
  heartbeatMs: number
  timeoutMs: number
  /** Waits between attempts to listen again: from the first value, doubled up to the second. */
  retryMs: readonly [number, number]
}

export class ChangeNotices {
  private client: pg.Client | undefined
  private listening = false
  /** Notices heard and connections (re)made; what a look returns while listening. */
  private heard = 0
  /** Counts down at every look while not listening, so no two looks agree. */
  private deaf = 0
  private pingSentAtMs: number | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private retry: NodeJS.Timeout | undefined
  private retryMs: number
  private closed = false

  constructor(
    private readonly newClient: () => pg.Client,
    private readonly opts: NoticeOptions,
  ) {
    this.retryMs = opts.retryMs[0]
  }

  /** Listens; resolves once listening or once the first attempt failed (it is tried again in the background). */
  async start(): Promise<void> {
    await this.listen()
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs)
    this.heartbeat.unref()
  }

  /** Changes whenever a notice may have been missed or was heard; never the same twice while not listening. */
  look(): number {
    return this.listening ? this.heard : --this.deaf
  }

  get isListening(): boolean {
    return this.listening
  }

  /**
   * Resolves when every notice committed before the call has been heard: a round trip on the listening connection,
   * which PostgreSQL answers only after the notices pending for it. For tests, and for a caller that must not race.
   */
  async caughtUp(): Promise<void> {
    if (!this.listening || !this.client) throw new Error('not listening for notices')
    await this.client.query('SELECT 1')
  }

  private async listen(): Promise<void> {
    if (this.closed) return
    const client = this.newClient()
    this.client = client
    client.on('notification', (n) => {
      if (n.channel === this.opts.channel) this.heard++
    })
    client.on('error', () => this.lost(client))
    client.on('end', () => this.lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN ${pg.escapeIdentifier(this.opts.channel)}`)
      if (this.client !== client || this.closed) return
      // Whatever changed while nobody listened is unknown: the count moves, so what was kept before goes.
      this.heard++
      this.listening = true
      this.pingSentAtMs = undefined
      this.retryMs = this.opts.retryMs[0]
    } catch {
      this.lost(client)
    }
  }

  private beat(): void {
    const client = this.client
    if (!this.listening || !client) return
    const sentAtMs = this.pingSentAtMs
    if (sentAtMs !== undefined) {
      if (Date.now() - sentAtMs <= this.opts.timeoutMs) return
      // Timers run before the event loop reads its sockets: after the loop was blocked (a loaded machine, a long
      // synchronous task) the ping's answer may be waiting unread. setImmediate runs after that read, so only a ping
      // still unanswered then counts the connection lost. (Found by review.)
      setImmediate(() => {
        if (this.client === client && this.listening && this.pingSentAtMs === sentAtMs) this.lost(client)
      })
      return
    }
    this.pingSentAtMs = Date.now()
    client.query('SELECT 1').then(
      () => {
        if (this.client === client) this.pingSentAtMs = undefined
      },
      () => this.lost(client),
    )
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return
    this.listening = false
    this.client = undefined
    this.pingSentAtMs = undefined
    client.end().catch(() => {})
    if (this.closed) return
    this.retry = setTimeout(() => {
      this.retry = undefined
      void this.listen()
    }, this.retryMs)
    this.retry.unref()
    this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMs[1])
  }

  async close(): Promise<void> {
    this.closed = true
    this.listening = false
    clearInterval(this.heartbeat)
    clearTimeout(this.retry)
    const client = this.client
    this.client = undefined
    await client?.end().catch(() => {})
  }
}
