/**
 * `npm start` under a process manager: the manager signals npm, and the
 * service must close with it. (It used to run as `sh -c tsx …`, where the
 * shell took the SIGTERM and died, leaving the service running on its ports
 * with nobody to stop it.)
 */
import t from 'tap'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnService } from '../ingest/helpers/child-service.ts'
import { freePort } from '../helpers/free-port.ts'

t.test('SIGTERM to npm closes the service it started', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-npm-start-'))
  const child = await spawnService(t, { databaseUrl: `file:${join(dir, 'wl.sqlite')}`, httpPort: await freePort(), mqttPort: await freePort(), viaNpm: true })

  child.proc.kill('SIGTERM')
  const gone = await child.exited
  t.equal(gone.code, 0, `npm exits cleanly: ${child.output()}`)
  const answer = await fetch(`${child.httpUrl}/health`).then(
    (r) => `answered ${r.status}`,
    () => 'refused',
  )
  t.equal(answer, 'refused', 'nothing is left listening on the HTTP port')
})
