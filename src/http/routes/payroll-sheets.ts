/**
 * Payroll sheet routes (工资支付表): making a team-month's sheet, its transitions (send, submit, approve, withdraw),
 * the workers' answers (工资确认), and reading a sheet, a project's month and a worker's own lines. Replies mask ID and
 * card numbers, and the text people typed (reasons, notes) as every other route does.
 */
import type { FastifyInstance } from 'fastify'
import { maskDeep, maskText } from '../../access/masking.ts'
import { formatYuan, fen } from '../../kernel/money.ts'
import { maskCard, maskIdNumber } from '../../roster/identity.ts'
import type { Services } from '../../services.ts'
import type { LineAnswerRow, SheetEventRow, SheetLineRow, SheetRow } from '../../payroll/sheet-repository.ts'
import type { PersonAction, SheetView } from '../../payroll/sheet-service.ts'
import { SHEET_STATES } from '../../payroll/sheet-rules.ts'
import { creditText } from '../../timesheets/rules.ts'
import { checkAnswerChannel, principalOf } from '../access.ts'
import { authorsFor, type AuthorOf } from '../authors.ts'
import { errors, month, projectParams, teamMonthParams, workerMonthParams, payrollAnswerBody, smallInt } from '../schemas.ts'

const nullableString = { type: ['string', 'null'] } as const
const anyObject = { type: 'object', additionalProperties: true } as const
const state = { type: 'string', enum: SHEET_STATES } as const
const counts = {
  type: 'object',
  description: "lines by the worker's newest answer: a disputed line is held, the rest may proceed",
  properties: { confirmed: { type: 'integer' }, disputed: { type: 'integer' }, unanswered: { type: 'integer' } },
} as const

