/**
 * The two database adapters against real engines: every test runs on SQLite
 * and on PostgreSQL, whatever WL_TEST_ENGINE says, and checks that a row, a
 * transaction, a fault and a statement text behave the same on both (or, where
 * the engines cannot, says how they differ).
 */
import BetterSqlite3 from 'better-sqlite3'
import { getTableColumns, getTableName, sql, Table, type Column } from 'drizzle-orm'
import { getTableConfig as getPgTableConfig, type PgTable } from 'drizzle-orm/pg-core'
import { getTableConfig as getSqliteTableConfig, integer, sqliteTable, text, type SQLiteTable } from 'drizzle-orm/sqlite-core'
import pg from 'pg'
import t, { type Test } from 'tap'
import { LIMITS } from '../../src/config/limits.ts'
import { openDatabase } from '../../src/db/client.ts'
import { q, type Database, type Engine } from '../../src/db/database.ts'
import { dbFaultOf, isUniqueViolation } from '../../src/db/faults.ts'
import { PostgresDatabase } from '../../src/db/postgres.ts'
import { BulkInsert, columnName, insertInto, rowOf, selectFrom } from '../../src/db/rows.ts'
import * as sqliteSchema from '../../src/db/schema/index.ts'
import { enrolments, punches, rejectedInputs, rejectedPayloads, serviceHeartbeats } from '../../src/db/schema/index.ts'
import * as pgSchema from '../../src/db/schema-pg/index.ts'
import { SqliteDatabase } from '../../src/db/sqlite.ts'
import { TEST_ENGINE, testDatabaseUrl } from '../helpers/database.ts'
import { freePort } from '../helpers/free-port.ts'
import { tempDir } from '../helpers/server.ts'

/**
 * Each pass of `npm test` checks its own engine (the suite runs once per engine); the parity of the two schemas needs
 * both and runs in the PostgreSQL pass.
 */
const ENGINES: readonly Engine[] = [TEST_ENGINE]
const BOTH: readonly Engine[] = ['sqlite', 'postgres']

/** A freshly migrated database of the engine, closed (and on PostgreSQL dropped) at teardown. */
async function fresh(t: Test, engine: Engine): Promise<Database> {
  const db = await openDatabase(await testDatabaseUrl(t, engine))
  t.teardown(() => db.close())
  return db
}

/** Runs body once per engine, each as its own subtest with its own database. */
function onBoth(t: Test, body: (t: Test, db: Database, engine: Engine) => Promise<void>): void {
  for (const engine of ENGINES) t.test(engine, async (t) => body(t, await fresh(t, engine), engine))
}

type HeartbeatRow = typeof serviceHeartbeats.$inferSelect

const heartbeats = (db: Database): Promise<HeartbeatRow[]> =>
  db.all<HeartbeatRow>(sql`${selectFrom(serviceHeartbeats)} ORDER BY ${serviceHeartbeats.instance}`)

const beat = (instance: string, ms = 1_790_000_000_000) => insertInto(serviceHeartbeats, [{ instance, startedAtMs: ms, beatAtMs: ms }])

/** The smallest roster a punch can refer to: two organisations, a project, a team, a worker, an enrolment, a device. */
async function seedRoster(db: Database): Promise<void> {
  const at = 1_790_000_000_000
  await db.run(
    insertInto(sqliteSchema.organisations, [
      { id: 'org-cu', kind: 'construction_unit', name: '建设单位', creditCode: '91110000000000001X', createdAtMs: at },
      { id: 'org-gc', kind: 'general_contractor', name: '总承包', creditCode: '91110000000000002X', createdAtMs: at },
    ]),
  )
  await db.run(
    insertInto(sqliteSchema.projects, [
      {
        id: 'p1',
        siteCode: 'S1',
        name: '工程',
        regionCode: '110101',
        timeZone: 'Asia/Shanghai',
        payDay: 15,
        constructionUnitId: 'org-cu',
        generalContractorId: 'org-gc',
        accountBank: 'bank',
        accountNo: '6200',
        accountName: 'acct',
        createdAtMs: at,
      },
    ]),
  )
  await db.run(insertInto(sqliteSchema.teams, [{ id: 't1', projectId: 'p1', employerId: 'org-gc', name: '班组', createdAtMs: at }]))
  const worker = (id: string, n: number) => ({
    id,
    name: `工人${n}`,
    idType: 'resident_id',
    idNumber: `11010119900101000${n}`,
    gender: 'male',
    birthDate: '1990-01-01',
    bankName: 'bank',
    cardNo: `622200000000000${n}`,
    createdAtMs: at,
  })
  await db.run(insertInto(sqliteSchema.workers, [worker('w1', 1), worker('w2', 2)]))
  await db.run(
    insertInto(enrolments, [
      { id: 'e1', projectId: 'p1', workerId: 'w1', teamId: 't1', dailyRateFen: 30_000, safetyTrained: true, entryDate: '2026-01-01', createdAtMs: at },
      { id: 'e2', projectId: 'p1', workerId: 'w2', teamId: 't1', dailyRateFen: 30_000, safetyTrained: false, entryDate: '2026-01-01', createdAtMs: at },
    ]),
  )
  await db.run(insertInto(sqliteSchema.devices, [{ id: 'd1', projectId: 'p1', serial: 'SN1', model: 'gate', installedAtMs: at, createdAtMs: at }]))
}

