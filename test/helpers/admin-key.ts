/**
 * An admin API key for a service this test does not hold in its own process (a child killed with SIGKILL, several
 * instances sharing one database, a bench's service): made straight in the database the service uses, as
 * `npm run admin` would on a fresh one, then the database is closed again. openDatabase applies the migrations, so the
 * key can be made before the service first starts; it is valid on every instance of that database.
 */
import { AccessRepository } from '../../src/access/repository.ts'
import { AccessService } from '../../src/access/service.ts'
import { openDatabase } from '../../src/db/client.ts'
import { systemClock } from '../../src/kernel/time.ts'

export async function createAdminKey(databaseUrl: string, name = 'test admin'): Promise<string> {
  const db = await openDatabase(databaseUrl)
  try {
    const { key } = await new AccessService(new AccessRepository(db), systemClock).createKey({ name, role: 'admin' }, 'test')
    return key
  } finally {
    await db.close()
  }
}
