import t from 'tap'
import fc from 'fast-check'
import { holds } from '../helpers/property.ts'
import { fen } from '../../src/kernel/money.ts'
import { parseLocalDateTime } from '../../src/kernel/time.ts'
import type { DayPunch } from '../../src/timesheets/rules.ts'
import {
  ENCRYPTED_FIELDS,
  attendanceSources,
  entryExitRecords,
  fenOf,
  hoursOf,
  parsePayRollCode,
  payRollCode,
  payRollDetailRecord,
  payRollRecord,
  payRollStatusOf,
  payStatusOf,
  projectWorkerKey,
  projectWorkerRecord,
  teamMasterRecord,
  wallTimeOf,
  workerAttendanceRecord,
  yuanOf,
  type PayRollDetailInput,
} from '../../src/upstream/records.ts'

const project = { projectId: 'p1', projectCode: '330106202601010001', timeZone: 'Asia/Shanghai' }
const employer = { name: '杭州某劳务有限公司', creditCode: '91330106MA2XXXXXX1' }
const team = { id: 't1', name: '木工班', createdAtMs: Date.UTC(2026, 9, 1, 1, 0, 0) }
const worker = {
  id: 'w1',
  name: '张伟',
  idType: 'resident_id' as const,
  idNumber: '330106198001010011',
  gender: 'male' as const,
  birthDate: '1980-01-01',
  ethnicity: '汉',
  address: null,
  phone: '13800000000',
  trade: '木工',
  bankName: '中国工商银行',
  cardNo: '6222020000000000001',
}
const enrolment = { id: 'e1', contractNo: 'HT-1', safetyTrained: true, entryDate: '2026-10-01', exitDate: null }

t.test('roster records carry the standard codes', async (t) => {
  const tm = teamMasterRecord(project, employer, team)
  t.same(tm, {
    kind: 'TeamMaster',
    key: 'team:t1',
    payload: { ProjectCode: project.projectCode, CorpCode: employer.creditCode, CorpName: employer.name, TeamName: '木工班', EntryTime: '2026-10-01' },
  })
  const pw = projectWorkerRecord(project, employer, team, worker, enrolment)
  t.equal(pw.key, 'worker:e1')
  t.equal(pw.payload.IDCardType, '01')
  t.equal(pw.payload.Gender, '1')
  t.equal(pw.payload.HasContract, 1)
  t.equal(pw.payload.HasSafetyTraining, 1)
  t.equal(pw.payload.Address, undefined, 'an empty field is left out, not sent as null')
  t.notOk('ExitTime' in pw.payload)
  t.equal(pw.payload.WorkTypeName, '木工')

  const [entry, ...rest] = entryExitRecords(project, employer, team, worker, enrolment)
  t.equal(rest.length, 0, 'no exit yet')
  t.match(entry, { key: 'entry:e1:2026-10-01', payload: { Type: 0, Date: '2026-10-01', IDCardType: '01' } })
  const both = entryExitRecords(project, employer, team, worker, { ...enrolment, exitDate: '2026-11-15' })
  t.same(
    both.map((r) => [r.key, r.payload.Type, r.payload.Date]),
    [
      ['entry:e1:2026-10-01', 0, '2026-10-01'],
      ['exit:e1:2026-11-15', 1, '2026-11-15'],
    ],
    'the exit is its own record; the entry keeps its key',
  )
})

t.test('attendance: device punches are DataResource 0 with the serial, a correction is 1 and manual', async (t) => {
  const at = Date.UTC(2026, 9, 12, 23, 30, 5, 900) // 07:30:05 on the 13th in Beijing
  const device = workerAttendanceRecord(project, team, worker, { kind: 'device', punchId: 7, deviceSerial: 'GATE-01', channel: 'gate', atMs: at, direction: 'in' })
  t.same(device, {
    kind: 'WorkerAttendance',
    key: 'punch:7',
    payload: {
      ProjectCode: project.projectCode,
      TeamName: '木工班',
      IDCardType: '01',
      IDCardNumber: worker.idNumber,
      CheckTime: '2026-10-13 07:30:05',
      Direction: '01',
      CheckChannel: 'GATE-01',
      DataResource: 0,
    },
  })
  const added = workerAttendanceRecord(project, team, worker, { kind: 'correction', correctionId: 'c9', atMs: at, direction: 'out' })
  t.match(added, { key: 'correction:c9', payload: { Direction: '02', CheckChannel: 'manual', DataResource: 1 } })
})