const punch = (recordId: string, deviceTimeMs: number) => ({
  projectId: 'p1',
  deviceId: 'd1',
  recordId,
  workerId: 'w1',
  enrolmentId: 'e1',
  deviceTimeMs,
  receivedAtMs: deviceTimeMs,
  workDate: '2026-01-05',
  direction: 'in',
  verifyMethod: 'face',
  channel: 'mqtt',
})

/** The migrations this database has applied (drizzle's journal table, per engine). */
async function appliedMigrations(db: Database): Promise<number> {
  const table = db.engine === 'postgres' ? 'drizzle.__drizzle_migrations' : '__drizzle_migrations'
  const row = await db.get<{ n: number }>(q(`SELECT count(*) AS "n" FROM ${table}`))
  return row?.n ?? 0
}

async function tableNames(db: Database): Promise<string[]> {
  const rows =
    db.engine === 'postgres'
      ? await db.all<{ name: string }>(q(`SELECT table_name AS "name" FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`))
      : await db.all<{ name: string }>(q(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'`))
  return rows.map((r) => r.name).sort()
}

const schemaTables = (schema: Record<string, unknown>): Map<string, Table> =>
  new Map(Object.entries(schema).filter((e): e is [string, Table] => e[1] instanceof Table))

t.test('migrations: every table, nothing applied twice, two instances at once', async (t) => {
  const expected = [...schemaTables(sqliteSchema).values()].map((tb) => getTableName(tb)).sort()
  for (const engine of ENGINES) {
    t.test(engine, async (t) => {
      const url = await testDatabaseUrl(t, engine)
      // Two instances starting together: on PostgreSQL the advisory lock lets one migrate while the other waits.
      const [a, b] = await Promise.all([openDatabase(url), openDatabase(url)])
      t.teardown(() => a.close())
      t.teardown(() => b.close())
      t.same(await tableNames(a), expected, 'every table of the schema, and no other')
      const applied = await appliedMigrations(a)
      t.ok(applied > 0, `${applied} migrations applied`)
      const again = await openDatabase(url)
      t.teardown(() => again.close())
      t.equal(await appliedMigrations(again), applied, 'opening again applies nothing')
    })
  }
})

t.test('schema parity: src/db/schema-pg is src/db/schema on PostgreSQL', { skip: TEST_ENGINE === 'postgres' ? false : 'runs in the PostgreSQL pass (it needs both engines)' }, async (t) => {
  const lite = schemaTables(sqliteSchema)
  const post = schemaTables(pgSchema)
  t.same([...post.keys()].sort(), [...lite.keys()].sort(), 'the same exported table names')
  for (const [key, lt] of lite) {
    const pt = post.get(key)
    if (!pt) continue
    t.equal(getTableName(pt), getTableName(lt), `${key}: table name`)
    // A default is compared off the primary key only: SQLite gives every INTEGER PRIMARY KEY one (the rowid), whether
    // or not it is generated; which ids are generated is checked apart, below.
    const shape = (cols: Record<string, Column>) =>
      Object.fromEntries(
        Object.entries(cols).map(([k, c]) => [k, { name: columnName(c), notNull: c.notNull, primary: c.primary, hasDefault: c.primary ? undefined : c.hasDefault }]),
      )
    t.same(shape(getTableColumns(pt)), shape(getTableColumns(lt)), `${key}: columns (names, NOT NULL, primary key, default)`)
    const ls = getSqliteTableConfig(lt as SQLiteTable)
    const ps = getPgTableConfig(pt as PgTable)
    const fks = (list: typeof ls.foreignKeys | typeof ps.foreignKeys) =>
      list
        .map((fk) => {
          const r = fk.reference()
          return `(${r.columns.map(columnName).join(',')}) -> ${getTableName(r.foreignTable)}(${r.foreignColumns.map(columnName).join(',')})`
        })
        .sort()
    t.same(fks(ps.foreignKeys), fks(ls.foreignKeys), `${key}: foreign keys`)
  }
  const generatedIds = (tables: Map<string, Table>, generated: (c: Column) => boolean) =>
    [...tables].flatMap(([key, tb]) => Object.entries(getTableColumns(tb)).flatMap(([k, c]) => (generated(c) ? [`${key}.${k}`] : [])))
  const liteGenerated = generatedIds(lite, (c) => (c as Column & { autoIncrement?: boolean }).autoIncrement === true)
  t.same(liteGenerated, ['accessLog.id', 'deviceCredentials.id', 'employerSignals.id', 'punches.id', 'rejectedInputs.id', 'riskScores.id', 'upstreamAttempts.id', 'upstreamRecords.id'], 'SQLite: the AUTOINCREMENT ids')
  t.same(
    generatedIds(post, (c) => c.generatedIdentity?.type === 'always'),
    liteGenerated,
    'PostgreSQL: the same ids generated always as identity',
  )

  // What the migrations built, per engine: every index by name with its table, uniqueness and columns in order,
  // the .unique() columns included (an index on SQLite, a constraint's index of the same name on PostgreSQL). Left
  // out: primary keys, whose index is sqlite_autoindex_* / <table>_pkey on one engine and the rowid on the other;
  // they are compared above, column by column.
  const built: Partial<Record<Engine, Record<string, string>>> = {}
  for (const engine of BOTH) {
    await t.test(`${engine}: indexes`, async (t) => {
      const db = await fresh(t, engine)
      const rows =
        engine === 'postgres'
          ? await db.all<{ index: string; table: string; unique: boolean; cols: string[] }>(
              q(`SELECT i.relname AS "index", tb.relname AS "table", ix.indisunique AS "unique",
                   array_agg(a.attname::text ORDER BY k.ord) AS "cols"
                 FROM pg_index ix
                 JOIN pg_class i ON i.oid = ix.indexrelid
                 JOIN pg_class tb ON tb.oid = ix.indrelid
                 JOIN pg_namespace n ON n.oid = tb.relnamespace
                 CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = tb.oid AND a.attnum = k.attnum
                 WHERE n.nspname = 'public' AND NOT ix.indisprimary
                 GROUP BY i.relname, tb.relname, ix.indisunique`),
            )
          : (
              await db.all<{ index: string; table: string; unique: number; col: string }>(
                q(`SELECT il.name AS "index", m.name AS "table", il."unique" AS "unique", ii.name AS "col"
                   FROM sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
                   WHERE m.type = 'table' AND il.origin <> 'pk' AND m.name NOT LIKE '__drizzle%'
                   ORDER BY il.name, ii.seqno`),
              )
            ).reduce<Array<{ index: string; table: string; unique: boolean; cols: string[] }>>((acc, r) => {
              const last = acc.at(-1)
              if (last?.index === r.index) last.cols.push(r.col)
              else acc.push({ index: r.index, table: r.table, unique: Boolean(r.unique), cols: [r.col] })
              return acc
            }, [])
      built[engine] = Object.fromEntries(rows.map((r) => [r.index, `${r.table}${r.unique ? ' unique' : ''} (${r.cols.join(', ')})`]))
      t.ok(rows.length > 20, `${rows.length} indexes`)
    })
  }
  t.same(built.postgres, built.sqlite, 'the same indexes on both: names, tables, uniqueness, columns in order')
})

t.test('BIGINT columns come back as exact numbers up to 2^53 - 1', async (t) => {
  onBoth(t, async (t, db) => {
    const max = Number.MAX_SAFE_INTEGER
    await db.run(insertInto(serviceHeartbeats, [{ instance: 'far', startedAtMs: max, beatAtMs: -max }]))
    t.same(await heartbeats(db), [{ instance: 'far', startedAtMs: max, beatAtMs: -max }])

    await seedRoster(db)
    const ids = await db.all<{ id: number }>(sql`${insertInto(punches, [punch('r1', max - 1), punch('r2', max)])} RETURNING id`)
    t.same(
      ids.map((r) => typeof r.id),
      ['number', 'number'],
      'generated ids are numbers',
    )
    const back = await db.all<{ recordId: string; deviceTimeMs: number }>(
      q('SELECT record_id AS "recordId", device_time_ms AS "deviceTimeMs" FROM punches WHERE device_time_ms > ? ORDER BY id', max - 10),
    )
    t.same(back, [
      { recordId: 'r1', deviceTimeMs: max - 1 },
      { recordId: 'r2', deviceTimeMs: max },
    ])
    const sum = await db.get<{ s: number; n: number }>(q('SELECT CAST(SUM(device_time_ms) AS BIGINT) AS "s", count(*) AS "n" FROM punches WHERE device_time_ms < ?', 0))
    t.same(sum, { s: null, n: 0 }, 'the sum of nothing is NULL on both, a count is a number')
  })
})

t.test('a sum past 2^53 is an error on PostgreSQL, never a rounded number', async (t) => {
  onBoth(t, async (t, db, engine) => {
    const max = Number.MAX_SAFE_INTEGER
    await db.run(insertInto(serviceHeartbeats, ['a', 'b', 'c'].map((instance) => ({ instance, startedAtMs: max, beatAtMs: 0 }))))
    const total = q('SELECT CAST(SUM(started_at_ms) AS BIGINT) AS "s" FROM service_heartbeats')
    if (engine === 'postgres') {
      await t.rejects(db.get(total), RangeError, 'get')
      await t.rejects(
        db.each(total, () => {}),
        RangeError,
        'each (a cursor)',
      )
      await t.rejects(
        db.tx((tx) => tx.get(total)),
        RangeError,
        'inside a transaction',
      )
      t.same(await db.get(q('SELECT count(*) AS "n" FROM service_heartbeats')), { n: 3 }, 'the connections still work')
    } else {
      // better-sqlite3 hands back a double: the exact 3 × (2^53 − 1) is not one. LIMITS keep every real total far
      // below 2^53 (daily_rate_fen_max), which is what protects SQLite's sums.
      const got = await db.get<{ s: number }>(total)
      t.not(BigInt(got?.s ?? 0), 3n * BigInt(max), 'SQLite rounds (known difference, bounded by LIMITS)')
    }
  })
})

t.test('booleans read as booleans through rowOf, and compare with parameters', async (t) => {
  onBoth(t, async (t, db) => {
    await seedRoster(db)
    type Enrolment = typeof enrolments.$inferSelect
    const rows = (await db.all(sql`${selectFrom(enrolments)} ORDER BY ${enrolments.id}`)).map((r) => rowOf<Enrolment>(enrolments, r))
    t.same(
      rows.map((r) => [r.id, r.safetyTrained]),
      [
        ['e1', true],
        ['e2', false],
      ],
    )
    t.same(
      await db.all(q('SELECT id FROM enrolments WHERE safety_trained = ? ORDER BY id', false)),
      [{ id: 'e2' }],
      'a boolean parameter',
    )
    t.same(await db.all(sql`SELECT id FROM enrolments WHERE ${enrolments.safetyTrained} = ${true} ORDER BY id`), [{ id: 'e1' }], 'through the sql template')
  })
})

t.test('blob / bytea: a Buffer comes back byte for byte', async (t) => {
  onBoth(t, async (t, db) => {
    const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.alloc(70_000, 0x41)])
    const stored = await db.get<{ id: number }>(
      sql`${insertInto(rejectedInputs, [{ source: 'mqtt', channel: 'wl/v1/x', reason: 'malformed_payload', detail: 'test', payloadBytes: bytes.length, receivedAtMs: 1 }])} RETURNING id`,
    )
    t.type(stored?.id, 'number')
    await db.run(insertInto(rejectedPayloads, [{ rejectedId: stored?.id, payload: bytes }]))
    const back = await db.get(sql`${selectFrom(rejectedPayloads)} WHERE ${rejectedPayloads.rejectedId} = ${stored?.id}`)
    const row = rowOf<typeof rejectedPayloads.$inferSelect>(rejectedPayloads, back ?? {})
    t.ok(Buffer.isBuffer(row.payload), 'a Buffer')
    t.ok(row.payload.equals(bytes), 'the same bytes')
  })
})

