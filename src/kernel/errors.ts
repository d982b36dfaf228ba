/**
 * The one catalogue of error codes a caller can receive. Each has its HTTP
 * status and a sentence a person can act on; `README.md` lists them and a
 * test holds the two together. Server faults (5xx) never leak their details.
 */
export const ERRORS = {
  validation_failed: { status: 400, message: 'The request does not match its schema; see details for each field.' },
  invalid_id_number: { status: 400, message: 'The ID number fails the GB 11643 check (length, birth date or check digit); re-read it from the ID card.' },
  invalid_credit_code: { status: 400, message: 'The unified social credit code fails the GB 32100 check; copy it from the business licence.' },
  invalid_time_zone: { status: 400, message: 'The time zone is not an IANA zone name such as Asia/Shanghai.' },
  invalid_month: { status: 400, message: 'The month must be written YYYY-MM.' },
  organisation_not_found: { status: 404, message: 'No organisation has this id.' },
  organisation_wrong_kind: { status: 400, message: 'The organisation is of the wrong kind for this role (construction unit, general contractor or subcontractor).' },
  project_not_found: { status: 404, message: 'No project has this id.' },
  project_site_code_exists: { status: 409, message: 'Another project already uses this site code.' },
  team_not_found: { status: 404, message: 'No team of this project has this id.' },
  worker_not_found: { status: 404, message: 'No worker has this id.' },
  worker_exists_with_different_facts: { status: 409, message: 'A worker with this ID number is already registered with different facts; details.workerId is that worker and details.differs names the fields. Enrol the existing worker, or check the facts you sent.' },
  enrolment_exists: { status: 409, message: 'The worker is already enrolled on this project.' },
  enrolment_not_found: { status: 404, message: 'No enrolment of this project has this id.' },
  device_user_id_taken: { status: 409, message: 'Another worker on this project is enrolled on the devices under this user id.' },
  exit_before_entry: { status: 400, message: 'The exit date is before the entry date.' },
  device_exists: { status: 409, message: 'A device with this serial number is already registered.' },
  device_not_found: { status: 404, message: 'No device of this project has this id.' },
  device_model_unknown: { status: 400, message: 'No codec exists for this device model; see devices/README.md for the supported models.' },
  invalid_date: { status: 400, message: 'The date must be a real calendar date written YYYY-MM-DD.' },
  date_outside_enrolment: { status: 400, message: "The day is outside the worker's enrolment on this project (before entry or after exit); correct the enrolment dates first." },
  date_in_future: { status: 400, message: 'The day has not happened yet in the project time zone; attendance is corrected after the fact.' },
  timesheet_empty: { status: 409, message: 'The team has no worker with attendance in this month: there is nothing to confirm.' },
  correction_invalid: { status: 400, message: "The correction (or a worker's dispute) is incomplete or contradicts the record; the details say what to fix." },
  punch_not_found: { status: 404, message: 'No punch of this worker on this project has this id.' },
  correction_not_found: { status: 404, message: 'No correction of this worker on this project has this id.' },
  month_not_ended: { status: 409, message: 'A month can be confirmed only after its last day has ended in the project time zone.' },
  timesheet_already_confirmed: { status: 409, message: "The team's month is already confirmed and frozen; later changes are recorded as adjustments in the open month." },
  timesheet_needs_review: { status: 409, message: 'Some days still need review (incomplete, clock suspect or over 24 h); correct them, then confirm. The details list them.' },
  timesheet_not_confirmed: { status: 409, message: "The team's month is not confirmed by its labour manager yet; workers answer a confirmed month." },
  worker_not_in_timesheet: { status: 404, message: 'The worker has no days in this confirmed month.' },
  payout_file_empty: { status: 400, message: 'The payout file is empty.' },
  payout_file_too_large: { status: 413, message: 'The payout file is larger than the limit; split the batch.' },
  payout_file_invalid: { status: 422, message: 'The payout file was rejected as a whole; nothing was stored. Fix the listed lines and post it again.' },
  payout_file_exists_with_different_period: { status: 409, message: 'This exact file was already posted for another pay month.' },
  payout_file_not_found: { status: 404, message: "No payout file of this project has this id; list them at GET /api/projects/{id}/payout-files." },
  flag_not_found: { status: 404, message: "No flag of this project and pay month has this id; take the id from the month's flags (GET /api/projects/{id}/flags/{YYYY-MM})." },
  unsupported_media_type: { status: 415, message: "The body's Content-Type is not one this route reads; details.accepted lists those it does (a payout file is posted as its raw bytes)." },
  rejected_input_not_found: { status: 404, message: 'No rejected input has this id; list them at /api/rejected-inputs.' },
  cursor_not_found: { status: 400, message: 'The `after` cursor is not the id of an item of this list; pass the id of the last item of the previous page.' },
  request_too_large: { status: 413, message: 'The request body is larger than this route accepts; send less per request.' },
  database_busy: { status: 503, message: 'The database is locked by another process; nothing was stored. Send the same request again after Retry-After seconds.' },
  database_unavailable: { status: 503, message: 'The database cannot be written (disk full, I/O error or read-only); nothing was stored. The operator is alerted; send the same request again later.' },
  unauthenticated: { status: 401, message: 'This route needs credentials: a session (log in at POST /api/session) or an API key, as `Authorization: Bearer …`. details.reason says what was wrong with those sent (missing, malformed, unknown, expired, revoked, disabled).' },
  login_failed: { status: 401, message: 'The login or the password is wrong, or the login is disabled. Repeated failures are slowed down.' },
  role_forbidden: { status: 403, message: 'Your role may never do this; ask someone whose role may (details.role is yours, details.allowed those that may).' },
  account_scope: { status: 403, message: "The project's dedicated wage account is not held at your bank; a bank reaches only the accounts it holds." },
  too_many_requests: { status: 429, message: 'Too many attempts; wait Retry-After seconds before trying again.' },
  login_invalid: { status: 400, message: 'The login or key cannot be made as asked; details.problem says what is missing or wrong.' },
  login_exists: { status: 409, message: 'Another person already has this login name.' },
  user_not_found: { status: 404, message: 'No login has this id.' },
  api_key_not_found: { status: 404, message: 'No API key has this id.' },
  not_found: { status: 404, message: 'No such route.' },
  internal: { status: 500, message: 'Something failed inside the service; it is logged. Try again, and report it if it persists.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: unknown

  constructor(code: ErrorCode, details?: unknown) {
    super(ERRORS[code].message)
    this.name = 'AppError'
    this.code = code
    this.status = ERRORS[code].status
    this.details = details
  }
}
