/**
 * Builds the HTTP application: external plugins first (OpenAPI), then the
 * error catalogue, then routes per domain. It does not listen; server.ts does.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { installErrorHandler } from './http/error-handler.ts'
import { attendanceRoutes } from './http/routes/attendance.ts'
import { payoutRoutes } from './http/routes/payouts.ts'
import { timesheetRoutes } from './http/routes/timesheets.ts'
import { rosterRoutes } from './http/routes/roster.ts'
import type { Services } from './services.ts'
import { validatorCompiler } from './http/validation.ts'

export async function buildApp(services: Services, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: services.config.logLevel },
  })
  app.setValidatorCompiler(validatorCompiler())

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'wage-ledger',
        version: '0.1.0',
        description: 'Real-name roster, attendance, pay due, bank payout reconciliation and flags for construction projects.',
      },
      tags: [
        { name: 'roster', description: '实名制花名册: organisations, projects, teams, workers, enrolments, devices' },
        { name: 'attendance', description: '考勤: raw punches, rejected inputs' },
        { name: 'timesheets', description: '考勤表: worker, team and project months, corrections, confirmation, attendance sheets, flags' },
        { name: 'payroll', description: '工资: amount due' },
        { name: 'payouts', description: '代发与对账: bank result files, reconciliation, flags' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  installErrorHandler(app)

  app.get(
    '/health',
    {
      schema: {
        tags: ['attendance'],
        summary: 'Liveness, with the ingest counters since start',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              ingest: {
                type: 'object',
                properties: { stored: { type: 'integer' }, duplicates: { type: 'integer' }, rejected: { type: 'integer' }, batches: { type: 'integer' }, pending: { type: 'integer' } },
              },
            },
          },
        },
      },
    },
    async () => ({ status: 'ok', ingest: { ...services.inbox.stats, pending: services.inbox.pending } }),
  )

  await app.register(rosterRoutes, { services })
  await app.register(attendanceRoutes, { services })
  await app.register(timesheetRoutes, { services })
  await app.register(payoutRoutes, { services })
  return app
}