t.test('tx commits all or nothing', async (t) => {
  onBoth(t, async (t, db) => {
    await t.rejects(
      db.tx(async (tx) => {
        await tx.run(beat('a'))
        await db.run(beat('b'))
        throw new Error('midway')
      }),
      { message: 'midway' },
    )
    t.same(await heartbeats(db), [], 'nothing of a transaction that threw')
    const result = await db.tx(async (tx) => {
      await tx.run(beat('a'))
      await db.run(beat('b'))
      return 'done'
    })
    t.equal(result, 'done', 'the value of fn')
    t.same(
      (await heartbeats(db)).map((r) => r.instance),
      ['a', 'b'],
      'all of one that returned',
    )
    // A failed statement inside: on PostgreSQL the transaction is aborted, on SQLite the statement alone fails; both
    // roll everything back when fn throws it on.
    await t.rejects(
      db.tx(async (tx) => {
        await tx.run(beat('c'))
        await tx.run(beat('a'))
      }),
    )
    t.same(
      (await heartbeats(db)).map((r) => r.instance),
      ['a', 'b'],
      'nothing of one whose statement failed',
    )
  })
})

t.test('ambient transactions: statements inside join it, statements from outside do not', async (t) => {
  onBoth(t, async (t, db, engine) => {
    const find = q('SELECT instance FROM service_heartbeats WHERE instance = ?', 'amb')
    const order: string[] = []
    let start!: () => void
    // Started outside the transaction's async context: it is not part of it, even though it runs while it is open.
    const outside = new Promise<void>((r) => (start = r)).then(async () => {
      const rows = await db.all(find)
      order.push('outside')
      return rows.length
    })
    let outsideSawDuring = -1
    await db.tx(async (tx) => {
      await tx.run(beat('amb'))
      t.equal((await db.all(find)).length, 1, 'db.all inside fn sees the uncommitted row')
      const viaCallback = await new Promise<number>((r) => setImmediate(() => r(db.all(find).then((x) => x.length))))
      t.equal(viaCallback, 1, 'and so does one issued from a callback fn scheduled')
      start()
      if (engine === 'postgres') {
        // Another connection, read committed: the row is not there yet.
        outsideSawDuring = await outside
      } else {
        // One connection: the outside statement waits for the transaction instead of slipping into it.
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
      }
      order.push('tx end')
    })
    if (engine === 'postgres') {
      t.equal(outsideSawDuring, 0, 'a statement from outside does not see the uncommitted row')
      t.same(order, ['outside', 'tx end'])
    } else {
      t.equal(await outside, 1, 'it ran after the commit, and sees the row')
      t.same(order, ['tx end', 'outside'], 'a statement from outside waited for the transaction')
    }
    t.equal((await db.all(find)).length, 1, 'committed')
  })
})

