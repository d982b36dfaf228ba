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
  organisation_exists_with_different_facts: { status: 409, message: 'An organisation with this credit code is already registered as another kind or under another name; details.organisationId is that organisation and details.differs names the fields. Use the registered organisation, or check the credit code and facts you sent: a repeat never changes a registration.' },
  organisation_wrong_kind: { status: 400, message: 'The organisation is of the wrong kind for this role (construction unit, general contractor or subcontractor).' },
  project_not_found: { status: 404, message: 'No project has this id.' },
  project_site_code_exists: { status: 409, message: 'A project with this site code is already registered with different facts; details.differs names the fields (details.projectId is that project when it is yours). Registering the same project again answers 200 with it; otherwise choose another site code, or check the facts you sent.' },
  team_not_found: { status: 404, message: 'No team of this project has this id.' },
  team_name_exists: { status: 409, message: "Another subcontractor's team on this project already has this name; details.teamId is that team and details.employerId its subcontractor. Name the new team apart (e.g. 木工二班); adding the same team for the same subcontractor again answers 200 with it." },
  worker_not_found: { status: 404, message: 'No worker has this id.' },
  worker_exists_with_different_facts: { status: 409, message: 'A worker with this ID number is already registered with different facts; details.workerId is that worker and details.differs names the fields. Enrol the existing worker, or check the facts you sent; a new wage card is recorded with POST /api/workers/{workerId}/card-changes.' },
  worker_under_age: { status: 422, message: 'The ID number says this person is under 16 (details.minimumAge): no one under 16 may be employed (禁止使用童工). Check the ID number; nothing was registered.' },
  invalid_card_no: { status: 400, message: 'A wage card number is 12 to 19 digits (spaces between groups are taken out); details.digits says how many were sent. Copy it again from the card.' },
  card_held_by_another_worker: { status: 409, message: 'Another worker on the roster holds this card, or held it: wages go to each worker\'s own card (一卡多人 is not allowed). Check the card with the worker.' },
  exit_before_attendance: { status: 409, message: 'The gates recorded the worker on the project after this exit date (details.lastAttendedOn): the exit would take those days out of their pay. Date the exit on or after that day, or give a reason (kept with the exit) if those punches were not theirs.' },
  worker_card_unchanged: { status: 409, message: 'The worker already holds this card at this bank: nothing to change.' },
  worker_card_changed_meanwhile: { status: 409, message: "The worker's card was changed by someone else a moment ago: read the worker again and decide whether your change is still needed." },
  roster_file_unreadable: { status: 400, message: "The file is not a 花名册 the import reads: details.problem says why (not_a_spreadsheet, legacy_xls: save it as XLSX or CSV; no_header: details.missing names the columns to add; no_rows; too_many_rows: split the file)." },
  roster_import_has_problems: { status: 422, message: 'Some rows of the 花名册 have problems (details.rows, each with its line and problems); nothing was stored. Fix them in the spreadsheet and post it again, or preview it first.' },
  enrolment_exists: { status: 409, message: 'The worker is already enrolled on this project. A worker who exited and comes back is recorded as a return on that enrolment (POST …/enrolments/{enrolmentId}/return).' },
  enrolment_in_other_team: {
    status: 409,
    message:
      "The worker is on this project's roster in a team of another organisation (one enrolment per project and worker, with spells). A worker cannot yet move between teams of one project: ask the general contractor's labour manager (劳资专管员), who sees that enrolment.",
  },
  enrolment_not_exited: { status: 409, message: 'The worker has not exited this project (details.entryDate: the entry of the spell on site): a return (再次进场) follows an exit. Record the exit first if the worker left; nothing is needed if they are still on site.' },
  return_before_exit: { status: 400, message: 'A return (再次进场) is dated after the exit it follows; details.exitDate and details.returnDate are the two (correct the exit first if it is the wrong one).' },
  enrolment_not_found: { status: 404, message: 'No enrolment of this project has this id.' },
  return_not_found: { status: 404, message: 'No return (再次进场) of this enrolment is dated details.returnDate; details.returns lists the returns in force.' },
  exit_not_found: { status: 404, message: 'No exit (退场) of this enrolment is dated details.exitDate; details.exits lists the exits in force, oldest first.' },
  device_user_id_taken: { status: 409, message: 'Another worker on this project is enrolled on the devices under this user id.' },
  exit_before_entry: { status: 400, message: 'The exit date is before the entry date; details.entryDate and details.exitDate are the two (correct the entry date first if it is the wrong one).' },
  device_exists: { status: 409, message: 'A device with this serial number is already registered with different facts; details.differs names the fields (projectId: on another project; details.deviceId is the device when it is on this one). Registering the same device again answers 200 with it (its secret is not shown again).' },
  device_not_found: { status: 404, message: 'No device of this project has this id.' },
  device_model_unknown: { status: 400, message: 'No codec exists for this device model; see devices/README.md for the supported models.' },
  backfill_not_supported: { status: 409, message: "The device's model has no way to be asked for records again (details.models lists those that do); read its own log at the device." },
  backfill_window_invalid: { status: 400, message: 'The window must run forward, end no later than now and span at most details.windowDaysMax days; give fromRecord and toRecord both or neither, toRecord not below fromRecord, at most details.recordsMax records.' },
  backfill_busy: { status: 503, message: 'Another request for this device was being made at the same moment; nothing was stored. Send the same request again.' },
  invalid_date: { status: 400, message: 'The date must be a real calendar date written YYYY-MM-DD.' },
  date_outside_enrolment: { status: 400, message: "The day is outside the worker's enrolment on this project (before entry, or after an exit: between an exit and a return, details.breaks, as after the last); if a date was entered wrong, correct it first (POST …/enrolments/{enrolmentId}/entry or …/exit)." },
  date_in_future: { status: 400, message: "The date has not happened yet in the project's time zone: attendance is corrected, and an exit (退场) or a return (再次进场) recorded, only once it has. details.today is today there; for an exit or return, details.field names the date refused." },
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
  rejected_input_not_retryable: {
    status: 409,
    message: "This refused input cannot be taken in again: details.why says why (refused for what it holds, kept cut short, or taken in already); details.retryable lists the refusals a roster change can put right.",
  },
  cursor_not_found: { status: 400, message: 'The `after` cursor is not the id of an item of this list; pass the id of the last item of the previous page.' },
  request_too_large: { status: 413, message: 'The request body is larger than this route accepts; send less per request.' },
  database_busy: { status: 503, message: 'The database is locked by another process; nothing was stored. Send the same request again after Retry-After seconds.' },
  database_unavailable: { status: 503, message: 'The database cannot be written (disk full, I/O error or read-only); nothing was stored. The operator is alerted; send the same request again later.' },
  unauthenticated: { status: 401, message: 'This route needs credentials: a session (log in at POST /api/session) or an API key, as `Authorization: Bearer …`. details.reason says what was wrong with those sent (missing, malformed, unknown, expired, revoked, disabled).' },
  login_failed: { status: 401, message: 'The login or the password is wrong, or the login is disabled. Repeated failures are slowed down.' },
  answer_channel_forbidden: { status: 403, message: "Anyone but the worker (a manager, the operator) records a worker's answer only as the paper the worker signed (channel paper); the app, kiosk, SMS and WeChat answers are the worker's own, from their own login." },
  role_forbidden: { status: 403, message: 'Your role may never do this; ask someone whose role may (details.role is yours, details.allowed those that may).' },
  account_scope: { status: 403, message: "The project's dedicated wage account is not held at your bank; a bank reaches only the accounts it holds." },
  too_many_requests: { status: 429, message: 'Too many attempts; wait Retry-After seconds before trying again.' },
  login_invalid: { status: 400, message: 'The login or key cannot be made as asked; details.problem says what is missing or wrong.' },
  login_exists: { status: 409, message: 'Another person already has this login name.' },
  user_not_found: { status: 404, message: 'No login has this id.' },
  api_key_not_found: { status: 404, message: 'No API key has this id.' },
  wage_terms_invalid: { status: 400, message: 'The wage terms cannot be recorded as sent; details.reason names the fault (a rate that is not whole fen, expected days outside 1–31, a piece item named twice, an invalid date).' },
  piece_quantity_invalid: { status: 400, message: 'The piece quantity cannot be recorded: the quantity must be a plain number with at most three decimals, on a date of the month, for an item kind the terms in force price.' },
  piece_quantity_not_found: { status: 404, message: 'No piece quantity of this worker and project has this id.' },
  pay_item_invalid: { status: 400, message: 'The addition or deduction cannot be recorded: it needs a known reason and a whole, positive number of fen.' },
  pay_item_not_found: { status: 404, message: 'No addition or deduction of this worker and project has this id.' },
  payroll_sheet_not_found: { status: 404, message: "The team has no payroll sheet for this month: none made yet, every version withdrawn (a bank instruction needs one that is not), or none of the version asked for (details.version). GET /api/projects/{id}/payroll-sheets?month=YYYY-MM shows each team's newest sheet of the month; POST …/teams/{teamId}/payroll-sheets/{YYYY-MM} makes one." },
  payroll_sheet_exists: { status: 409, message: "The team's month already has a payroll sheet that is not withdrawn; withdraw it (before approval) or make a new version (after approval) instead." },
  payroll_sheet_state: { status: 409, message: 'The payroll sheet is not in a state that allows this step; details.state is its state and details.allowedFrom the states this step needs.' },
  payroll_sheet_cannot_price: { status: 422, message: "A worker's month cannot be priced from the wage terms in force; details.workers say whose and why (e.g. days worked before the first terms). Record the terms, then make the sheet." },
  payroll_ledger_not_found: { status: 404, message: "The project has no wage ledger (工资支付台账) for this month: no team's payroll sheet of the month is approved yet (a sheet enters the ledger once approved, and stays as it is instructed and settled). GET /api/projects/{id}/payroll-sheets?month=YYYY-MM shows each team's newest sheet of the month and its state." },
  payroll_line_not_found: { status: 404, message: 'The worker has no line on this payroll sheet.' },
  payroll_line_superseded: { status: 409, message: 'The line answered is no longer the one in force: a newer version of the payroll sheet was sent. Show the worker the current figures and record their answer to those.' },
  instruction_not_found: { status: 404, message: 'No bank instruction of this project has this id.' },
  instruction_live: { status: 409, message: "The worker's month already has an instruction the bank has not answered as failed or returned (details.state live), or it is paid (paid); a new attempt is made only after a failure or return. A payment the bank booked short is paid: instruct the sheet again for the difference (补发)." },
  instruction_line_refused: { status: 422, message: "A line of the sheet cannot be carried by a bank instruction (details.workerId, details.reason, details.problem); nothing was instructed. Correct the worker's pay inputs or record and make a new version of the sheet." },
  instruction_payer_refused: { status: 409, message: "The instruction's header could not go to a bank: the dedicated account (its 12-digit bank code, its name exactly as the bank holds it) or the general contractor (its name, its credit code) fails the bank's checks (details.reason, details.problem); nothing was instructed. Correct the dedicated account or the organisation, then instruct again." },
  instruction_requested_on_past: { status: 400, message: "requestedOn (the execution date, ReqdExctnDt) is before today in the project's time zone (details.today): a bank does not pay in the past. Give today or a later day, or leave it out (the pay date, or today once it has passed)." },
  instruction_card_bank_required: { status: 400, message: "A re-attempt to a card that is not the worker's card on the roster names that card's bank too (bankName): the bank goes in the file beside the card." },
  instruction_nothing_to_pay: { status: 409, message: 'No line of the sheet can be instructed: every line is held (disputed), zero, or already instructed with nothing owed beyond what the bank booked (or a payment still at the bank, or failed: re-attempt it).' },
  instruction_format_unknown: { status: 400, message: 'The instruction format is not one the service writes; details.formats lists them (pain.001 and the bank 代发 profiles).' },
  dedicated_account_missing: { status: 409, message: 'The project has no dedicated wage account registered; register it (POST /api/projects/{id}/dedicated-account) first.' },
  project_contacts_invalid: { status: 400, message: "The rights board's contacts cannot be registered as sent; details.field names the field and details.reason the fault (a phone a worker can dial, both parts of the local line, a reason)." },
  dedicated_account_invalid: { status: 400, message: 'The dedicated account cannot be registered as sent; details.reason names the fault (bank code of 12 digits, account digits, opening date, or an account number in force on another project, named in details.projectId only to a caller who reaches that project).' },
  contract_invalid: { status: 400, message: "The contract's figures or funding schedule cannot be recorded as sent; details.reason names the fault." },
  statement_invalid: { status: 422, message: 'The account statement was rejected as a whole; nothing was stored. details.errors lists each fault with its entry.' },
  deposit_invalid: { status: 400, message: 'The guarantee deposit cannot be recorded as sent; details.reason names the fault (form, amount, dates, contractor).' },
  deposit_not_found: { status: 404, message: 'No guarantee deposit of this project has this id.' },
  flag_case_not_found: { status: 404, message: 'No flag case of this project has this id; list them at GET /api/projects/{id}/cases?month=YYYY-MM.' },
  flag_case_refused: { status: 409, message: "The case's state or the text sent does not allow this; details.code says which (case_closed, already_acknowledged, reason_required, text_required, text_too_long)." },
  upstream_record_not_found: { status: 404, message: "No upstream record of this project has this id; list the refused ones at GET /api/projects/{id}/upstream." },
  upstream_record_not_refused: { status: 409, message: 'Only the newest revision of a refused record is resent; details.state says where this one is (a newer revision is on its way or accepted).' },
  webhook_not_found: { status: 404, message: 'No webhook endpoint has this id; list them at GET /api/webhooks.' },
  webhook_url_invalid: { status: 400, message: 'The webhook URL must be an absolute http:// or https:// URL without a user name or password in it.' },
  clue_invalid: { status: 400, message: 'The clue cannot be received as sent; details.problem names the fault (summary_required, external_ref_required for an import, external_ref_blank, project_or_employer_required, worker_needs_project, worker_not_on_project, received_in_future).' },
  clue_not_found: { status: 404, message: 'No complaint clue you can see has this id; list them at GET /api/clues.' },
  clue_external_ref_taken: { status: 409, message: "The source's reference (a 12333 ticket, an imported row) already made another clue with other facts; details.clueId is that clue. The same facts again answer 200 clue_exists." },
  clue_step_invalid: { status: 400, message: 'The step lacks what it needs; details.problem says what (note_required, text_required, case_ref_required, and for arrears_confirmed: credit_code_required, amount_required, period_required, period_invalid, employer_name_required).' },
  clue_step_refused: { status: 409, message: "The clue's route does not allow this step now; details.code says why (clue_step_order with details.reason, route_contradicts_cause with details.expected, link_needs_illegal_contracting)." },
  clue_file_unreadable: { status: 400, message: 'The file is not a clue file the import reads: details.problem says why (not_a_spreadsheet: send XLSX or CSV; no_header: details.missing names the columns to add, one of 项目编号 and 统一社会信用代码 among them; no_rows; too_many_rows: split it into files of details.max rows). It is kept in rejected inputs.' },
  clue_file_invalid: { status: 422, message: 'Some rows of the clue file have problems (details.rows, each with its row number and problems: a bad value, an unknown site code, a ticket already imported with other facts); nothing was stored and the file is kept in rejected inputs. Fix the rows and import the file again.' },
  incident_not_found: { status: 404, message: 'No major incident you can see has this id; list them at GET /api/incidents.' },
  credit_record_not_found: { status: 404, message: 'No credit record you can see has this id; list them at GET /api/credit-records.' },
  credit_repair_refused: { status: 409, message: "The credit rules do not allow this repair; details.code says why (not_active with details.state, paid_in_future, paid_before_arrears with details.periodFrom, too_early with details.repairableOn, newer_record with details.recordId and details.recordedOn)." },
  signal_file_unreadable: { status: 400, message: 'The file is not a signal file the import reads: details.problem says why (not_a_spreadsheet: send XLSX, CSV or JSON; no_header: details.missing names the columns to add; no_rows; too_many_rows: split it into files of details.max rows; json_invalid with details.reason). It is kept in rejected inputs.' },
  signal_file_invalid: { status: 422, message: 'Some rows of the signal file have problems (details.rows, each with its row number and problems); nothing was stored and the file is kept in rejected inputs. Fix the rows and import the file again.' },
  signal_import_not_found: { status: 404, message: 'No signal import has this id; list them at GET /api/signals/imports.' },
  employer_not_found: { status: 404, message: 'No employer you can see has this credit code: no department reported it and it is not on the roster, or (for an auditor) it is a party of no project in your region.' },
  risk_run_not_found: { status: 404, message: 'No risk index run yet for the month asked (details.month; null asks for the newest). details.newestRunMonth is the newest month that has one (null: no run has happened yet); details.nextTimerRun the month the monthly timer runs next and the first day it may; the platform operator can run a month at once at POST /api/risk/runs.' },
  risk_month_not_ended: { status: 409, message: "A month's risk index is run once the month has ended (in the service's time zone); details.month is the latest month that can be run." },
  not_found: { status: 404, message: 'No such route.' },
  internal: { status: 500, message: 'Something failed inside the service; it is logged. Try again, and report it if it persists.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

/**
 * One refused field of a `validation_failed`: the schema's checks list them (`body/workDate`, `querystring/card`), and
 * so does every check made in code, so that the code has one shape of details for a client to read.
 */
export interface FieldProblem {
  field: string
  message: string
  /** The schema's: the unknown property refused. */
  property?: string
  /** A stable code for the problem, where the check has one (a writer's refusal of a stored instruction). */
  reason?: string
}

/** Every code but `validation_failed`: their details are whatever the code's own refusal names. */
export type RefusalCode = Exclude<ErrorCode, 'validation_failed'>

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details: unknown
  /**
   * The object exists but lies outside the caller's scope: answered exactly as a missing one, and logged as a denied
   * attempt by the error handler (a handler that can tell only after reading the object throws this).
   */
  readonly outOfScope: boolean

  /** `validation_failed` takes its details as a list of refused fields, never another shape. */
  constructor(code: 'validation_failed', details: readonly FieldProblem[], opts?: { outOfScope?: boolean })
  constructor(code: RefusalCode, details?: unknown, opts?: { outOfScope?: boolean })
  constructor(code: ErrorCode, details?: unknown, opts: { outOfScope?: boolean } = {}) {
    super(ERRORS[code].message)
    this.name = 'AppError'
    this.code = code
    this.status = ERRORS[code].status
    this.details = details
    this.outOfScope = opts.outOfScope ?? false
  }
}

/** The 404 of an object that exists outside the caller's scope: the same answer as a missing one, logged as denied. */
export const outOfScope = (code: RefusalCode, details?: unknown): AppError => new AppError(code, details, { outOfScope: true })
