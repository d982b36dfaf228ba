/**
 * One-time sign-in codes for the worker's own page (src/access/sign-in-codes.ts): a labour or team manager of the
 * worker's project issues one when the worker asks (a new phone, a code that did not arrive). The code is in this
 * reply once, for the manager to read out, and goes to the worker through the configured delivery.
 */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'
import { principalOf } from '../access.ts'
import { errors, idParam } from '../schemas.ts'

export async function workerSignInCodeRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  app.post<{ Params: { projectId: string; workerId: string } }>(
    '/api/projects/:projectId/workers/:workerId/sign-in-codes',
    {
      config: { policy: { roles: ['labour_manager', 'team_manager'], write: true, personal: true } },
      schema: {
        tags: ['access'],
        summary: "Issues a one-time code (6 digits) for the worker's own page (/w/{projectId}): shown once here, delivered to the worker",
        description:
          'The worker signs in with the last six characters of their ID number and this code. It lives 30 minutes, is used ' +
          'once, and replaces any earlier code of the worker on the project; five wrong codes spend it. Stored only as a hash. ' +
          '`delivery` says how it was sent (`log` in development: no SMS gateway). 404 enrolment_not_found for a worker not on the project.',
        params: { type: 'object', properties: { projectId: idParam, workerId: idParam }, required: ['projectId', 'workerId'], additionalProperties: false },
        response: {
          201: {
            type: 'object',
            properties: { code: { type: 'string' }, expiresAt: { type: 'string' }, delivery: { type: 'string' }, signInPath: { type: 'string' } },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId, workerId } = req.params
      const issued = await services.signInCodes.issue(projectId, workerId, p.label, req.log)
      return reply.code(201).send({ code: issued.code, expiresAt: new Date(issued.expiresAtMs).toISOString(), delivery: issued.channel, signInPath: `/w/${encodeURIComponent(projectId)}` })
    },
  )
}