t.test('a nested tx joins the outer one', async (t) => {
  onBoth(t, async (t, db) => {
    await t.rejects(
      db.tx(async () => {
        await db.run(beat('outer'))
        await db.tx(async (inner) => {
          t.equal((await inner.all(q('SELECT instance FROM service_heartbeats'))).length, 1, 'the inner one sees the outer row')
          await inner.run(beat('inner'))
        })
        throw new Error('after the inner one returned')
      }),
    )
    t.same(await heartbeats(db), [], 'the inner one did not commit on its own')
    await db.tx(async () => {
      await db.tx((inner) => inner.run(beat('inner')))
      await db.run(beat('outer'))
    })
    t.same(
      (await heartbeats(db)).map((r) => r.instance),
      ['inner', 'outer'],
    )
  })
})

t.test('tx.lock serialises transactions that take the same key', async (t) => {
  onBoth(t, async (t, db) => {
    const order: string[] = []
    let locked!: () => void
    const firstHolds = new Promise<void>((r) => (locked = r))
    let otherDone!: () => void
    const otherHeld = new Promise<void>((r) => (otherDone = r))
    const first = db.tx(async (tx) => {
      await tx.lock('adjust:p1:w1')
      locked()
      // Test only (a transaction should wait on nothing): hold the lock until the others have come to it.
      if (db.engine === 'postgres') {
        await otherHeld
        const waiting = q(`SELECT count(*) AS "n" FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)
        for (let i = 0; i < 500 && (await tx.get<{ n: number }>(waiting))?.n !== 1; i++) await new Promise((r) => setTimeout(r, 10))
      } else {
        // One connection: the others wait for this transaction to end whatever they lock.
        await new Promise((r) => setTimeout(r, 50))
      }
      order.push('first ends')
    })
    await firstHolds
    const second = db.tx(async (tx) => {
      await tx.lock('adjust:p1:w1')
      order.push('second holds the lock')
    })
    const other = db.tx(async (tx) => {
      await tx.lock('adjust:p1:w2')
      order.push('another key')
      otherDone()
    })
    await Promise.all([first, second, other])
    t.equal(order.indexOf('second holds the lock'), order.indexOf('first ends') + 1, `after the first ended (${order.join(', ')})`)
    if (db.engine === 'postgres') t.equal(order[0], 'another key', 'another key does not wait on PostgreSQL')
  })
})

t.test('isUniqueViolation: a duplicate primary key or unique index', async (t) => {
  onBoth(t, async (t, db) => {
    await db.run(beat('dup'))
    const dup = await db.run(beat('dup')).then(
      () => undefined,
      (err: unknown) => err,
    )
    t.ok(dup, 'the duplicate is refused')
    t.equal(isUniqueViolation(dup), true, 'primary key')
    await seedRoster(db)
    await db.run(insertInto(punches, [punch('r1', 1)]))
    const again = await db.run(insertInto(punches, [punch('r1', 2)])).catch((err: unknown) => err)
    t.equal(isUniqueViolation(again), true, 'unique index (device, record)')
    const notNull = await db.run(q('INSERT INTO service_heartbeats (instance, started_at_ms, beat_at_ms) VALUES (?, ?, ?)', 'x', null, 1)).catch((err: unknown) => err)
    t.equal(isUniqueViolation(notNull), false, 'a NOT NULL violation is not one')
    t.equal(dbFaultOf(notNull), undefined, 'nor a fault of the database')
  })
})

t.test('a serialization failure is retried on PostgreSQL; SQLite never has one', async (t) => {
  onBoth(t, async (t, db, engine) => {
    let attempts = 0
    const run = db.tx(async (tx) => {
      attempts++
      await tx.run(beat(`try-${attempts}`))
      if (attempts === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' })
      return attempts
    })
    if (engine === 'postgres') {
      t.equal(await run, 2, 'the second attempt commits')
      t.same(
        (await heartbeats(db)).map((r) => r.instance),
        ['try-2'],
        'only the second attempt is stored',
      )
      let once = 0
      await t.rejects(
        db.tx(
          async () => {
            once++
            throw Object.assign(new Error('deadlock detected'), { code: '40P01' })
          },
          { attempts: 3 },
        ),
        { code: '40P01' },
      )
      t.equal(once, 3, 'at most opts.attempts in all, then the error')

      // A real one: two SERIALIZABLE transactions that each read what the other writes (write skew).
      const reads: number[] = []
      let arrived = 0
      let bothRead!: () => void
      const barrier = new Promise<void>((r) => (bothRead = r))
      const writer = (name: string) =>
        db.tx(async (tx) => {
          await tx.run(q('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE'))
          const row = await tx.get<{ n: number }>(q(`SELECT count(*) AS "n" FROM service_heartbeats WHERE instance LIKE 'ws-%'`))
          reads.push(row?.n ?? -1)
          if (++arrived === 2) bothRead()
          await barrier
          await tx.run(beat(name))
        })
      await Promise.all([writer('ws-a'), writer('ws-b')])
      t.ok(reads.length >= 3, `one of them ran again (reads: ${reads.join(', ')})`)
      t.same(reads.slice(0, 2), [0, 0], 'both first read an empty range')
      t.equal(reads.at(-1), 1, 'the attempt that committed saw the other one')
      t.same(
        (await heartbeats(db)).filter((r) => r.instance.startsWith('ws-')).length,
        2,
        'both committed in the end',
      )
    } else {
      await t.rejects(run, { code: '40001' }, 'SQLite does not retry: it never fails that way')
      t.equal(attempts, 1)
      t.same(await heartbeats(db), [])
    }
  })
})

t.test('dbFaultOf: a database that cannot be reached is unavailable', async (t) => {
  for (const engine of ENGINES) {
    t.test(engine, async (t) => {
      let db: Database
      let statement = q('SELECT 1 AS "one"')
      if (engine === 'postgres') {
        const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x` })
        pool.on('error', () => {})
        db = new PostgresDatabase(pool, 'x')
      } else {
        // SQLite's counterpart: a file that cannot be written.
        const path = `${tempDir(t)}/ro.db`
        const setup = new BetterSqlite3(path)
        setup.exec('CREATE TABLE t (x INTEGER)')
        setup.close()
        db = new SqliteDatabase(new BetterSqlite3(path, { readonly: true }), path)
        statement = q('INSERT INTO t (x) VALUES (?)', 1)
      }
      t.teardown(() => db.close())
      const err = await db.run(statement).catch((e: unknown) => e)
      const fault = dbFaultOf(err)
      t.equal(fault?.kind, 'unavailable', `${fault?.code}: ${fault?.message}`)
      const inTx = await db.tx((tx) => tx.run(statement)).catch((e: unknown) => e)
      t.equal(dbFaultOf(inTx)?.kind, 'unavailable', 'also when a transaction cannot begin')
    })
  }
})

