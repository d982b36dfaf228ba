/** STUB: being written. */
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../services.ts'

export async function depositsRoutes(_app: FastifyInstance, _opts: { services: Services }): Promise<void> {}
