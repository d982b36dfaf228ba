/**
 * The composition root: opens the database and wires repositories, domain
 * services and the ingest inbox. Transport adapters (HTTP, MQTT) receive this
 * and never construct domain objects themselves.
 */
import { openDatabase, type Database } from './db/client.ts'
import type { Config } from './config/env.ts'
import { systemClock, type Clock, type Month } from './kernel/time.ts'
import { CachedLookups } from './ingest/lookups.ts'
import { PunchInbox } from './ingest/inbox.ts'
import { RejectedRetries } from './ingest/retries.ts'
import { PunchRepository } from './punches/repository.ts'
import { PayoutRepository } from './payouts/repository.ts'
import { PayoutService } from './payouts/service.ts'
import { PayrollService } from './payroll/service.ts'
import { RosterRepository } from './roster/repository.ts'
import { RosterService } from './roster/service.ts'
import { RosterImportService } from './roster/roster-import-service.ts'
import { TimesheetRepository } from './timesheets/repository.ts'
import { TimesheetService } from './timesheets/service.ts'
import { DatabaseWatch } from './ops/database-watch.ts'
import { Metrics, type BrokerStatus } from './ops/metrics.ts'
import { AccessRepository } from './access/repository.ts'
import { AccessService } from './access/service.ts'
import { AccessLog } from './access/audit-log.ts'
import { PayInputsService } from './payroll/inputs-service.ts'
import { PayrollSheetService } from './payroll/sheet-service.ts'
import { UpstreamReporter } from './upstream/reporter.ts'
import { UpstreamRunner } from './upstream/runner.ts'
import { UpstreamWatch } from './upstream/watch.ts'
import { AccountService } from './account/service.ts'
import { ProjectContactsService } from './roster/project-contacts.ts'
import { DepositService } from './deposits/service.ts'
import { CaseService } from './flags/case-service.ts'
import { WebhookService } from './flags/webhook-service.ts'
import { InstructionRepository } from './instructions/repository.ts'
import { InstructionService } from './instructions/service.ts'
import { DeviceWatchService } from './punches/device-watch-service.ts'
import { BackfillRepository } from './punches/backfill-repository.ts'
import { BackfillService } from './punches/backfill-service.ts'
import { WorkerSignInCodes } from './access/sign-in-codes.ts'
import { OversightService } from './oversight/service.ts'
import { SignalImportService } from './risk/signal-imports.ts'
import { RiskRunService } from './risk/risk-runs.ts'
import { LedgerRepository } from './payroll/ledger-repository.ts'
import { ClueService } from './risk/clue-service.ts'
import { ClueImportService } from './risk/clue-imports.ts'
import { CreditService } from './risk/credit-service.ts'
import { IncidentService } from './risk/incident-service.ts'

export interface Services {
  config: Config
  clock: Clock
  db: Database
  roster: RosterService
  /** 花名册 import: preview and apply a contractor's roster spreadsheet (issue 13). */
  rosterImports: RosterImportService
  punches: PunchRepository
  inbox: PunchInbox
  /** Refused frames taken in again once the roster is put right (重新接收). */
  retries: RejectedRetries
  /** The roster's devices and people as admission reads them (cached; the HTTP device edge reads devices from it too). */
  lookups: CachedLookups
  timesheets: TimesheetService
  payroll: PayrollService
  payouts: PayoutService
  /** Flags as cases (预警案件): what each run changed, what people did, what the clock escalated. */
  cases: CaseService
  /** Case notifications: webhook endpoints, the outbox the cases' appends fill, and its deliverer. */
  webhooks: WebhookService
  /** Devices that go quiet: their contacts (punch or not) and their offline incidents (DEVICE_OFFLINE). */
  deviceWatch: DeviceWatchService
  /** Wage terms, piece quantities, additions and deductions (工资标准、计件、加扣项). */
  payInputs: PayInputsService
  /** Payroll sheets (工资支付表) and the workers' answers. */
  sheets: PayrollSheetService
  /** Upstream reporting: what is queued for the real-name platforms, and the senders the server runs. */
  upstream: { reporter: UpstreamReporter; runner: UpstreamRunner }
  /** The dedicated account (专用账户): register, contract, funding schedule, statements, balance. */
  account: AccountService
  /** Who the rights board names: the site's labour manager and phone, the local complaint line (维权信息登记). */
  projectContacts: ProjectContactsService
  /** The wage guarantee deposit register (工资保证金). */
  deposits: DepositService
  /** Bank instructions (代发指令). */
  instructions: InstructionService
  /** Backfills: devices asked for their missing records again (the gap watch, or a person). */
  backfills: BackfillService
  /** Complaint clues (欠薪线索) on their clocks, with the evidence the ledger holds (issue 15). */
  clues: ClueService
  /** Clue files from the 12333 hotline's system or a department, received whole or refused whole. */
  clueImports: ClueImportService
  /** Major incidents (10+ workers or ¥5M) and their reports, on the 2-hour clock. */
  incidents: IncidentService
  /** Credit records (信用记录) on employers found in arrears; activeCreditRecords for the index and the deposit rate. */
  credit: CreditService
  /** The bureau's overview of a region: six systems per project, arrears incidence, cases by age (read-only). */
  oversight: OversightService
  /** The departments' monthly employer signals (联合预警), imported whole and once (issue 15). */
  signals: SignalImportService
  /** The monthly risk index runs (欠薪风险指数) and their scores (issue 15). */
  riskRuns: RiskRunService
  /** Logins, sessions, keys, device credentials and scopes. */
  access: AccessService
  /** Workers' one-time sign-in codes for their own page (issue, deliver, sign in). */
  signInCodes: WorkerSignInCodes
  /** The hash-chained access log (reads of personal data, denials, admin actions). */
  accessLog: AccessLog
  /** The database's health as the service has met it (inbox, HTTP, heartbeat probe). */
  database: DatabaseWatch
  /** The MQTT side; replaced by the broker adapter once it runs. */
  broker: BrokerStatus
  metrics: Metrics
  close(): Promise<void>
}