t.test('each streams more rows than a cursor read, in order', async (t) => {
  onBoth(t, async (t, db) => {
    const total = LIMITS.pg_cursor_rows * 2 + 7
    const series = q('WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT i FROM n ORDER BY i', total)
    const check = async (label: string, via: (fn: (row: { i: number }) => void) => Promise<void>) => {
      let expected = 1
      let wrong = 0
      await via((row) => {
        if (row.i !== expected) wrong++
        expected++
      })
      t.equal(expected - 1, total, `${label}: every row`)
      t.equal(wrong, 0, `${label}: in order`)
    }
    await check('outside a transaction', (fn) => db.each(series, fn))
    await check('inside one', (fn) => db.tx(() => db.each(series, fn)))
    await t.rejects(
      db.each(series, (row: { i: number }) => {
        if (row.i === 10) throw new Error('stop')
      }),
      { message: 'stop' },
      'a callback that throws ends it',
    )
    await t.rejects(db.each(q('SELECT x FROM nowhere'), () => {}), 'a statement that fails')
    if (db.engine === 'postgres') {
      let seen = 0
      await t.rejects(
        db.each(q(`SELECT CAST(CASE WHEN i = 3 THEN 'x' ELSE '1' END AS INTEGER) AS "v" FROM generate_series(1, 5) AS g(i)`), () => seen++),
        { code: '22P02' },
        'a statement that fails after its first rows',
      )
      t.equal(seen, 0, 'no row of a read that failed')
    }
    t.same(await db.get(q('SELECT 1 AS "one"')), { one: 1 }, 'and the connection is free again')
    // A failed statement caught inside a transaction: SQLite fails that statement alone and commits the rest;
    // PostgreSQL aborts the whole transaction, and db.tx says so instead of reporting a commit that did not happen.
    const caught = db.tx(async (tx) => {
      await tx.run(beat('kept?'))
      await t.rejects(tx.each(q('SELECT x FROM nowhere'), () => {}), 'tx.each rejects (does not throw at the call)')
      await t.rejects(tx.run(q('INSERT INTO nowhere VALUES (1)')), 'tx.run too')
    })
    if (db.engine === 'postgres') await t.rejects(caught, { name: 'TransactionAbortedError', code: '25P02' }, 'PostgreSQL: rolled back, and said')
    else await caught
    t.same(
      (await heartbeats(db)).map((r) => r.instance),
      db.engine === 'postgres' ? [] : ['kept?'],
    )
    t.same(await db.tx((tx) => tx.get(q('SELECT 2 AS "two"'))), { two: 2 }, 'the next transaction works')
  })
})

