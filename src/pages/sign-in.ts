/**
 * Signing in and out for people, as a plain HTML form (it works without scripts, on an old phone's browser too). It
 * calls the same AccessService.login as POST /api/session in cookie mode, and sets the same session cookie (HttpOnly,
 * Secure, SameSite=Strict): a page and the API see one session. Wrong passwords are slowed per login (LoginThrottle)
 * and limited per address (the route's rateLimit), as the API's login is.
 */
import type { FastifyInstance } from 'fastify'
import { SESSION_COOKIE } from '../http/access.ts'
import { setSessionCookie, signInLimit } from '../http/sign-in.ts'
import type { Services } from '../services.ts'
import { sendPage, type LayoutData } from './views.ts'

export const SIGN_IN_PATH = '/pages/sign-in'
export const HOME_PATH = '/pages/'

/**
 * Where to go after signing in: a page of ours, never another site (`//evil.example`, `/\evil.example` and absolute
 * URLs are open redirects), and never the sign-in page itself.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2_000) return HOME_PATH
  if (!next.startsWith('/pages/') || next.startsWith(SIGN_IN_PATH) || /[\\\s]/.test(next) || next.includes('//')) return HOME_PATH
  return next
}

/** The sign-in URL that comes back to `url` afterwards. */
export const signInUrl = (url: string): string => `${SIGN_IN_PATH}?next=${encodeURIComponent(safeNext(url))}`

interface SignInData extends LayoutData {
  next: string
  login: string
  /** Why the last attempt failed, in words for the person at the form. */
  problem?: string
}

const form = { type: 'object', properties: { login: { type: 'string', maxLength: 100 }, password: { type: 'string', maxLength: 1_000 }, next: { type: 'string', maxLength: 2_000 } } } as const

export async function signInRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { access } = services
  const page = (data: Omit<SignInData, 'title'>): SignInData => ({ title: '登录', ...data })

  app.get<{ Querystring: { next?: string } }>(
    SIGN_IN_PATH,
    {
      config: { policy: { public: 'the sign-in form: no data' } },
      schema: { hide: true, querystring: { type: 'object', properties: { next: { type: 'string', maxLength: 2_000 } } } },
    },
    async (req, reply) => sendPage(reply, 200, 'sign-in', page({ next: safeNext(req.query.next), login: '' })),
  )

  app.post<{ Body: { login?: string; password?: string; next?: string } }>(
    SIGN_IN_PATH,
    {
      config: { policy: { public: 'signing in: the credentials are the request' } },
      // The same per-address budget as POST /api/session's: one store for both.
      preHandler: signInLimit(app),
      schema: { hide: true, body: form },
    },
    async (req, reply) => {
      const login = (req.body.login ?? '').trim()
      const password = req.body.password ?? ''
      const next = safeNext(req.body.next)
      if (login === '' || password === '') return sendPage(reply, 400, 'sign-in', page({ next, login, problem: '请填写登录名和密码。' }))
      // The same back-off as POST /api/session's (AccessService.signIn): a name waiting there waits here too.
      const attempt = await access.signIn(login, password, 'cookie')
      if (!attempt.ok && attempt.reason === 'throttled') {
        void reply.header('retry-after', String(attempt.retryAfterSeconds))
        return sendPage(reply, 429, 'sign-in', page({ next, login, problem: `尝试次数过多，请 ${attempt.retryAfterSeconds} 秒后再试。` }))
      }
      if (!attempt.ok) {
        req.log.warn({ code: 'login_failed', ip: req.ip }, 'login failed (sign-in page)')
        return sendPage(reply, 401, 'sign-in', page({ next, login, problem: '登录名或密码错误，或该账号已停用。' }))
      }
      setSessionCookie(reply, attempt.session, services.clock.nowMs())
      // 303: the browser follows with a GET, and a reload of the next page does not post the password again.
      return reply.redirect(next, 303)
    },
  )

  // Public, like signing in: it ends the session of the cookie sent, if there is one, and nothing else. A bearer token
  // in the Authorization header is a script's, not a page's, and is left alone.
  app.post(
    '/pages/sign-out',
    { config: { policy: { public: 'signing out: ends the session of the cookie sent, if any' } }, schema: { hide: true } },
    async (req, reply) => {
      const cookie = req.cookies[SESSION_COOKIE]
      if (cookie !== undefined) {
        const p = await access.authenticate(undefined, cookie)
        if (!('failure' in p)) await access.logout(p)
      }
      void reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.redirect(SIGN_IN_PATH, 303)
    },
  )
}
