/** Maps every failure to the catalogue in kernel/errors.ts; 5xx details stay in the logs. */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { dbFaultOf, type DbFault } from '../db/faults.ts'
import { AppError, ERRORS, type ErrorCode } from '../kernel/errors.ts'

function reply(code: ErrorCode, details?: unknown): { error: { code: ErrorCode; message: string; details?: unknown } } {
  return { error: details === undefined ? { code, message: ERRORS[code].message } : { code, message: ERRORS[code].message, details } }
}

/** Seconds a client should wait before sending again: a lock passes quickly, a full disk needs an operator. */
const RETRY_AFTER_S = { busy: 1, unavailable: 30 } as const

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The catalogue code a body over the route's bodyLimit answers with (default request_too_large). */
    bodyTooLarge?: ErrorCode
  }
}

export function installErrorHandler(
  app: FastifyInstance,
  opts: { onDbFault?: (fault: DbFault) => void; onOutOfScope?: (request: FastifyRequest) => Promise<void> } = {},
): void {
  app.setErrorHandler(async (err: FastifyError | AppError, request, res) => {
    if (err instanceof AppError) {
      if (err.outOfScope) await opts.onOutOfScope?.(request)
      return res.status(err.status).send(reply(err.code, err.details))
    }
    if (err.validation) {
      const details = err.validation.map((v) => ({
        field: `${err.validationContext ?? 'body'}${v.instancePath || ''}`,
        message: v.message ?? 'is invalid',
        ...(v.params && 'additionalProperty' in v.params ? { property: v.params.additionalProperty } : {}),
      }))
      return res.status(400).send(reply('validation_failed', details))
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return res.status(413).send(reply(request.routeOptions.config.bodyTooLarge ?? 'request_too_large'))
    const fault = dbFaultOf(err)
    if (fault) {
      // Logged (throttled) and counted by the database watch; the request changed nothing (its transaction rolled back).
      opts.onDbFault?.(fault)
      return res
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S[fault.kind]))
        .send(reply(fault.kind === 'busy' ? 'database_busy' : 'database_unavailable', { dbCode: fault.code, ...(fault.code.startsWith('SQLITE_') ? { sqliteCode: fault.code } : {}) }))
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return res.status(err.statusCode).send(reply('validation_failed', [{ field: 'request', message: err.message }]))
    }
    request.log.error({ err }, 'request failed')
    return res.status(500).send(reply('internal'))
  })
  app.setNotFoundHandler((_request, res) => res.status(404).send(reply('not_found')))
}