t.test('q(): ? placeholders, and a ? inside quotes left alone', async (t) => {
  onBoth(t, async (t, db) => {
    await db.run(insertInto(serviceHeartbeats, [{ instance: 'what?', startedAtMs: 5, beatAtMs: 6 }]))
    const row = await db.get(
      q(
        `SELECT instance AS "name?", '?' AS "mark", 'it''s ?' AS "quoted", beat_at_ms AS "beat"
         FROM service_heartbeats WHERE instance = ? AND started_at_ms = ? AND beat_at_ms > ?`,
        'what?',
        5,
        0,
      ),
    )
    t.same(row, { 'name?': 'what?', mark: '?', quoted: "it's ?", beat: 6 })
    const commented = await db.get(
      q(
        `SELECT instance AS "name" -- the instance's name? (a comment: no placeholder, no string)
         FROM service_heartbeats /* what? it's */ WHERE instance = ? AND beat_at_ms = ?`,
        'what?',
        6,
      ),
    )
    t.same(commented, { name: 'what?' }, 'a ? or a quote inside a comment left alone')
    t.equal((await db.run(q('UPDATE service_heartbeats SET beat_at_ms = ? WHERE instance = ?', 7, 'what?'))).changes, 1, 'run counts changes')
    t.equal((await db.run(q('DELETE FROM service_heartbeats WHERE instance = ?', 'nobody'))).changes, 0)
    t.equal(await db.get(q('SELECT instance FROM service_heartbeats WHERE instance = ?', 'nobody')), undefined, 'get of no row')
  })
})