t.test('attendance sources: what a day reports', async (t) => {
  const p = (over: Partial<DayPunch>): DayPunch => ({
    punchId: 1,
    correctionId: null,
    atMs: 0,
    deviceDirection: 'in',
    direction: 'in',
    directionRule: 'device',
    use: 'paired',
    reason: null,
    clockSuspect: null,
    ...over,
  })
  const devices = new Map([
    [1, { serial: 'GATE-01', channel: 'gate' as const }],
    [2, { serial: 'FACE-01', channel: 'face_terminal' as const }],
    [3, { serial: 'FACE-01', channel: 'face_terminal' as const }],
    [4, { serial: 'FACE-01', channel: 'face_terminal' as const }],
    [5, { serial: 'FACE-01', channel: 'face_terminal' as const }],
  ])
  const sources = attendanceSources(
    [
      p({ punchId: 1 }),
      p({ punchId: 2, deviceDirection: 'unknown', direction: 'out', directionRule: 'order' }),
      p({ punchId: 3, use: 'excluded', reason: 'voided', direction: null }),
      p({ punchId: 4, use: 'excluded', reason: 'clock_suspect', direction: null }),
      p({ punchId: 5, deviceDirection: 'unknown', direction: null, use: 'unpaired', reason: 'no_in' }),
      p({ punchId: 6 }),
      p({ punchId: null, correctionId: 'c1', deviceDirection: 'out', direction: 'out', directionRule: 'correction' }),
    ],
    (id) => devices.get(id),
  )
  t.same(
    sources.map((s) => (s.kind === 'device' ? [s.punchId, s.direction] : [s.correctionId, s.direction])),
    [
      [1, 'in'],
      [2, 'out'],
      ['c1', 'out'],
    ],
    'voided, suspect, direction unknown and unknown devices are left out',
  )
})

t.test('payroll: codes, statuses and amounts', async (t) => {
  t.equal(payRollCode('000123', '2026-10', 1), 'GZD000123202610001')
  t.same(parsePayRollCode('GZD000123202610001'), { subcontractorNo: '000123', month: '2026-10', sequence: 1 })
  for (const [no, month, seq] of [
    ['12345', '2026-10', 1],
    ['0001234', '2026-10', 1],
    ['000123', '2026-13', 1],
    ['000123', '2026-10', 0],
    ['000123', '2026-10', 1000],
  ] as const) {
    t.throws(() => payRollCode(no, month, seq), `${no} ${month} ${seq}`)
  }
  t.equal(parsePayRollCode('GZD000123202610000'), undefined)
  t.equal(parsePayRollCode('GZD00012320261001'), undefined)

  t.same(
    (['draft', 'sent', 'submitted', 'approved', 'instructed', 'settled', 'superseded', 'withdrawn'] as const).map(payRollStatusOf),
    [null, null, 2, 3, 3, 50, null, null],
  )
  t.same(
    [payStatusOf('none', false), payStatusOf('pending', false), payStatusOf('success', false), payStatusOf('failed', false), payStatusOf('failed', true), payStatusOf('returned', true)],
    [0, 0, 20, 30, 40, 40],
  )
  const sheet = {
    sheetId: 's1',
    version: 2,
    state: 'approved' as const,
    period: '2026-10',
    teamName: '木工班',
    subcontractorNo: '000123',
    sequence: 2,
    workerCount: 12,
    payableFen: fen(4_500_050),
    netFen: fen(4_400_001),
  }
  t.match(payRollRecord(project, employer, sheet), {
    key: 'payroll:s1:3',
    payload: { PayRollCode: 'GZD000123202610002', Status: 3, TotalPayAmount: '45000.50', ActualAmount: '44000.01', PayMonth: '2026-10' },
  })
  t.equal(payRollRecord(project, employer, { ...sheet, state: 'draft' }), null)
})

function detailInput(over: Partial<PayRollDetailInput> = {}): PayRollDetailInput {
  return {
    payRollCode: 'GZD000123202610001',
    line: { lineId: 'l1', workerName: '张伟', cardNo: worker.cardNo, netFen: fen(650_000), payableFen: fen(700_010), dayHalves: 43 },
    worker,
    workedMinutes: 10_101,
    account: { accountNo: '1202000000000000001', bank: '中国工商银行杭州分行' },
    payment: { state: 'none', retrying: false, valueDate: null },
    payDate: '2026-11-15',
    cumulativePaidFen: fen(0),
    cumulativeSettledFen: fen(700_010),
    ...over,
  }
}

t.test('payroll detail: days, hours, amounts, balance date and status', async (t) => {
  const unpaid = payRollDetailRecord(detailInput())
  t.match(unpaid, {
    key: 'payline:l1:0',
    payload: { Days: 21.5, WorkHours: 168.35, TotalPayAmount: '7000.10', ActualAmount: '6500.00', BalanceDate: '2026-11-15', PayStatus: 0, IDCardType: '01' },
  })
  const paid = payRollDetailRecord(detailInput({ payment: { state: 'success', retrying: false, valueDate: '2026-11-13' }, cumulativePaidFen: fen(650_000) }))
  t.match(paid, { key: 'payline:l1:20', payload: { BalanceDate: '2026-11-13', PayStatus: 20, CumulativePaidAmount: '6500.00' } })
  t.not(paid.key, unpaid.key, 'a payment made is a new record, the unpaid one stays as sent')
  t.same(ENCRYPTED_FIELDS.PayRollDetail, ['IDCardNumber', 'PayRollBankCardNumber', 'PayBankCardNumber'])
  t.equal(hoursOf(0), 0)
  t.equal(hoursOf(59), 0.98)
  t.equal(hoursOf(60), 1)
})

