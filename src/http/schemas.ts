/** JSON Schema fragments shared by routes. Limits come from config/limits.ts. */
import { LIMITS } from '../config/limits.ts'
import type { Month } from '../kernel/time.ts'

export const idParam = { type: 'string', minLength: 1, maxLength: 64 } as const
// Months and dates of the service's own business: this century. A year 9999 month would otherwise run date
// arithmetic past what Date can hold.
export const month = { type: 'string', pattern: '^20\\d{2}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, 2000-2099' } as const
const MONTH_PATTERN = new RegExp(month.pattern)
/** A month as the routes take it (2000-2099): for a month read from a form field rather than a schema. */
export const isServiceMonth = (text: string): text is Month => MONTH_PATTERN.test(text)
// `format: 'date'` (ajv-formats) refuses a day the month does not have (2026-02-30), which the pattern alone lets by.
export const date = { type: 'string', pattern: '^20\\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', format: 'date', description: 'YYYY-MM-DD, 2000-2099, a day of the calendar' } as const
export const yuan = { type: 'string', pattern: '^(0|[1-9]\\d{0,9})(\\.\\d{1,2})?$', description: 'yuan with at most two decimals' } as const
export const fenAmount = { type: 'integer', description: 'amount in fen (1/100 yuan)' } as const
export const personName = { type: 'string', minLength: 1, maxLength: LIMITS.person_name_length_max } as const
export const limitQuery = { type: 'integer', minimum: 1, maximum: LIMITS.page_size_max, default: 100, description: `rows in the page, at most ${LIMITS.page_size_max}` } as const
/**
 * A row's own number (rejected inputs, punches, upstream records): bounded where JavaScript counts exactly, so an id
 * past PostgreSQL's bigint is a 400 like any malformed one, not a 500 from the database.
 */
export const rowId = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const
/** A small count kept in a 32-bit column (a sheet's version, a file's row number). */
export const smallInt = { type: 'integer', maximum: 2_147_483_647 } as const
/** Keyset cursors: the id of the last row of the previous page (or an opaque cursor from the `Link: rel="next"` header). */
export const idCursorQuery = { ...rowId, description: 'the id of the last row of the previous page' } as const
export const keyCursorQuery = { type: 'string', minLength: 1, maxLength: 512, description: 'the cursor of the previous page (the `next` it gave, or its `Link: rel="next"`)' } as const

export const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {},
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const

/** Standard error replies every route may give. */
export const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse, 413: errorResponse, 415: errorResponse, 422: errorResponse, 429: errorResponse, 500: errorResponse, 503: errorResponse } as const

export const projectParams = {
  type: 'object',
  properties: { projectId: idParam },
  required: ['projectId'],
  additionalProperties: false,
} as const

export const projectMonthParams = {
  type: 'object',
  properties: { projectId: idParam, month },
  required: ['projectId', 'month'],
  additionalProperties: false,
} as const

/** A team's month: the payroll sheet's and the timesheet's address. */
export const teamMonthParams = {
  type: 'object',
  properties: { projectId: idParam, teamId: idParam, month },
  required: ['projectId', 'teamId', 'month'],
  additionalProperties: false,
} as const

/** A worker's month on a project. */
export const workerMonthParams = {
  type: 'object',
  properties: { projectId: idParam, workerId: idParam, month },
  required: ['projectId', 'workerId', 'month'],
  additionalProperties: false,
} as const

/** A worker's answer (confirm or dispute, with the channel it came by): to a timesheet month, a payroll line. */
export const workerAnswerBody = {
  type: 'object',
  properties: {
    decision: { type: 'string', enum: ['confirm', 'dispute'] },
    channel: { type: 'string', enum: ['app', 'kiosk', 'sms', 'paper', 'wechat'] },
    note: { type: 'string', maxLength: 500 },
  },
  required: ['decision', 'channel'],
  additionalProperties: false,
} as const

/** A payroll answer may name the line it answers (the worker's lines listing gives each lineId). */
export const payrollAnswerBody = {
  ...workerAnswerBody,
  properties: { ...workerAnswerBody.properties, lineId: { type: 'string', minLength: 1, maxLength: 64, description: 'the line the worker saw or signed: refused with 409 payroll_line_superseded when a newer version is in force' } },
} as const