t.test('insertInto: many rows in one statement, defaults left to the database', async (t) => {
  onBoth(t, async (t, db) => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ instance: `i-${String(i).padStart(3, '0')}`, startedAtMs: i, beatAtMs: i * 2 }))
    t.equal((await db.run(insertInto(serviceHeartbeats, rows))).changes, 500)
    t.same(await heartbeats(db), rows)

    await seedRoster(db)
    const ids = await db.all<{ id: number }>(sql`${insertInto(punches, [punch('a', 1), punch('b', 2), punch('c', 3)])} RETURNING id`)
    t.equal(ids.length, 3)
    const sorted = ids.map((r) => r.id).sort((x, y) => x - y)
    t.ok(sorted.every((id, i) => i === 0 || id > (sorted[i - 1] ?? 0)), 'generated ids, increasing')
    const device = await db.get<{ settings: string }>(q('SELECT settings FROM devices WHERE id = ?', 'd1'))
    t.equal(device?.settings, '{}', 'a column left out takes its default')
    t.throws(() => insertInto(serviceHeartbeats, []), /no rows/)
  })
})

/** A table of the test's own: BulkInsert needs only a table's name and columns, the same on both engines. */
const bulkProbe = sqliteTable('bulk_probe', { id: text().primaryKey(), label: text().notNull(), note: text(), amountFen: integer().notNull() })
type BulkProbeRow = typeof bulkProbe.$inferSelect

