/**
 * (Found by review.) The listening connection's heartbeat (src/db/pg-notices.ts) judged a ping unanswered in the
 * timers phase, before the event loop had read the replies waiting on its sockets. An event loop blocked longer than
 * the timeout (a loaded CI machine, a long synchronous task) right after a ping was sent made the next beat count the
 * connection lost although PostgreSQL's answer had arrived meanwhile: a reconnect, and a stretch in which every
 * request reads the credentials from the database.
 *
 * Here the loop is blocked ~3 s by a busy loop just after a heartbeat's ping goes out (timeout 2 s); the answer waits
 * on the socket. The connection must not count as lost: the same client keeps listening, no new one is made.
 */
import pg from 'pg'
import t from 'tap'
import { ChangeNotices } from '../../src/db/pg-notices.ts'
import { createPgDatabase, TEST_ENGINE } from '../helpers/database.ts'

const until = async (what: string, ok: () => boolean): Promise<void> => {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if (ok()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error(`never came: ${what}`)
}

const busy = (ms: number): void => {
  for (const end = Date.now() + ms; Date.now() < end; );
}

if (TEST_ENGINE !== 'postgres') {
  t.pass('PostgreSQL only: the notices are a PostgreSQL listening connection')
} else {
  t.test('an event loop blocked past the timeout does not lose a connection whose answer has arrived', async (t) => {
    const databaseUrl = await createPgDatabase(t)
    let clients = 0
    let armed = false
    let blocked = false
    let answeredAfterBlock = 0
    const newClient = (): pg.Client => {
      clients++
      const client = new pg.Client({ connectionString: databaseUrl })
      const query = client.query.bind(client) as (text: string) => Promise<unknown>
      // The heartbeat's ping is `SELECT 1`: the first one once armed is followed, in the same turn of the event loop
      // and before its answer is read, by ~3 s of synchronous work.
      ;(client as unknown as { query: (text: string) => Promise<unknown> }).query = (text: string) => {
        const p = query(text)
        if (text !== 'SELECT 1' || !armed) return p
        if (!blocked) {
          blocked = true
          setImmediate(() => busy(3_000))
        } else {
          void p.then(() => answeredAfterBlock++, () => {})
        }
        return p
      }
      return client
    }
    const n = new ChangeNotices(newClient, { channel: 'wl_credentials', heartbeatMs: 100, timeoutMs: 2_000, retryMs: [50, 50] })
    await n.start()
    t.teardown(() => n.close())
    t.ok(n.isListening)
    armed = true
    await until('the loop blocked after a ping', () => blocked)
    await until('two heartbeats answered after the block', () => answeredAfterBlock >= 2 || clients > 1)
    t.equal(clients, 1, 'no reconnect: the answer that had arrived was read before judging the connection')
    t.ok(n.isListening, 'still listening')
  })
}
