/**
 * ZKTeco ADMS commands on the HTTP device edge (src/ingest/device-http.ts): the device polls `GET /iclock/getrequest`
 * and is handed its pending commands, one a line as `C:<id>:<command>`, or `OK` when there are none; it runs each
 * and posts the outcome to `POST /iclock/devicecmd` as `ID=<id>&Return=<code>&CMD=<word>` lines (0 is success).
 * The only commands the service gives are backfills (`DATA QUERY ATTLOG …`, src/punches/backfill.ts): the records
 * they make the device push again arrive on `/iclock/cdata` like any others.
 */
import type { FastifyInstance } from 'fastify'
import { admsCommandLine, parseAdmsCommandReplies } from '../punches/backfill.ts'

/** Where commands come from and answers go (BackfillService, narrowed). */
export interface AdmsCommandSource {
  /** The device's commands not handed out yet, claimed for this reply. */
  handOut(serial: string): Promise<ReadonlyArray<{ commandNo: number; command: string }>>
  /** The device's answer to one command; false when the device has no open command of that id. */
  answer(serial: string, commandNo: number, returnCode: number, cmd: string): Promise<boolean>
}

export interface AdmsCommandOptions {
  commands: AdmsCommandSource | undefined
  /** The edge's ADMS query-string schema (SN required). */
  querystring: object
  onError?: (err: unknown, route: string) => void
}

export function admsCommandRoutes(app: FastifyInstance, opts: AdmsCommandOptions): void {
  const schema = { querystring: opts.querystring, response: { 200: { type: 'string' } } }

  app.get<{ Querystring: { SN: string } }>('/iclock/getrequest', { schema }, async (req, reply) => {
    let lines: string[] = []
    try {
      lines = ((await opts.commands?.handOut(req.query.SN)) ?? []).map((c) => admsCommandLine(c.commandNo, c.command))
    } catch (err) {
      // Nothing handed out (no handed_out event committed): the command stays pending for the next poll.
      opts.onError?.(err, 'getrequest')
    }
    return reply.type('text/plain').send(lines.length === 0 ? 'OK' : lines.join('\n') + '\n')
  })

  app.post<{ Querystring: { SN: string } }>('/iclock/devicecmd', { schema }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('latin1') : ''
    try {
      for (const r of parseAdmsCommandReplies(body)) await opts.commands?.answer(req.query.SN, r.commandNo, r.returnCode, r.cmd)
    } catch (err) {
      // Not recorded: the device posts its result again.
      opts.onError?.(err, 'devicecmd')
      return reply.code(503).header('retry-after', '30').type('text/plain').send('ERROR: not committed; send again later')
    }
    return reply.type('text/plain').send('OK')
  })
}