async function createBulkProbe(db: Database, engine: Engine): Promise<void> {
  await db.run(q(`CREATE TABLE bulk_probe (id TEXT PRIMARY KEY, label TEXT NOT NULL, note TEXT, amount_fen ${engine === 'postgres' ? 'BIGINT' : 'INTEGER'} NOT NULL)`))
}

const bulkRows = (db: Database): Promise<BulkProbeRow[]> => db.all<BulkProbeRow>(sql`${selectFrom(bulkProbe)} ORDER BY ${bulkProbe.id}`)

t.test('BulkInsert: more rows than one statement carries, every value back as written (PostgreSQL: by COPY)', async (t) => {
  onBoth(t, async (t, db, engine) => {
    await createBulkProbe(db, engine)
    // The characters COPY's text format escapes, its NULL marker as a plain string, and text beyond ASCII.
    const labels = ['tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', '', '"quoted", and comma', '张三 工资', '𠮷 four bytes', 'ends with backslash\\']
    const rows: BulkProbeRow[] = Array.from({ length: 1_234 }, (_, i) => ({
      id: `r-${String(i).padStart(5, '0')}`,
      label: labels[i % labels.length] as string,
      note: i % 3 === 0 ? null : `note ${i}\t${i}`,
      amountFen: i === 0 ? Number.MAX_SAFE_INTEGER : i * 100 + 1,
    }))
    await new BulkInsert<BulkProbeRow>(bulkProbe).run(db, rows)
    t.same(await bulkRows(db), rows, 'every row, NULL and escapes included')
  })
})

t.test('BulkInsert: a duplicate among many rows stores none of them, and is a unique violation', async (t) => {
  onBoth(t, async (t, db, engine) => {
    await createBulkProbe(db, engine)
    const insert = new BulkInsert<BulkProbeRow>(bulkProbe)
    await insert.run(db, [{ id: 'r-00700', label: 'held', note: null, amountFen: 1 }])
    const rows: BulkProbeRow[] = Array.from({ length: 1_000 }, (_, i) => ({ id: `r-${String(i).padStart(5, '0')}`, label: 'new', note: null, amountFen: i }))
    const err = await db.tx((tx) => insert.run(tx, rows)).catch((e: unknown) => e)
    t.equal(isUniqueViolation(err), true, 'the engine says which fault it was')
    t.same(await bulkRows(db), [{ id: 'r-00700', label: 'held', note: null, amountFen: 1 }], 'nothing of the refused rows is stored')
    if (engine === 'postgres') {
      // COPY writes integers as text: a fraction would be rounded by the server, so it is refused before anything is sent.
      const fraction = await insert.run(db, rows.map((r, i) => ({ ...r, id: `f-${i}`, amountFen: i === 999 ? 1.5 : i }))).catch((e: unknown) => e)
      t.match(fraction, { name: 'TypeError', message: /not a safe integer/ })
      t.equal((await bulkRows(db)).length, 1, 'and nothing is stored')
      // Refused mid-stream inside a transaction: the COPY is cancelled, the transaction rolls back, the pool goes on.
      const inTx = await db.tx(async (tx) => {
        await tx.run(q(`INSERT INTO bulk_probe (id, label, amount_fen) VALUES ('t-0', 'before', 0)`))
        await insert.run(tx, rows.map((r, i) => ({ ...r, id: `g-${i}`, amountFen: i === 999 ? 0.5 : i })))
      }).catch((e: unknown) => e)
      t.match(inTx, { name: 'TypeError' })
      t.equal((await bulkRows(db)).length, 1, "the transaction's own INSERT is rolled back with it")
    }
  })
})
