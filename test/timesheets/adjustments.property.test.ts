/**
 * Adjustments never lose or invent a day: after any sequence of late punches,
 * corrections and revokes on a confirmed month, each day as confirmed plus its
 * adjustments equals the day as it computes now. Runs the real services on the
 * run's engine (a SQLite file, or a PostgreSQL database), through the inbox as
 * devices reach it; each sequence on a project of its own in one database.
 */
import t from 'tap'
import fc from 'fast-check'
import { loadConfig } from '../../src/config/env.ts'
import { ManualClock, datesOfMonth } from '../../src/kernel/time.ts'
import { createServices } from '../../src/services.ts'
import { cardNumber, creditCode, idNumber } from '../../simulators/identities.ts'
import { Rng } from '../../simulators/random.ts'
import { testDatabaseUrl } from '../helpers/database.ts'

const MONTH = '2026-10'

type Op =
  | { kind: 'punch'; day: number; minute: number; direction: 'in' | 'out' | 'unknown' }
  | { kind: 'void'; pick: number }
  | { kind: 'set'; day: number; status: 'present' | 'half_day' | 'absent' }
  | { kind: 'add'; day: number; minute: number; direction: 'in' | 'out' }
  | { kind: 'revoke'; pick: number }

const punchArb = fc.record({ kind: fc.constant('punch' as const), day: fc.integer({ min: 1, max: 32 }), minute: fc.integer({ min: 0, max: 1439 }), direction: fc.constantFrom('in' as const, 'out' as const, 'unknown' as const) })
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: punchArb },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), day: fc.integer({ min: 1, max: 31 }), status: fc.constantFrom('present' as const, 'half_day' as const, 'absent' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('add' as const), day: fc.integer({ min: 1, max: 31 }), minute: fc.integer({ min: 0, max: 1439 }), direction: fc.constantFrom('in' as const, 'out' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), pick: fc.nat() }) },
)

const local = (day: number, minute: number): string => {
  // Day 32 is 1 November: the morning a night shift of 31 October ends.
  const date = day === 32 ? '2026-11-01' : `${MONTH}-${String(day).padStart(2, '0')}`
  return `${date} ${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00`
}