const reasonText = { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' } as const

const answerSchema = {
  type: ['object', 'null'],
  properties: {
    id: { type: 'string' },
    sheetId: { type: 'string' },
    lineId: { type: 'string' },
    decision: { type: 'string', enum: ['confirm', 'dispute'] },
    channel: { type: 'string' },
    note: nullableString,
    answeredAt: { type: 'string' },
    carriedFromVersion: {
      type: ['integer', 'null'],
      description:
        "the version this answer was given on, when it is carried onto a later version whose line has the same figures (days, hours, payable, deductions, net, card); null: given on this line's own version",
    },
  },
} as const

const lineProperties = {
  lineId: { type: 'string' },
  lineNo: { type: 'integer' },
  workerId: { type: 'string' },
  name: { type: 'string' },
  idNumberMasked: { type: 'string' },
  bankName: { type: 'string' },
  cardMasked: { type: 'string' },
  dayHalves: { type: 'integer', description: "this month's days credited, in halves" },
  days: { type: 'string', description: 'the same as text: "21.5"' },
  workedMinutes: { type: 'integer' },
  adjustmentHalves: { type: 'integer', description: 'halves carried in by adjustments to confirmed earlier months (negative: taken back)' },
  adjustmentMinutes: { type: 'integer' },
  rates: {
    type: 'array',
    description: 'the rate of each terms span of the month: per day, per hour or per month; a unit price per piece item',
    items: {
      type: 'object',
      properties: { termsKind: { type: 'string' }, itemKind: nullableString, from: { type: 'string' }, to: { type: 'string' }, rateFen: { type: 'integer' }, versionIds: { type: 'array', items: { type: 'string' } } },
    },
  },
  payable: { type: 'array', items: anyObject, description: 'payable items (base per terms span, piece per item kind, additions, adjustments), each rounded once' },
  payableFen: { type: 'integer' },
  payableYuan: { type: 'string' },
  deductions: { type: 'array', items: anyObject, description: 'deductions as applied, in order: appliedFen, and unappliedFen for the part that would take the net below zero' },
  deductionsFen: { type: 'integer', description: 'applied deductions' },
  unappliedFen: { type: 'integer' },
  netFen: { type: 'integer' },
  netYuan: { type: 'string' },
  heldPieceQuantities: { type: 'array', items: anyObject, description: 'piece quantities not paid on this line: unconfirmed, or disputed (disputed: true)' },
  termsSource: { type: 'string', enum: ['wage_terms', 'enrolment_daily_rate'] },
  minimumWage: { type: ['object', 'null'], additionalProperties: true, description: 'the BELOW_MINIMUM_WAGE finding of a full-time month, or null' },
  answer: answerSchema,
} as const

const sheetSchema = {
  type: 'object',
  properties: {
    sheetId: { type: 'string' },
    projectId: { type: 'string' },
    teamId: { type: 'string' },
    teamName: { type: 'string' },
    month: { type: 'string' },
    version: { type: 'integer' },
    versions: { type: 'integer', description: 'versions of this team-month, this one included' },
    supersedesId: nullableString,
    payDate: { type: 'string' },
    state,
    totals: {
      type: 'object',
      properties: {
        workerCount: { type: 'integer' },
        payableFen: { type: 'integer' },
        deductionsFen: { type: 'integer' },
        netFen: { type: 'integer' },
        payableYuan: { type: 'string' },
        deductionsYuan: { type: 'string' },
        netYuan: { type: 'string' },
      },
    },
    counts,
    minimumWageFindings: { type: 'integer', description: 'lines below the minimum wage' },
    heldPieceQuantities: { type: 'integer', description: 'piece quantities held on the lines' },
    madeBy: { type: 'string' },
    madeAt: { type: 'string' },
    basis: anyObject,
    events: {
      type: 'array',
      items: { type: 'object', properties: { seq: { type: 'integer' }, state, actor: { type: 'string' }, reason: nullableString, at: { type: 'string' } } },
    },
    lines: { type: 'array', items: { type: 'object', properties: lineProperties } },
  },
} as const

const iso = (ms: number): string => new Date(ms).toISOString()
const maskNote = (text: string | null): string | null => (text === null ? null : maskText(text))

function answerJson(a: (LineAnswerRow & { carriedFromVersion?: number | null }) | null): Record<string, unknown> | null {
  return a
    ? { id: a.id, sheetId: a.sheetId, lineId: a.lineId, decision: a.decision, channel: a.channel, note: maskNote(a.note), answeredAt: iso(a.answeredAtMs), carriedFromVersion: a.carriedFromVersion ?? null }
    : null
}

interface StoredItems {
  payable: Array<Record<string, unknown>>
  deductions: unknown[]
  heldPieceQuantities: unknown[]
  adjustmentHalves?: number
  adjustmentMinutes?: number
  unappliedFen?: number
  termsSource?: string
}

function ratesOf(payable: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  return payable.flatMap((i): Array<Record<string, unknown>> =>
    i.kind === 'base'
      ? [{ termsKind: i.termsKind, itemKind: null, from: i.from, to: i.to, rateFen: i.rateFen, versionIds: i.versionIds }]
      : i.kind === 'piece'
        ? [{ termsKind: 'piece', itemKind: i.itemKind, from: i.from, to: i.to, rateFen: i.unitPriceFen, versionIds: i.versionIds }]
        : [],
  )
}

function lineJson(l: SheetLineRow, answer: LineAnswerRow | null): Record<string, unknown> {
  const items = JSON.parse(l.items) as StoredItems
  return {
    lineId: l.id,
    lineNo: l.lineNo,
    workerId: l.workerId,
    name: maskText(l.workerName),
    idNumberMasked: maskIdNumber(l.idNumber),
    bankName: maskText(l.bankName),
    cardMasked: maskCard(l.cardNo),
    dayHalves: l.dayHalves,
    days: creditText(l.dayHalves),
    workedMinutes: l.workedMinutes,
    adjustmentHalves: items.adjustmentHalves ?? 0,
    adjustmentMinutes: items.adjustmentMinutes ?? 0,
    rates: ratesOf(items.payable),
    payable: maskDeep(items.payable),
    payableFen: l.payableFen,
    payableYuan: formatYuan(fen(l.payableFen)),
    deductions: maskDeep(items.deductions),
    deductionsFen: l.deductionsFen,
    unappliedFen: items.unappliedFen ?? 0,
    netFen: l.netFen,
    netYuan: formatYuan(fen(l.netFen)),
    heldPieceQuantities: maskDeep(items.heldPieceQuantities),
    termsSource: items.termsSource ?? 'wage_terms',
    minimumWage: l.minimumWage === null ? null : maskDeep(JSON.parse(l.minimumWage) as unknown),
    answer: answerJson(answer),
  }
}

/** The line with who entered each piece quantity held on it as `authorOf` reads them. */
async function heldEnteredBy(l: SheetLineRow, authorOf: AuthorOf): Promise<SheetLineRow> {
  const items = JSON.parse(l.items) as StoredItems
  const held = await Promise.all(items.heldPieceQuantities.map(async (q) => (isEntered(q) ? { ...q, enteredBy: await authorOf(q.enteredBy) } : q)))
  return { ...l, items: JSON.stringify({ ...items, heldPieceQuantities: held }) }
}

const isEntered = (q: unknown): q is { enteredBy: string } => typeof q === 'object' && q !== null && typeof (q as { enteredBy?: unknown }).enteredBy === 'string'

const eventJson = (e: SheetEventRow): Record<string, unknown> => ({ seq: e.seq, state: e.state, actor: maskText(e.actor), reason: maskNote(e.reason), at: iso(e.atMs) })

function sheetHead(s: SheetRow): Record<string, unknown> {
  return {
    sheetId: s.id,
    projectId: s.projectId,
    teamId: s.teamId,
    month: s.period,
    version: s.version,
    supersedesId: s.supersedesId,
    payDate: s.payDate,
    totals: {
      workerCount: s.workerCount,
      payableFen: s.payableFen,
      deductionsFen: s.deductionsFen,
      netFen: s.netFen,
      payableYuan: formatYuan(fen(s.payableFen)),
      deductionsYuan: formatYuan(fen(s.deductionsFen)),
      netYuan: formatYuan(fen(s.netFen)),
    },
    madeBy: maskText(s.madeBy),
    madeAt: iso(s.madeAtMs),
  }
}

function sheetJson(v: SheetView): Record<string, unknown> {
  return {
    ...sheetHead(v.sheet),
    teamName: maskText(v.teamName),
    versions: v.versions,
    state: v.state,
    counts: v.counts,
    minimumWageFindings: v.lines.filter((l) => l.row.minimumWage !== null).length,
    heldPieceQuantities: v.lines.reduce((n, l) => n + (JSON.parse(l.row.items) as StoredItems).heldPieceQuantities.length, 0),
    basis: maskDeep(JSON.parse(v.sheet.basis) as unknown),
    events: v.events.map(eventJson),
    lines: v.lines.map((l) => lineJson(l.row, l.answer)),
  }
}

/** The transitions a person takes, with who may take them (the instruction service and reconciliation take the rest). */
const ACTIONS: ReadonlyArray<{ action: PersonAction; roles: Array<'labour_manager' | 'team_manager'>; summary: string; reasonRequired: boolean }> = [
  { action: 'send', roles: ['team_manager', 'labour_manager'], summary: 'Sends the draft to the workers for their answers (draft → sent)', reasonRequired: false },
  { action: 'submit', roles: ['team_manager', 'labour_manager'], summary: "Submits the sent sheet for approval (sent → submitted): the team manager's step, which the labour manager may also take", reasonRequired: false },
  {
    action: 'approve',
    roles: ['labour_manager'],
    summary: 'Approves the submitted sheet (submitted → approved); allowed with disputed or unanswered lines, which the reply counts (counts.disputed, counts.unanswered)',
    reasonRequired: false,
  },
  { action: 'withdraw', roles: ['team_manager', 'labour_manager'], summary: 'Withdraws the sheet before approval (draft, sent or submitted → withdrawn), with a reason; a new sheet may then be made', reasonRequired: true },
]

export async function payrollSheetsRoutes(app: FastifyInstance, { services }: { services: Services }): Promise<void> {
  const { sheets } = services

  app.post<{ Params: { projectId: string; teamId: string; month: string }; Body: { reason?: string } }>(
    '/api/projects/:projectId/teams/:teamId/payroll-sheets/:month',
    { config: { policy: { roles: ['team_manager', 'labour_manager'], write: true, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "Makes the team-month's payroll sheet (工资支付表) from the confirmed timesheet, the adjustments carried in and the pay inputs, as a draft",
        description:
          'Refused while the month is not confirmed (409 timesheet_not_confirmed), while a sheet not yet approved is live (409 payroll_sheet_exists), and when a worker cannot be priced (422 payroll_sheet_cannot_price, every such worker in details.workers). After approval a new sheet is the next version and supersedes the approved one.',
        params: teamMonthParams,
        body: { type: 'object', properties: { reason: reasonText }, additionalProperties: false },
        response: { 201: sheetSchema, ...errors },
      },
    },
    async (req, reply) => {
      const { projectId, teamId, month: m } = req.params
      const v = await sheets.make(projectId, teamId, m, principalOf(req).label, req.body?.reason ?? null)
      return reply.code(201).send(sheetJson(v))
    },
  )

  for (const { action, roles, summary, reasonRequired } of ACTIONS) {
    app.post<{ Params: { projectId: string; teamId: string; month: string }; Body: { reason?: string } }>(
      `/api/projects/:projectId/teams/:teamId/payroll-sheets/:month/${action}`,
      { config: { policy: { roles, write: true, personal: true } },
        schema: {
          tags: ['payroll'],
          summary,
          description: 'Acts on the newest version of the team-month. A sheet in another state: 409 payroll_sheet_state with details.state and details.allowedFrom.',
          params: teamMonthParams,
          body: { type: 'object', properties: { reason: reasonText }, ...(reasonRequired ? { required: ['reason'] } : {}), additionalProperties: false },
          response: { 200: sheetSchema, ...errors },
        },
      },
      async (req) => {
        const { projectId, teamId, month: m } = req.params
        return sheetJson(await sheets.act(projectId, teamId, m, action, principalOf(req).label, req.body?.reason ?? null))
      },
    )
  }

  app.get<{ Params: { projectId: string; teamId: string; month: string }; Querystring: { version?: number } }>(
    '/api/projects/:projectId/teams/:teamId/payroll-sheets/:month',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "A team-month's payroll sheet: lines (ID and card masked) with each worker's answer, held piece quantities, minimum-wage findings, totals, state and history",
        params: teamMonthParams,
        querystring: { type: 'object', properties: { version: { ...smallInt, minimum: 1, description: 'the version to read; the newest by default' } }, additionalProperties: false },
        response: { 200: sheetSchema, ...errors },
      },
    },
    async (req) => {
      const { projectId, teamId, month: m } = req.params
      const v = await sheets.view(projectId, teamId, m, req.query.version)
      req.accessRecordIds = v.lines.map((l) => l.row.workerId)
      return sheetJson(v)
    },
  )

  app.post<{ Params: { projectId: string }; Body: { month: string; reason?: string } }>(
    '/api/projects/:projectId/payroll-sheets',
    { config: { policy: { roles: ['labour_manager'], write: true, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "Makes the month's payroll sheet of every team that is ready for one (生成全部班组工资表), as drafts",
        description:
          'A team is skipped, with the code and details its own make would answer, when its month is not confirmed (timesheet_not_confirmed), when a sheet not yet approved is live (payroll_sheet_exists) or when a worker cannot be priced (payroll_sheet_cannot_price). The sheets made are stored together.',
        params: projectParams,
        body: { type: 'object', properties: { month, reason: reasonText }, required: ['month'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              month: { type: 'string' },
              made: { type: 'integer', description: 'sheets made' },
              skipped: { type: 'integer', description: 'teams skipped' },
              teams: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    teamId: { type: 'string' },
                    teamName: { type: 'string' },
                    sheet: {
                      type: ['object', 'null'],
                      properties: { sheetId: { type: 'string' }, version: { type: 'integer' }, workerCount: { type: 'integer' }, netFen: { type: 'integer' }, netYuan: { type: 'string' } },
                    },
                    skipped: { type: ['object', 'null'], properties: { code: { type: 'string' }, details: anyObject } },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId } = req.params
      const results = await sheets.makeAll(projectId, req.body.month, principalOf(req).label, req.body.reason ?? null)
      return {
        projectId,
        month: req.body.month,
        made: results.filter((r) => r.sheet).length,
        skipped: results.filter((r) => r.skipped).length,
        teams: results.map((r) => ({
          teamId: r.teamId,
          teamName: r.teamName,
          sheet: r.sheet && { sheetId: r.sheet.id, version: r.sheet.version, workerCount: r.sheet.workerCount, netFen: r.sheet.netFen, netYuan: formatYuan(fen(r.sheet.netFen)) },
          skipped: r.skipped && { code: r.skipped.code, details: maskDeep(r.skipped.details) },
        })),
      }
    },
  )

  app.get<{ Params: { projectId: string }; Querystring: { month: string } }>(
    '/api/projects/:projectId/payroll-sheets',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor'], write: false, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "A project's month of payroll sheets: per team the newest sheet's state, answer counts and totals (a team manager sees their organisation's teams)",
        params: projectParams,
        querystring: { type: 'object', properties: { month }, required: ['month'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              month: { type: 'string' },
              teams: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    teamId: { type: 'string' },
                    teamName: { type: 'string' },
                    sheet: {
                      type: ['object', 'null'],
                      properties: {
                        sheetId: { type: 'string' },
                        version: { type: 'integer' },
                        state,
                        workerCount: { type: 'integer' },
                        payableFen: { type: 'integer' },
                        deductionsFen: { type: 'integer' },
                        netFen: { type: 'integer' },
                        madeAt: { type: 'string' },
                        counts,
                      },
                    },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const p = principalOf(req)
      const summary = await sheets.monthSummary(req.params.projectId, req.query.month, p.role === 'team_manager' ? (p.organisationId ?? '') : undefined)
      return {
        projectId: req.params.projectId,
        month: req.query.month,
        teams: summary.map((t) => ({
          teamId: t.teamId,
          teamName: maskText(t.teamName),
          sheet: t.sheet ? { ...t.sheet, sheetId: t.sheet.id, madeAt: iso(t.sheet.madeAtMs) } : null,
        })),
      }
    },
  )

  app.get<{ Params: { projectId: string; workerId: string; month: string } }>(
    '/api/projects/:projectId/workers/:workerId/payroll/:month',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'auditor', 'worker'], write: false, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "A worker's own payroll lines of a month (工资条目), on every sheet version sent to the workers, newest first, each with the worker's answer",
        params: workerMonthParams,
        response: {
          200: {
            type: 'object',
            properties: {
              projectId: { type: 'string' },
              workerId: { type: 'string' },
              month: { type: 'string' },
              lines: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { sheetId: { type: 'string' }, teamId: { type: 'string' }, version: { type: 'integer' }, state, payDate: { type: 'string' }, ...lineProperties },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req) => {
      const { projectId, workerId, month: m } = req.params
      const lines = await sheets.workerLines(projectId, workerId, m)
      const authorOf = authorsFor(req, services)
      return {
        projectId,
        workerId,
        month: m,
        lines: await Promise.all(
          lines.map(async (l) => ({ sheetId: l.sheet.id, teamId: l.sheet.teamId, version: l.sheet.version, state: l.state, payDate: l.sheet.payDate, ...lineJson(await heldEnteredBy(l.line, authorOf), l.answer) })),
        ),
      }
    },
  )

  app.post<{ Params: { projectId: string; workerId: string; month: string }; Body: { decision: 'confirm' | 'dispute'; channel: 'app' | 'kiosk' | 'sms' | 'paper' | 'wechat'; note?: string; lineId?: string } }>(
    '/api/projects/:projectId/workers/:workerId/payroll/:month/answer',
    { config: { policy: { roles: ['labour_manager', 'team_manager', 'worker'], write: true, personal: true } },
      schema: {
        tags: ['payroll'],
        summary: "The worker confirms their payroll line, or disputes it with a note (工资确认 / 异议); a manager records a paper answer with channel paper. The newest answer counts; a disputed line is held, the rest may proceed",
        description: 'Answers the line on the current sheet of the team-month once it is sent (404 payroll_line_not_found otherwise). Name the line answered (lineId) so an answer to figures since replaced is refused (409 payroll_line_superseded with the current line) rather than recorded on figures the worker never saw.',
        params: workerMonthParams,
        body: payrollAnswerBody,
        response: { 201: answerSchema, ...errors },
      },
    },
    async (req, reply) => {
      checkAnswerChannel(req, req.body.channel)
      const { answer } = await sheets.answer(req.params.projectId, req.params.workerId, req.params.month, {
        decision: req.body.decision,
        channel: req.body.channel,
        note: req.body.note ?? null,
        ...(req.body.lineId === undefined ? {} : { lineId: req.body.lineId }),
      })
      return reply.code(201).send(answerJson(answer))
    },
  )
}
