/**
 * A ZKTeco attendance terminal speaking ADMS/PUSH (the "iclock" protocol) as the firmware does: it shakes hands with
 * `GET /iclock/cdata?SN=…&options=all`, keeps every attendance record (ATTLOG) in its own log, pushes the records not
 * yet acknowledged in batches (`POST /iclock/cdata?SN=…&table=ATTLOG&Stamp=…`, TAB-separated lines), and forgets a
 * batch only when the answer is `OK: n`. Anything else (a 503, a dropped connection) leaves the records to be pushed
 * again, as a device does after its ErrorDelay. It also polls `GET /iclock/getrequest` for commands and obeys the one
 * the service gives, `DATA QUERY ATTLOG StartTime=…<TAB>EndTime=…`: it pushes the records of its log in that window
 * again and posts `ID=<id>&Return=0&CMD=DATA` to `/iclock/devicecmd` (obeyCommands).
 */

/** One ATTLOG record as the terminal keeps it. */
export interface AttlogRecord {
  /** The user's PIN on the device (工号), what the roster's device user id is. */
  pin: string
  /** Device-local wall time, `YYYY-MM-DD HH:MM:SS`. */
  time: string
  /** Keypad state: 0 check-in, 1 check-out, 2 break-out, 3 break-in, 4 OT-in, 5 OT-out. */
  status: number
  /** Verify mode: 1 fingerprint, 15 face, 4 card, 0 password. */
  verify: number
  workCode?: number
}

export interface ZkPushResult {
  /** Records the server acknowledged (and the device forgot). */
  acked: number
  /** HTTP status of each push. */
  statuses: number[]
}

/** The TAB-separated line of a record (the 7-field layout most firmware sends). */
export function attlogLine(r: AttlogRecord): string {
  return [r.pin, r.time, String(r.status), String(r.verify), String(r.workCode ?? 0), '0', '0'].join('\t')
}

/** A command the terminal ran: its id, the command, and the Return code it posted. */
export interface ZkCommandRun {
  id: string
  command: string
  returnCode: number
}

/** ADMS's Return code for a command the firmware does not know. */
const RETURN_UNKNOWN_COMMAND = -1002
const QUERY_WINDOW = /^DATA QUERY ATTLOG StartTime=(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\tEndTime=(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$/

export class ZkAdmsTerminal {
  /** Records not yet acknowledged, oldest first. */
  readonly unsent: AttlogRecord[] = []
  /** Every record the terminal took: its attendance log, which a DATA QUERY reads (acknowledged or not). */
  readonly log: AttlogRecord[] = []
  /** The server's options from the last handshake (key → value). */
  options = new Map<string, string>()
  private stamp = 0

  constructor(
    private readonly baseUrl: string,
    readonly serial: string,
    /** Records per push; the firmware's default batch is a few hundred. */
    private readonly batchMax = 500,
  ) {}

  async handshake(): Promise<Map<string, string>> {
    const res = await fetch(`${this.baseUrl}/iclock/cdata?SN=${encodeURIComponent(this.serial)}&options=all&pushver=2.4.1&language=83`)
    if (!res.ok) throw new Error(`handshake refused: ${res.status} ${await res.text()}`)
    const text = await res.text()
    this.options = new Map(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
    )
    return this.options
  }

  record(r: AttlogRecord): void {
    this.unsent.push(r)
    this.log.push(r)
  }

  /**
   * Drops unsent records matching `lost` without pushing them, as firmware does that took a reply for an
   * acknowledgement it was not: they stay in the log, and only a query brings them back. Returns how many.
   */
  loseUnsent(lost: (r: AttlogRecord) => boolean): number {
    const before = this.unsent.length
    const kept = this.unsent.filter((r) => !lost(r))
    this.unsent.splice(0, this.unsent.length, ...kept)
    return before - kept.length
  }

  /** Pushes everything unsent, batch by batch; stops at the first batch not acknowledged (the device waits and retries). */
  async pushAll(): Promise<ZkPushResult> {
    const statuses: number[] = []
    let acked = 0
    while (this.unsent.length > 0) {
      const batch = this.unsent.slice(0, this.batchMax)
      const body = batch.map(attlogLine).join('\n') + '\n'
      let status = 0
      let text = ''
      try {
        const res = await fetch(`${this.baseUrl}/iclock/cdata?SN=${encodeURIComponent(this.serial)}&table=ATTLOG&Stamp=${this.stamp + batch.length}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body,
        })
        status = res.status
        text = await res.text()
      } catch {
        status = 0
      }
      statuses.push(status)
      const ok = /^OK: ?(\d+)/.exec(text)
      if (status !== 200 || !ok) break
      const n = Math.min(Number(ok[1]), batch.length)
      this.unsent.splice(0, n)
      this.stamp += n
      acked += n
      if (n < batch.length) break
    }
    return { acked, statuses }
  }

  /** Pushes a non-attendance table (OPERLOG), which the server acknowledges without storing. */
  async pushTable(table: string, lines: readonly string[]): Promise<string> {
    const res = await fetch(`${this.baseUrl}/iclock/cdata?SN=${encodeURIComponent(this.serial)}&table=${table}&Stamp=1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: lines.join('\n') + '\n' })
    return res.text()
  }

  /** One command poll: the server's answer (`OK` when it has nothing for the device). */
  async poll(): Promise<string> {
    const res = await fetch(`${this.baseUrl}/iclock/getrequest?SN=${encodeURIComponent(this.serial)}`)
    return res.text()
  }

  /**
   * One poll, and every command it hands out run as the firmware runs it: a DATA QUERY ATTLOG pushes the log's
   * records of the window (device-local times, both ends included) through `/iclock/cdata`, then the result is posted
   * to `/iclock/devicecmd` (Return=0; a command it does not know, -1002).
   */
  async obeyCommands(): Promise<ZkCommandRun[]> {
    const text = await this.poll()
    const runs: ZkCommandRun[] = []
    for (const line of text.split('\n')) {
      const m = /^C:([^:]+):(.*)$/.exec(line.trim())
      if (!m) continue
      const [, id, command] = m as unknown as [string, string, string]
      const window = QUERY_WINDOW.exec(command)
      let returnCode = RETURN_UNKNOWN_COMMAND
      if (window) {
        const [, from, to] = window as unknown as [string, string, string]
        this.unsent.push(...this.log.filter((r) => r.time >= from && r.time <= to))
        await this.pushAll()
        returnCode = 0
      }
      await fetch(`${this.baseUrl}/iclock/devicecmd?SN=${encodeURIComponent(this.serial)}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: `ID=${id}&Return=${returnCode}&CMD=${window ? 'DATA' : command.split(' ')[0] ?? ''}\n`,
      })
      runs.push({ id, command, returnCode })
    }
    return runs
  }
}