export async function createServices(config: Config, clock: Clock = systemClock, opts: { allowMemoryDb?: boolean } = {}): Promise<Services> {
  const db = await openDatabase(config.databaseUrl, { allowMemory: opts.allowMemoryDb })
  const rosterRepo = new RosterRepository(db)
  const lookups = new CachedLookups(rosterRepo)
  // Roster changes are queued upstream after they are stored (upstream/reporter.ts says why not inside).
  let rosterChanged = (): void => {}
  const roster = new RosterService(rosterRepo, clock, config.defaultTimeZone, () => {
    lookups.invalidate()
    rosterChanged()
  })
  const punches = new PunchRepository(db)
  const inbox = new PunchInbox(punches, lookups, clock)
  const database = new DatabaseWatch(db, clock, `${config.mqttGroup}-${config.mqttInstance}`)
  inbox.onBatch((b) => {
    if (b.ok) database.wrote()
    else database.faulted('ingest', b.fault, { frames: b.frames, attempt: b.attempt, retryInMs: b.retryInMs, backlog: inbox.pending })
  })
  const timesheets = new TimesheetService(new TimesheetRepository(db), roster, clock)
  // A punch replayed into a confirmed month becomes an adjustment as soon as it is stored.
  inbox.onCommitted(async (batch) => {
    const stored = batch.flatMap((c) => (c.punch ? [c.punch] : []))
    if (stored.length > 0) await timesheets.punchesStored(stored)
  })
  await timesheets.sweep()
  const payroll = new PayrollService(roster, timesheets)
  const payInputs = new PayInputsService(db, { roster }, clock)
  const sheets = new PayrollSheetService(db, { roster, timesheets, inputs: payInputs }, clock)
  const account = new AccountService(db, { roster }, clock)
  // The payout service is made below; the reporter reads the month's last run through it only when it runs.
  const ledger = new LedgerRepository(db)
  const reporter = new UpstreamReporter(db, { roster, timesheets, sheets, payouts: { latest: (projectId, period) => payouts.latest(projectId, period) }, payments: ledger, instructions: { workerMonth: (projectId, workerId, period) => instructions.workerMonth(projectId, workerId, period) } }, clock, config.upstream)
  rosterChanged = () => reporter.rosterChanged()
  // A stored punch is queued upstream (projects that report only) after the commit, in the order batches committed.
  inbox.onCommitted((batch) => {
    if (!config.upstream) return
    const stored = batch.flatMap((c) => (c.punch ? [c.punch] : []))
    if (stored.length > 0) reporter.after(() => reporter.punchesStored(stored))
  })
  // A correction is queued upstream after its commit: the days it touched, whatever date they are (a punch added for last week).
  timesheets.onCorrected((c) => {
    if (config.upstream) reporter.after(() => reporter.correctionMade(c))
  })
  // Credit records need only the database: made before the deposits, whose rate they raise.
  const credit = new CreditService(db, clock, config.defaultTimeZone)
  const deposits = new DepositService(db, { roster, account, credit }, clock)
  const instructions = new InstructionService(db, { roster, sheets, account, payments: ledger }, clock)
  const webhooks = new WebhookService(db, clock)
  const cases = new CaseService(db, clock, async (projectId) => (await roster.project(projectId)).timeZone, webhooks)
  const incidents = new IncidentService(db, clock, webhooks)
  const clues = new ClueService(db, clock, config.defaultTimeZone, {
    incidents,
    credit,
    outbox: webhooks,
    evidence: {
      workerMonth: async (projectId, workerId, month) => {
        const v = await timesheets.workerMonth(projectId, workerId, month)
        return { frozen: v.line.frozen, month: v.line.month }
      },
      ledgerLines: async (projectId, month, workerId) => (await ledger.month(projectId, month, { workerId }))?.lines ?? [],
    },
  })
  // In the transaction that appends a month's case events: a worker's complaint becomes a clue, 10+ workers in arrears an incident.
  cases.onAppended(async (e) => {
    await clues.complaintsAppended(e.projectId, e.month, e.events, e.cases)
    await incidents.casesChanged(e.projectId, e.month, e.events, e.cases)
  })
  const deviceWatch = new DeviceWatchService(
    db,
    { listProjects: () => roster.listProjects(), listDevices: (id) => roster.listDevices(id), lastPunchOfDevice: (id, deviceId) => punches.lastPunchOfDevice(id, deviceId), deviceOf: (serial) => lookups.device(serial) },
    clock,
    { offlineAfterMinutes: config.deviceOfflineAfterMinutes, siteHours: config.deviceSiteHours },
    webhooks,
  )
  // Every record committed from a device, punch or refusal, whatever brought it, is a contact.
  inbox.onCommitted((batch) => {
    for (const c of batch) if (c.device) deviceWatch.heard(c.device.serial, 'frame')
  })
  const payouts = new PayoutService(new PayoutRepository(db), punches, roster, payroll, clock, { sheets, account, deposits, instructed: new InstructionRepository(db) }, cases)
  // A sheet's step and a reconciliation run change the month's PayRoll records (status, PayStatus): queued after the commit.
  if (config.upstream) {
    const payrollChanged = (projectId: string, period: Month): void => reporter.after(() => reporter.reportPayroll(projectId, period))
    sheets.onChanged(payrollChanged)
    payouts.onReconciled(payrollChanged)
  }
  // A broker that was not told of a credential logs it itself (and reconciles); here it is counted.
  const access = new AccessService(new AccessRepository(db), clock, (e) => services.metrics.brokerCredentialFailures.inc({ kind: e.kind }))
  const accessLog = new AccessLog(db, clock)
  const signInCodes = new WorkerSignInCodes(db, { access, roster }, clock)
  const backfills = new BackfillService(new BackfillRepository(db), { roster, punches }, clock, {
    expireAfterMs: config.backfillExpireMs,
    attemptsMax: config.backfillAttemptsMax,
    windowMs: 24 * 3_600_000,
    sweepHour: config.zktecoSweepHour,
  })
  const oversight = new OversightService(db, { roster }, clock, config.defaultTimeZone)
  const services: Services = {
    config,
    clock,
    db,
    roster,
    rosterImports: new RosterImportService(
      db,
      roster,
      clock,
      config.defaultTimeZone,
      () => {
        lookups.invalidate()
        rosterChanged()
      },
      (project) => timesheets.enrolmentChangeOf(project),
    ),
    punches,
    inbox,
    retries: new RejectedRetries(db, punches, inbox, clock),
    lookups,
    timesheets,
    payroll,
    payouts,
    cases,
    webhooks,
    deviceWatch,
    payInputs,
    sheets,
    upstream: {
      reporter,
      runner: new UpstreamRunner(db, reporter, clock, config.upstream, new UpstreamWatch(db, cases, clock, async (projectId) => (await roster.project(projectId)).timeZone)),
    },
    account,
    projectContacts: new ProjectContactsService(db, { roster }, clock),
    deposits,
    instructions,
    backfills,
    clues,
    clueImports: new ClueImportService(clues, punches, clock, config.defaultTimeZone),
    incidents,
    credit,
    oversight,
    signals: new SignalImportService(db, punches, clock),
    riskRuns: new RiskRunService(db, { ledger: oversight, funding: account }, clock, config.defaultTimeZone),
    access,
    signInCodes,
    accessLog,
    database,
    broker: { kind: 'none', connected: () => false, connections: () => 0 },
    metrics: undefined as unknown as Metrics,
    close: async () => {
      inbox.stop()
      // A commit (or its after-commit work) still in flight finishes before the connection goes.
      await inbox.idle()
      await accessLog.idle()
      await deviceWatch.contacts.idle()
      await services.upstream.runner.close()
      await db.close()
    },
  }
  // Gauges read services.broker when scraped, so the adapter can replace it after this.
  services.metrics = new Metrics({ inbox, database, broker: { kind: 'none', connected: () => services.broker.connected(), connections: () => services.broker.connections() } })
  return services
}
