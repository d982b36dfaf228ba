/** STUB: being written. */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'

export async function payrollDocumentsRoutes(_app: FastifyInstance, _opts: { services: Services }): Promise<void> {}
