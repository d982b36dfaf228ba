/**
 * What the reveal routes share (POST …/reveal: the full values behind a mask). A reveal states its purpose, which the
 * access log keeps beside the caller, the route and the record (action 'reveal'); and every caller has one budget of
 * reveals an hour across all of them (LIMITS.reveals_per_hour), past which the answer is 429 too_many_requests.
 */
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import { maskText } from '../access/masking.ts'
import { LIMITS } from '../config/limits.ts'
import { principalOf } from './access.ts'

export const purposeSchema = {
  type: 'string',
  minLength: 5,
  maxLength: 200,
  pattern: '^\\S(.*\\S)?$',
  description: 'why the full values are needed (5–200 characters, one line): kept in the access log with the caller and the record',
} as const

const HOUR_MS = 3_600_000

/**
 * One limiter per running service, shared by its reveal routes. @fastify/rate-limit gives each route's own
 * `config.rateLimit` a store of its own, which would make the budget per route rather than per person; a limiter made
 * once with `app.rateLimit` and hooked into each reveal route counts them together. Keyed by the caller's user or key
 * id, never the address (people share a site office's address). The count lives in the instance's memory: several
 * instances behind one address each allow the budget.
 */
const limiters = new WeakMap<object, preHandlerAsyncHookHandler>()

export function revealLimit(app: FastifyInstance): preHandlerAsyncHookHandler {
  let limiter = limiters.get(app.server)
  if (!limiter) {
    limiter = app.rateLimit({ max: LIMITS.reveals_per_hour, timeWindow: HOUR_MS, keyGenerator: (req) => `reveal:${principalOf(req).id}` })
    limiters.set(app.server, limiter)
  }
  return limiter
}

/** Records the purpose for the access log row the reply writes (src/http/access.ts): masked, as a purpose is free text. */
export function statePurpose(req: FastifyRequest, purpose: string): void {
  req.accessPurpose = maskText(purpose)
}
