/**
 * Builds the HTTP application: external plugins first (OpenAPI), then the
 * error catalogue, then routes per domain. It does not listen; server.ts does.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import { maskLogError, maskLogFields, maskLogText, type LoggedError } from './access/masking.ts'
import { deniedEntry, installAccess } from './http/access.ts'
import { accessRoutes } from './http/routes/access.ts'
import { AppError } from './kernel/errors.ts'
import { LIMITS } from './config/limits.ts'
import { installErrorHandler } from './http/error-handler.ts'
import { opsRoutes } from './http/routes/ops.ts'
import { mqttAuthRoutes } from './http/routes/mqtt-auth.ts'
import { attendanceRoutes } from './http/routes/attendance.ts'
import { payoutRoutes } from './http/routes/payouts.ts'
import { timesheetRoutes } from './http/routes/timesheets.ts'
import { rosterRoutes } from './http/routes/roster.ts'
import { rosterImportRoutes } from './http/routes/roster-imports.ts'
import { payInputsRoutes } from './http/routes/pay-inputs.ts'
import { payrollSheetsRoutes } from './http/routes/payroll-sheets.ts'
import { payrollDocumentsRoutes } from './http/routes/payroll-documents.ts'
import { instructionsRoutes } from './http/routes/instructions.ts'
import { accountRoutes } from './http/routes/account.ts'
import { projectContactsRoutes } from './http/routes/project-contacts.ts'
import { upstreamRoutes } from './http/routes/upstream.ts'
import { depositsRoutes } from './http/routes/deposits.ts'
import { casesRoutes } from './http/routes/cases.ts'
import { deviceHealthRoutes } from './http/routes/device-health.ts'
import { deviceBackfillRoutes } from './http/routes/device-backfills.ts'
import { webhooksRoutes } from './http/routes/webhooks.ts'
import { pagesRoutes } from './pages/routes.ts'
import { workerSignInCodeRoutes } from './http/routes/worker-sign-in-codes.ts'
import { cluesRoutes } from './http/routes/clues.ts'
import { clueImportsRoutes } from './http/routes/clue-imports.ts'
import { incidentsRoutes } from './http/routes/incidents.ts'
import { creditRecordsRoutes } from './http/routes/credit-records.ts'
import { signalsRoutes } from './http/routes/signals.ts'
import { riskRoutes } from './http/routes/risk.ts'
import type { Services } from './services.ts'
import { validatorCompiler } from './http/validation.ts'

export interface AppOptions {
  logger?: boolean
  /** Where log lines go (JSON, one per line); stdout by default. Tests read it. */
  logStream?: NodeJS.WritableStream
  /** False only for the HTTP benchmark's floor: routes answer without credentials. */
  enforceAccess?: boolean
}

/** Fields whose values never reach a log line, wherever they are logged (top level or one level down). */
const SECRET_LOG_FIELDS = ['password', 'token', 'key', 'secret', 'apiKey', 'sessionToken', 'deviceSecret', 'authorization', 'cookie', 'idNumber', 'idNo', 'cardNo', 'payeeCard', 'phone']

/**
 * Logs never carry an ID number, a card or a secret (PIPL Art. 28; a log is copied, shipped and kept far longer than
 * the ledger's access rules reach). pino's redact removes credentials from headers and the known fields; every other
 * string of a line (its message, its fields, an error's message and stack, a request's URL, which may hold ?card=) is
 * masked as replies are (src/access/masking.ts), and session tokens, API keys and device secrets are cut by prefix.
 */
