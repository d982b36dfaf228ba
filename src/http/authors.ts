/**
 * The one place a route decides how an author reads in its reply: a worker reads who recorded it (a name or an
 * organisation, src/access/worker-facing-author.ts), staff read it as recorded (the login or key prefix the access
 * log and the key list name).
 */
import type { FastifyRequest } from 'fastify'
import { authorDirectory, workerFacingAuthor } from '../access/worker-facing-author.ts'
import type { Services } from '../services.ts'
import { principalOf } from './access.ts'

export type AuthorOf = (recorded: string) => Promise<string>

const asRecorded: AuthorOf = async (recorded) => recorded

/** For one reply to `req`: look up each credential once however many records it recorded. */
export function authorsFor(req: FastifyRequest, services: Pick<Services, 'access' | 'roster'>): AuthorOf {
  if (principalOf(req).role !== 'worker') return asRecorded
  return workerFacingAuthor(authorDirectory(services.access.repo, async (id) => (await services.roster.organisation(id)).name))
}
