/**
 * Today on site, live (server-sent events, text/event-stream): `/pages/projects/:projectId/desk/on-site/events`.
 *
 * How the stream learns of a punch. On PostgreSQL several instances may run, and the punch may have come in through
 * another one (its broker, its device port), so an in-process notice alone would miss it. The stream therefore polls
 * the database: every DESK_POLL_MS it counts the project's punches of today (GET …/punches reads the same rows), and
 * when the count moved it reads the list again and sends it. Punches are append-only, so a count that did not move
 * means nothing was added, whichever instance stored it and in whatever order ids were committed (a "highest id" cursor
 * could skip a lower id committed late). The inbox's after-commit notice (PunchInbox.onCommitted) wakes the streams of
 * the punch's project at once, so on the instance that stored it the update is immediate; elsewhere it is at most
 * DESK_POLL_MS late. One count per open desk per interval is the cost.
 *
 * A stream lasts DESK_STREAM_MS_MAX, then ends; the browser's EventSource reconnects (after `retry`), and so passes
 * the access check again: a session signed out or expired does not keep a stream. Streams are ended when the service
 * closes. A client that does not ask for text/event-stream (a script, the access matrix test, a HEAD) gets the list
 * once, as HTML, rather than a stream that never ends.
 */
import type { ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { accessEntry, principalOf, SESSION_COOKIE } from '../http/access.ts'
import { workDateOf } from '../kernel/time.ts'
import type { Services } from '../services.ts'
import { deskParams, onSiteFragment, readOnSite } from './desk.ts'

/** How often a stream counts today's punches: the longest a punch stored by another instance waits to be shown. */
export const DESK_POLL_MS = 2_000
/** A stream's life before the browser must reconnect (and be checked again). */
export const DESK_STREAM_MS_MAX = 10 * 60_000
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000
/** What the browser waits before reconnecting. */
const RETRY_MS = 3_000

/** One server-sent event: every line of the data prefixed, as the format requires (HTML spans lines). */
export function sseEvent(event: string, data: string): string {
  return `event: ${event}\n${data.split(/\r\n|\r|\n/).map((l) => `data: ${l}`).join('\n')}\n\n`
}

export async function deskLiveRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  /** project id → the wake-ups of its open streams. */
  const waiting = new Map<string, Set<() => void>>()
  const open = new Set<ServerResponse>()

  services.inbox.onCommitted((batch) => {
    const projects = new Set(batch.flatMap((c) => (c.punch ? [c.punch.projectId] : [])))
    for (const id of projects) for (const wake of waiting.get(id) ?? []) wake()
  })
  app.addHook('preClose', async () => {
    for (const res of open) res.end()
  })

  app.get<{ Params: { projectId: string } }>(
    '/pages/projects/:projectId/desk/on-site/events',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } }, schema: { hide: true, params: deskParams } },
    async (req, reply) => {
      const p = principalOf(req)
      const { projectId } = req.params
      const project = await services.roster.project(projectId)
      const nowLocal = (): string => new Date(services.clock.nowMs()).toLocaleTimeString('zh-CN', { timeZone: project.timeZone, hour12: false })
      if (!(req.headers.accept ?? '').includes('text/event-stream')) {
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(onSiteFragment(await readOnSite(services, p, projectId), nowLocal()))
      }

      // The stream is written by hand: fastify's onSend (where personal reads are logged) does not run for it.
      await services.accessLog.append(accessEntry(req, p, 'read', 200, null))
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        // nginx and the like would otherwise hold the events back in their buffer.
        'x-accel-buffering': 'no',
      })
      open.add(res)
      let closed = false
      let wake: () => void = () => undefined
      // A punch noticed while the list is being read is remembered, so the next turn does not sleep through it.
      let woken = false
      const wakeUp = (): void => {
        woken = true
        wake()
      }
      const streams = waiting.get(projectId) ?? new Set()
      streams.add(wakeUp)
      waiting.set(projectId, streams)
      const finish = (): void => {
        closed = true
        open.delete(res)
        streams.delete(wakeUp)
        if (streams.size === 0) waiting.delete(projectId)
        wake()
      }
      res.on('close', finish)

      const endsAtMs = Date.now() + DESK_STREAM_MS_MAX
      let heartbeatAtMs = Date.now() + HEARTBEAT_MS
      let date = workDateOf(services.clock.nowMs(), project.timeZone)
      let count = -1
      res.write(`retry: ${RETRY_MS}\n\n`)
      try {
        while (!closed && Date.now() < endsAtMs) {
          // Signed out, disabled or revoked since the stream opened: it ends now, not at its ten minutes.
          if ('failure' in (await services.access.authenticate(req.headers.authorization, req.cookies?.[SESSION_COOKIE]))) break
          const today = workDateOf(services.clock.nowMs(), project.timeZone)
          const n = await services.punches.countPunches(projectId, today, today)
          if (closed) break
          if (n !== count || today !== date) {
            // The first turn sends the list at once: a punch stored between the page's load and the stream's start shows.
            count = n
            date = today
            res.write(sseEvent('on-site', onSiteFragment(await readOnSite(services, p, projectId), nowLocal())))
          } else if (Date.now() >= heartbeatAtMs) {
            res.write(': still here\n\n')
          }
          if (Date.now() >= heartbeatAtMs) heartbeatAtMs = Date.now() + HEARTBEAT_MS
          if (woken) {
            woken = false
            continue
          }
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, DESK_POLL_MS)
            wake = () => {
              clearTimeout(timer)
              resolve()
            }
          })
          woken = false
        }
      } catch (err) {
        // The database went away under a stream: end it; the browser reconnects and gets the page's error if it persists.
        req.log.warn({ err, projectId }, 'desk stream ended by an error')
      } finally {
        if (!closed) res.end()
        finish()
      }
    },
  )
}
