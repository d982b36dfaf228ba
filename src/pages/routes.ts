/**
 * Pages for people (issue 13): server-rendered HTML from the service itself, one more edge beside the API. Every
 * route declares its access policy as an API route does, and the access plugin enforces it the same way (role, then
 * scope, then the access log); what differs is only how a refusal reads: without a session, the browser is sent to
 * the sign-in page and back; a role that may not see a page, or a project outside its scope, gets the API's 403 or
 * 404 as a page that says so, with none of the data. A client that does not ask for HTML (a script, the access
 * matrix test) gets the API's JSON errors instead, 401 included, as from any other route.
 *
 * Registered as one encapsulated plugin: its form-body parser and its HTML error pages stay out of the API.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { dbFaultOf } from '../db/faults.ts'
import { AppError } from '../kernel/errors.ts'
import { deniedEntry } from '../http/access.ts'
import type { Services } from '../services.ts'
import { assetRoutes } from './assets.ts'
import { deskRoutes } from './desk.ts'
import { rosterImportDeskRoutes } from './desk-import.ts'
import { casesDeskRoutes } from './desk-cases.ts'
import { codesDeskRoutes } from './desk-codes.ts'
import { sheetsDeskRoutes } from './desk-sheets.ts'
import { homeRoutes } from './home.ts'
import { oversightRoutes } from './oversight.ts'
import { oversightCluesRoutes } from './oversight-clues.ts'
import { oversightRiskRoutes } from './oversight-risk.ts'
import { rightsBoardRoutes } from './rights-board.ts'
import { signInRoutes, signInUrl } from './sign-in.ts'
import { sendPage, type LayoutData } from './views.ts'
import { workerRoutes, workerSignInFor } from './worker.ts'

/** A form's fields are a login, a password and a page address: a few KiB is plenty. */
const FORM_BODY_BYTES_MAX = 16 * 1024

interface ErrorData extends LayoutData {
  status: number
  code: string
  explanation: string
}

/** What each refusal says to the person: the API's code is shown too, for whoever they ask for help. */
function explanation(status: number): string {
  switch (status) {
    case 403:
      return '您的角色无权查看此页面。如需查看，请联系有权限的人员。'
    case 404:
      return '找不到此页面，或它不在您的权限范围内。'
    case 429:
      return '请求过于频繁，请稍后再试。'
    case 503:
      return '服务暂时繁忙，请稍后刷新。'
    default:
      return status < 500 ? '请求有误，请返回上一页重试。' : '服务出错了，请稍后再试；问题已记录。'
  }
}

/** A browser's navigation asks for text/html; curl, fetch and API clients do not. */
const wantsHtml = (req: FastifyRequest): boolean => (req.headers.accept ?? '').includes('text/html')

export async function pagesRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_BYTES_MAX }, (_req, body, done) => {
    // Object.fromEntries keeps the last of a repeated field; a key like __proto__ becomes a plain own property.
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })

  app.setErrorHandler(async (err: FastifyError | AppError, req, reply) => {
    // A script (no text/html in Accept) gets the API's JSON error from the service's own handler, rethrown to it.
    if (!wantsHtml(req)) throw err
    let status: number
    let code: string
    if (err instanceof AppError) {
      // No session (or an expired one): sign in, then come back to the page asked for.
      // A worker's page goes back to the worker's own sign-in (ID suffix and code), not the managers' form.
      if (err.code === 'unauthenticated') return reply.redirect(workerSignInFor(req.url) ?? signInUrl(req.url), 303)
      if (err.outOfScope && req.principal) await services.accessLog.append(deniedEntry(req, req.principal, 'out_of_scope'))
      status = err.status
      code = err.code
    } else if (err.validation) {
      status = 400
      code = 'validation_failed'
    } else {
      const fault = dbFaultOf(err)
      if (fault) {
        services.database.faulted('http', fault)
        status = 503
        code = fault.kind === 'busy' ? 'database_busy' : 'database_unavailable'
      } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        status = err.statusCode
        code = 'validation_failed'
      } else {
        req.log.error({ err }, 'page failed')
        status = 500
        code = 'internal'
      }
    }
    const title = status === 404 ? '页面不存在' : status === 403 ? '无权查看' : '无法显示此页面'
    return sendPage<ErrorData>(reply, status, 'error', { title, status, code, explanation: explanation(status), homeUrl: workerSignInFor(req.url) ?? (req.url.startsWith('/w/') ? req.url.split('?')[0] : undefined) })
  })

  await app.register(assetRoutes)
  await app.register(signInRoutes, { services })
  await app.register(homeRoutes, { services })
  await app.register(rightsBoardRoutes, { services })
  await app.register(workerRoutes, { services })
  await app.register(oversightRoutes, { services })
  await app.register(oversightCluesRoutes, { services })
  await app.register(oversightRiskRoutes, { services })
  await app.register(deskRoutes, { services })
  await app.register(rosterImportDeskRoutes, { services })
  await app.register(sheetsDeskRoutes, { services })
  await app.register(casesDeskRoutes, { services })
  await app.register(codesDeskRoutes, { services })
}
