/**
 * (Found by review: a platform operator's walkthrough.) A bank's key leaked; the operator, holding the key itself,
 * ran `npm run admin -- revoke-key --id wlk_<prefix>_<secret>`. The console looked the whole key up as a prefix and
 * answered "refused: api_key_not_found: No API key has this id.", exit 1, while the key went on working on the
 * service. It now takes the key as its prefix. Refusals name what was typed and where to look it up: an unknown key
 * ("no API key has the prefix …", never more of the input than a prefix), a login name that is no login ("no login
 * is named …", where it said "No login has this id." to a name).
 */
import t from 'tap'
import { runAdmin } from '../../src/cli/admin.ts'
import { openDatabase } from '../../src/db/client.ts'
import { Api } from '../../simulators/api.ts'
import { testDatabaseUrl } from '../helpers/database.ts'
import { startTestServer } from '../helpers/server.ts'

t.test('revoke-key takes the leaked key itself; refusals name what was typed', async (t) => {
  const databaseUrl = await testDatabaseUrl(t)
  const consoleDb = await openDatabase(databaseUrl)
  t.teardown(() => consoleDb.close())
  const admin = async (...args: string[]) => {
    let stdout = ''
    let stderr = ''
    const code = await runAdmin(args, consoleDb, {
      out: (line) => (stdout += `${line}\n`),
      err: (line) => (stderr += `${line}\n`),
      askPassword: () => Promise.resolve(undefined),
      env: { WL_ADMIN_PASSWORD: '' },
    })
    return { code, stdout, stderr }
  }
  const server = await startTestServer(t, { config: { databaseUrl } })
  const created = await admin('create-key', '--name', 'bank 103 results', '--role', 'bank', '--bank', '103')
  t.equal(created.code, 0, created.stderr)
  const key = /key \(shown once[^)]*\): (wlk_\S+)/.exec(created.stdout)![1]!
  const bank = new Api(server.httpUrl).as(key)
  t.match(await bank.get('/api/me'), { kind: 'key', role: 'bank' }, 'the key works')

  const revoked = await admin('revoke-key', '--id', key)
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.stdout, new RegExp(`revoked API key ${key.slice(0, 14)} "bank 103 results"`))
  const after = await bank.fetch('/api/me')
  t.equal(after.status, 401, 'the leaked key is refused on its next request')
  t.match(await after.json(), { error: { details: { reason: 'revoked' } } })
  t.match(await admin('revoke-key', '--id', key), { code: 0, stdout: /already revoked/ })

  const unknown = `wlk_0000000000_${'A'.repeat(43)}`
  const refused = await admin('revoke-key', '--id', unknown)
  t.equal(refused.code, 1)
  t.match(refused.stderr, /refused: api_key_not_found: no API key has the prefix wlk_0000000000; `npm run admin -- list-keys` lists/)
  t.notOk(refused.stderr.includes('A'.repeat(10)), 'the secret part typed is not printed')
  t.match(await admin('revoke-key', '--id', 'no-such-key'), { code: 1, stderr: /no API key has the id no-such-key/ })

  for (const command of ['disable-user', 'set-password']) {
    const r = await admin(command, '--login', 'nobody')
    t.equal(r.code, 1, command)
    t.match(r.stderr, /refused: user_not_found: no login is named nobody; `npm run admin -- list-users` lists them/, command)
  }
})