t.test('a confirmed day plus its adjustments is the day as it computes now', async (t) => {
  // One service instance for every sequence, its clock moved on by SEQUENCE_MS each time: a sequence's punches are
  // received after the last one's, so each sweep looks at one sequence and the one before it, not at all of them.
  const SEQUENCE_MS = 10 * 60_000
  const start = Date.parse('2026-11-05T02:00:00Z')
  const clock = new ManualClock(start)
  const services = await createServices({ ...loadConfig({}), databaseUrl: await testDatabaseUrl(t) }, clock)
  t.teardown(() => services.close())
  const { roster, timesheets, inbox } = services
  let run = 0
  let adjusted = 0
  await fc.assert(
    fc.asyncProperty(fc.array(punchArb, { minLength: 10, maxLength: 60 }), fc.array(opArb, { minLength: 1, maxLength: 25 }), fc.constantFrom('count_day' as const, 'count_half' as const), async (before, after, incompleteDay) => {
      run++
      clock.set(start + run * SEQUENCE_MS)
      const rng = new Rng(run)
      const site = `S${run}`
      const serial = `CN-${run}`
      const cu = await roster.createOrganisation({ kind: 'construction_unit', name: '建设单位', creditCode: creditCode(rng) })
      const gc = await roster.createOrganisation({ kind: 'general_contractor', name: '总包', creditCode: creditCode(rng) })
      const sub = await roster.createOrganisation({ kind: 'subcontractor', name: '劳务', creditCode: creditCode(rng) })
      const project = await roster.createProject({ siteCode: site, name: '工程', regionCode: '330106', payDay: 10, constructionUnitId: cu.id, generalContractorId: gc.id, account: { bank: '农行', no: '1', name: '专户' } })
      await roster.setPolicy(project.id, { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay, clockAheadMinutes: 10 })
      const team = await roster.createTeam(project.id, { name: '钢筋班', employerId: sub.id })
      const worker = await roster.createWorker({ name: '张三', idNumber: idNumber(rng, run), bankName: '农行', cardNo: cardNumber(run) })
      await roster.enrol(project.id, { workerId: worker.id, teamId: team.id, deviceUserId: 'W1', dailyRate: '300.00', safetyTrained: true, entryDate: '2026-09-01' })
      await roster.createDevice(project.id, { serial, model: 'canonical', installedAt: '2026-09-01T00:00:00Z' })

      let seq = 0
      const punch = async (day: number, minute: number, direction: 'in' | 'out' | 'unknown'): Promise<void> => {
        const deviceTime = `${local(day, minute).replace(' ', 'T')}+08:00`
        const payload = Buffer.from(JSON.stringify({ deviceSerial: serial, recordId: String(++seq), person: { kind: 'device_user', value: 'W1' }, deviceTime, direction, verifyMethod: 'face', channel: direction === 'unknown' ? 'face_terminal' : 'gate' }))
        await inbox.submit({ topic: `wl/v1/${site}/${serial}/punch`, payload, clientId: serial })
      }
      for (const p of before) await punch(p.day, p.minute, p.direction)
      // Settle every day that waits for review, so the month can be confirmed.
      const open = await timesheets.workerMonth(project.id, worker.id, MONTH)
      for (const d of open.line.month.days.filter((x) => x.needsReview)) {
        await timesheets.addCorrection(project.id, worker.id, d.workDate, { kind: 'set_status', status: 'present', reason: '核实', author: '王芳' })
      }
      await timesheets.confirmByManager(project.id, team.id, MONTH, '王芳', null)
      clock.advance(60_000)

      const corrections: string[] = []
      for (const op of after) {
        clock.advance(1_000)
        switch (op.kind) {
          case 'punch':
            await punch(op.day, op.minute, op.direction)
            break
          case 'add': {
            const c = await timesheets.addCorrection(project.id, worker.id, local(op.day, 0).slice(0, 10), { kind: 'add_punch', at: local(op.day, op.minute), direction: op.direction, reason: '补卡', author: '王芳' })
            corrections.push(c.id)
            break
          }
          case 'set':
            corrections.push((await timesheets.addCorrection(project.id, worker.id, local(op.day, 0).slice(0, 10), { kind: 'set_status', status: op.status, reason: '更正', author: '王芳' })).id)
            break
          case 'void': {
            const days = await timesheets.workerDays(project, worker.id, `${MONTH}-01`, `${MONTH}-31`)
            const punches = days.flatMap((d) => d.punches.filter((p) => p.punchId !== null && p.use !== 'excluded').map((p) => ({ id: p.punchId as number, day: d.workDate })))
            const target = punches[op.pick % Math.max(1, punches.length)]
            if (target) corrections.push((await timesheets.addCorrection(project.id, worker.id, target.day, { kind: 'void_punch', punchId: target.id, reason: '误刷', author: '王芳' })).id)
            break
          }
          case 'revoke': {
            const target = corrections[op.pick % Math.max(1, corrections.length)]
            if (target === undefined) break
            try {
              await timesheets.addCorrection(project.id, worker.id, `${MONTH}-15`, { kind: 'revoke', revokesId: target, reason: '撤销', author: '王芳' })
            } catch {
              // Already revoked: refused, and nothing changes.
            }
            break
          }
        }
      }
      // The after-commit step runs once a batch is committed; a sweep makes sure every late punch has been looked at
      // (it adds nothing the after-commit step already added).
      await timesheets.sweep()

      // The invariant, day by day, under the policy the month was confirmed with.
      const frozen = await timesheets.workerMonth(project.id, worker.id, MONTH)
      const nov = await timesheets.workerMonth(project.id, worker.id, '2026-11')
      const now = await timesheets.workerDays(project, worker.id, `${MONTH}-01`, `${MONTH}-31`, { debounceMinutes: 2, maxShiftMinutes: 960, incompleteDay, clockAheadMinutes: 10 })
      for (const date of datesOfMonth(MONTH)) {
        const f = frozen.line.month.days.find((d) => d.workDate === date)
        const adj = nov.line.adjustments.filter((a) => a.workDate === date)
        const n = now.find((d) => d.workDate === date)
        const halves = (f?.creditHalves ?? 0) + adj.reduce((s, a) => s + a.afterHalves - a.beforeHalves, 0)
        const minutes = (f?.workedMinutes ?? 0) + adj.reduce((s, a) => s + a.afterMinutes - a.beforeMinutes, 0)
        if (halves !== (n?.creditHalves ?? 0) || minutes !== (n?.workedMinutes ?? 0)) {
          throw new Error(`${date}: confirmed ${f?.creditHalves ?? 0}/${f?.workedMinutes ?? 0} + adjustments = ${halves}/${minutes}, now ${n?.creditHalves ?? 0}/${n?.workedMinutes ?? 0}`)
        }
      }
      adjusted += nov.line.adjustments.length
      if (frozen.line.month.creditHalves + nov.line.adjustmentHalves !== now.reduce((s, d) => s + d.creditHalves, 0)) throw new Error('month totals differ')
    }),
    { numRuns: Number(process.env.ADJUSTMENT_PROPERTY_RUNS ?? 40) },
  )
  t.ok(adjusted > run, `held over ${run} sequences, ${adjusted} adjustments`)
})