const logPrivacy = {
  redact: {
    paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', ...SECRET_LOG_FIELDS.flatMap((f) => [f, `*.${f}`])],
    censor: '[redacted]',
  },
  serializers: {
    req: (req: FastifyRequest) => ({ method: req.method, url: maskLogText(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
    // pino hands over whatever was logged under err, an Error or not.
    err: (err: Error) => (err instanceof Error ? maskLogError(err) : (maskLogFields(err) as LoggedError)),
    msg: (msg: unknown) => (typeof msg === 'string' ? maskLogText(msg) : msg),
  },
  formatters: { log: (fields: Record<string, unknown>) => maskLogFields(fields) as Record<string, unknown> },
}

export async function buildApp(services: Services, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: services.config.logLevel, ...(opts.logStream ? { stream: opts.logStream } : {}), ...logPrivacy },
    // Checked on Content-Length, and on the bytes as they stream in, before a body is buffered whole.
    bodyLimit: LIMITS.http_body_bytes_max,
  })
  app.setValidatorCompiler(validatorCompiler())

  await app.register(cookie)
  // Only routes that ask for it (login) are limited; the 429 is the catalogue's.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => new AppError('too_many_requests', { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) }),
  })
  installAccess(app, { access: services.access, log: services.accessLog, enforce: opts.enforceAccess ?? true })
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'wage-ledger',
        version: '0.1.0',
        description: 'Real-name roster, attendance, pay due, bank payout reconciliation and flags for construction projects.',
      },
      tags: [
        { name: 'roster', description: '实名制花名册: organisations, projects, teams, workers, enrolments, devices' },
        { name: 'operations', description: 'Liveness, readiness and metrics for the people who run the service' },
        { name: 'attendance', description: '考勤: raw punches, rejected inputs' },
        { name: 'timesheets', description: '考勤表: worker, team and project months, corrections, confirmation, attendance sheets, flags' },
        { name: 'payroll', description: '工资: amount due, wage terms, piece quantities, additions and deductions, payroll sheets (工资支付表), pay slips, the wage ledger' },
        { name: 'instructions', description: '代发指令: pain.001 and bank 代发 files from approved sheets, re-attempts' },
        { name: 'account', description: '专用账户与保证金: the dedicated account, contract and funding schedule, statements, balance, guarantee deposits' },
        { name: 'payouts', description: '代发与对账: bank result files, reconciliation, flags' },
        { name: 'upstream', description: '信息共享: what each project reported to the real-name platform (accepted, refused with reasons), resends' },
        { name: 'clues', description: '欠薪线索: complaint clues on their clocks, major incidents (10+ workers or ¥5M) and their reports, credit records on employers' },
        { name: 'risk', description: '联合预警与风险指数: outside signals imported from other departments, the monthly risk index of projects and employers with its reasons' },
        { name: 'access', description: '权限: logins, sessions, API keys; every other route needs a session or a key (Authorization: Bearer …)' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  installErrorHandler(app, {
    onDbFault: (fault) => services.database.faulted('http', fault),
    // A handler found the object outside the caller's scope after reading it: the denial is logged like the hook's.
    onOutOfScope: async (request) => {
      if (request.principal) await services.accessLog.append(deniedEntry(request, request.principal, 'out_of_scope'))
    },
  })
  await app.register(opsRoutes, { services })
  await app.register(accessRoutes, { services })
  await app.register(mqttAuthRoutes, { services })

  await app.register(rosterRoutes, { services })
  await app.register(rosterImportRoutes, { services })
  await app.register(attendanceRoutes, { services })
  await app.register(timesheetRoutes, { services })
  await app.register(payoutRoutes, { services })
  await app.register(payInputsRoutes, { services })
  await app.register(payrollSheetsRoutes, { services })
  await app.register(payrollDocumentsRoutes, { services })
  await app.register(instructionsRoutes, { services })
  await app.register(accountRoutes, { services })
  await app.register(projectContactsRoutes, { services })
  await app.register(depositsRoutes, { services })
  await app.register(casesRoutes, { services })
  await app.register(deviceHealthRoutes, { services })
  await app.register(deviceBackfillRoutes, { services })
  await app.register(webhooksRoutes, { services })
  await app.register(workerSignInCodeRoutes, { services })
  await app.register(upstreamRoutes, { services })
  await app.register(cluesRoutes, { services })
  await app.register(clueImportsRoutes, { services })
  await app.register(incidentsRoutes, { services })
  await app.register(creditRecordsRoutes, { services })
  await app.register(signalsRoutes, { services })
  await app.register(riskRoutes, { services })
  // Pages for people: the same services and policies as the API, answered as HTML (src/pages).
  await app.register(pagesRoutes, { services })
  return app
}
