/**
 * PunchRepository.appendMany (the inbox's batch path) against a simpler
 * model, on the run's engine: appending a batch in a few multi-row statements
 * must answer, and store, exactly what appending its punches one by one would.
 * Batches mix new records, re-sends, reused record ids with other content and
 * the same record twice in one batch, across the statements' row limits.
 */
import t from 'tap'
import { q } from '../../src/db/database.ts'
import type { PunchRecord } from '../../src/punches/admit.ts'
import type { AppendResult } from '../../src/punches/repository.ts'
import { Rng } from '../../simulators/random.ts'
import { DEFAULT_SITE, planSite, registerSite } from '../../simulators/site.ts'
import { startTestServer } from '../helpers/server.ts'

type Content = Pick<PunchRecord, 'workerId' | 'deviceTimeMs' | 'direction'>

t.test('appendMany answers and stores what one-by-one appends would', async (t) => {
  const server = await startTestServer(t)
  const { projectId } = await registerSite(server.api, planSite({ ...DEFAULT_SITE, workers: 3, teams: 1, seed: 17 }))
  const { db, punches } = server.services
  const device = await db.get<{ id: string }>(q('SELECT id FROM devices WHERE project_id = ? ORDER BY id LIMIT 1', projectId))
  const enrolments = await db.all<{ id: string; workerId: string }>(q('SELECT id, worker_id AS "workerId" FROM enrolments WHERE project_id = ? ORDER BY id', projectId))
  t.ok(device && enrolments.length >= 2, 'a registered device and workers')
  const deviceId = (device as { id: string }).id

  const rng = new Rng(20261202)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)] as T
  const baseMs = Date.UTC(2026, 10, 3, 0, 0, 0)
  const model = new Map<string, Content>()
  let received = 0

  // Batch sizes around the statements' row limits (256 and the halvings below it).
  for (const size of [1, 2, 3, 255, 256, 257, 700, 40]) {
    const batch: PunchRecord[] = []
    for (let i = 0; i < size; i++) {
      // A small pool of record ids, so re-sends, reuses and doubles within a batch all happen.
      const recordId = String(Math.floor(rng.next() * 900))
      const e = pick(enrolments)
      batch.push({
        projectId,
        deviceId,
        recordId,
        workerId: e.workerId,
        enrolmentId: e.id,
        // Two possible contents per record id: the same one again is a re-send, the other a reuse.
        deviceTimeMs: baseMs + Number(recordId) * 60_000 + (rng.next() < 0.2 ? 1_000 : 0),
        receivedAtMs: baseMs + ++received,
        workDate: '2026-11-03',
        direction: 'in',
        verifyMethod: 'card',
        channel: 'gate',
        clockSuspect: null,
      })
    }
    const want: AppendResult[] = batch.map((p) => {
      const key = p.recordId
      const stored = model.get(key)
      if (stored) return { stored: false, existing: stored }
      model.set(key, { workerId: p.workerId, deviceTimeMs: p.deviceTimeMs, direction: p.direction })
      return { stored: true }
    })
    t.same(await punches.appendMany(batch), want, `a batch of ${size}`)
  }

  const rows = await db.all<Content & { recordId: string }>(
    q('SELECT record_id AS "recordId", worker_id AS "workerId", device_time_ms AS "deviceTimeMs", direction FROM punches WHERE device_id = ? ORDER BY id', deviceId),
  )
  t.equal(rows.length, model.size, 'each record id stored once')
  t.same(new Map(rows.map((r) => [r.recordId, { workerId: r.workerId, deviceTimeMs: r.deviceTimeMs, direction: r.direction }])), model, 'with the content of its first arrival')
  t.equal(await punches.countPunches(projectId), model.size)
})