t.test('properties', async (t) => {
  const amount = fc.integer({ min: -100_000_000_000, max: 100_000_000_000 }).map((n) => fen(n))
  holds(t, 'fen → yuan → fen is exact', fc.property(amount, (n) => fenOf(yuanOf(n)) === n))
  holds(
    t,
    'yuan strings always have two decimals',
    fc.property(amount, (n) => /^-?(0|[1-9]\d*)\.\d{2}$/.test(yuanOf(n))),
  )
  holds(
    t,
    'payroll detail amounts read back as the fen they came from',
    fc.property(amount.filter((n) => n >= 0), amount.filter((n) => n >= 0), (pay, net) => {
      const r = payRollDetailRecord(detailInput({ line: { ...detailInput().line, payableFen: pay, netFen: net } }))
      return fenOf(r.payload.TotalPayAmount) === pay && fenOf(r.payload.ActualAmount) === net
    }),
  )
  holds(
    t,
    'payroll codes are GZD + 6 digits + YYYYMM + 3 digits and parse back',
    fc.property(
      fc.integer({ min: 0, max: 999_999 }),
      fc.integer({ min: 2000, max: 2099 }),
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 1, max: 999 }),
      (no, y, m, seq) => {
        const sub = String(no).padStart(6, '0')
        const month = `${y}-${String(m).padStart(2, '0')}`
        const code = payRollCode(sub, month, seq)
        const back = parsePayRollCode(code)
        return /^GZD\d{6}\d{6}\d{3}$/.test(code) && code.length === 18 && back?.subcontractorNo === sub && back.month === month && back.sequence === seq
      },
    ),
  )
  const zones = fc.constantFrom('Asia/Shanghai', 'Asia/Urumqi', 'Europe/Berlin', 'America/New_York', 'UTC')
  holds(
    t,
    "every attendance record's CheckTime is the punch's instant, to the second, in the project's zone",
    fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) }), zones, fc.boolean(), (atMs, timeZone, manual) => {
      const source = manual
        ? { kind: 'correction' as const, correctionId: 'c', atMs, direction: 'in' as const }
        : { kind: 'device' as const, punchId: 1, deviceSerial: 'G', channel: 'gate' as const, atMs, direction: 'out' as const }
      const r = workerAttendanceRecord({ projectCode: 'P', timeZone }, team, worker, source)
      if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(r.payload.CheckTime)) return false
      const back = parseLocalDateTime(r.payload.CheckTime, timeZone)
      // A wall time that occurs twice (DST fall-back) reads back as its earlier instant: the same wall time either way.
      return back !== undefined && (back === atMs - (atMs % 1000) || wallTimeOf(back, timeZone) === r.payload.CheckTime)
    }),
    { numRuns: 500 },
  )
})

t.test('projectWorkerKey: a new key only for a card changed after the newest record was accepted', async (t) => {
  const record = (card: string) => ({ kind: 'ProjectWorker' as const, key: 'worker:e1', payload: { PayRollBankCardNumber: card, PayRollBankName: '农行' } as never })
  const held = (entries: Array<[string, string, string]>) => new Map(entries.map(([key, state, card]) => [key, { state, payload: JSON.stringify({ PayRollBankCardNumber: card, PayRollBankName: '农行' }) }]))
  t.equal(projectWorkerKey(record('A'), held([])).key, 'worker:e1', 'nothing held: the base key')
  t.equal(projectWorkerKey(record('B'), held([['worker:e1', 'refused', 'A']])).key, 'worker:e1', 'refused: fixed under the same key')
  t.equal(projectWorkerKey(record('B'), held([['worker:e1', 'queued', 'A']])).key, 'worker:e1', 'in flight: waits under the same key')
  t.equal(projectWorkerKey(record('B'), held([['worker:e1', 'accepted', 'A']])).key, 'worker:e1:card:1', 'accepted with another card: a new key')
  t.equal(projectWorkerKey(record('B'), held([['worker:e1', 'accepted', 'A'], ['worker:e1:card:1', 'accepted', 'B']])).key, 'worker:e1:card:1', 'the newest holds this card')
  t.equal(projectWorkerKey(record('A'), held([['worker:e1', 'accepted', 'A'], ['worker:e1:card:1', 'accepted', 'B']])).key, 'worker:e1:card:2', 'back to the first card: the platform holds B, so a new key')
})
