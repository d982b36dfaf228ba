/**
 * What every way of signing in shares: the API's POST /api/session, the staff sign-in form and the worker's code
 * sign-in. One per-address rate limit for the staff routes together (a budget per route would let an attacker take
 * each route's in turn; the per-name back-off is AccessService.signIn's), and the session cookie as every one of
 * them sets it.
 */
import type { FastifyInstance, FastifyReply, preHandlerAsyncHookHandler } from 'fastify'
import { LIMITS } from '../config/limits.ts'
import { SESSION_COOKIE } from './access.ts'

const limiters = new WeakMap<object, preHandlerAsyncHookHandler>()

/**
 * The per-address limit on password attempts, one store per running service for every password route (as
 * src/http/reveal.ts does for reveals): a limiter made once with `app.rateLimit` and hooked into each route.
 */
export function signInLimit(app: FastifyInstance): preHandlerAsyncHookHandler {
  let limiter = limiters.get(app.server)
  if (!limiter) {
    limiter = app.rateLimit({ max: LIMITS.login_attempts_per_minute, timeWindow: 60_000, keyGenerator: (req) => `sign-in:${req.ip}` })
    limiters.set(app.server, limiter)
  }
  return limiter
}

/**
 * The session cookie: HttpOnly, Secure, SameSite=Strict, for the whole site. Max-Age rather than Expires: a lifetime
 * counted from arrival holds whatever the browser's clock says (a site tablet's is often wrong), and the session
 * itself still ends at expiresAtMs on the service's clock.
 */
export function setSessionCookie(reply: FastifyReply, session: { token: string; expiresAtMs: number }, nowMs: number): void {
  void reply.setCookie(SESSION_COOKIE, session.token, { httpOnly: true, secure: true, sameSite: 'strict', path: '/', maxAge: Math.max(0, Math.floor((session.expiresAtMs - nowMs) / 1000)) })
}
