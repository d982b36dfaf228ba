/**
 * Starts the service: database, ingest (embedded broker, or a subscription to
 * an external one), and HTTP. `startServer` is what the demo and the
 * integration tests use; running this file starts it from the environment.
 */
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import { buildApp, type AppOptions } from './app.ts'
import { loadConfig, type Config } from './config/env.ts'
import { deviceGate, startEmbeddedBroker } from './ingest/embedded-broker.ts'
import { startExternalSubscriber } from './ingest/external-subscriber.ts'
import { startDynsecSync, type DynsecDeviceSync } from './ingest/mosquitto-dynsec.ts'
import type { Clock } from './kernel/time.ts'
import { createServices, type Services } from './services.ts'
import { dbFaultOf } from './db/faults.ts'
import { InstanceLease, InstanceNameTakenError } from './ops/instance-lease.ts'
import { checkInboxRoot, PayoutInboxFolder } from './payouts/inbox-folder.ts'
import { buildDeviceEdge } from './ingest/device-http.ts'
import { registeredDahuaDevices, startDahuaClients, type DahuaClients } from './ingest/dahua-client.ts'
import { registeredHikvisionPollDevices, startHikvisionPollers, type HikvisionPollers } from './ingest/hikvision-poller.ts'
import { Counter } from 'prom-client'
import { commandTopic } from './punches/admit.ts'
import { OVERVIEW_REFRESH_MS } from './oversight/snapshots.ts'

export interface RunningServer {
  app: FastifyInstance
  services: Services
  httpUrl: string
  /** Where devices connect: the embedded broker, or the external one. */
  mqttUrl: string
  /** The HTTP device edge (ZKTeco ADMS, Hikvision ISAPI pushes). */
  deviceUrl: string
  /** The watched folder for bank result files, when PAYOUT_INBOX_DIR is set. */
  payoutInbox: PayoutInboxFolder | undefined
  /** One round of the gap watch (backfills asked, closed, MQTT ones published), as the timer runs it: for tests. */
  backfillRound(): Promise<void>
  /**
   * Reads the device list now and connects the Dahua and Hikvision devices (settings.connect) not yet connected: what
   * the service otherwise does every minute, for a caller that has just registered one and cannot wait.
   */
  connectDevices(): Promise<void>
  close(): Promise<void>
}

const SWEEP_INTERVAL_MS = 60_000
/** How often the flag cases' clocks are read: escalations are due by the day, so minutes late is on time. */
const CASE_CLOCK_INTERVAL_MS = 10 * 60_000
/** How often due webhook deliveries are looked for: a notification a few seconds late is on time. */
const WEBHOOK_INTERVAL_MS = 5_000
/** How often the device watch judges every device: an outage is counted in tens of minutes, so one minute late is on time. */
const DEVICE_WATCH_INTERVAL_MS = 60_000
/** How often the monthly risk index run is looked for: it is due on days, so an hour late is on time. */
const RISK_RUN_CHECK_MS = 60 * 60_000
/** The heartbeat probe: a small write that proves the database takes writes when nothing else is writing. */
const PROBE_INTERVAL_MS = 2_000

/** Runs fn every intervalMs, never two at once (a slow database must not pile runs up). */
function everyUnlessRunning(intervalMs: number, fn: () => Promise<void>): { stop(): void } {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    void fn().finally(() => (running = false))
  }, intervalMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

export interface StartOptions extends AppOptions {
  clock?: Clock
  /**
   * false: the rounds a timer runs (the timesheet sweep, the cases' and reconciliation clocks, webhook delivery, the
   * gap and device watches, the overview's refresh, the monthly risk run) are not started, and are the caller's to run.
   * For a test that drives a manual clock and runs each round itself: a timer's round would otherwise act on the same
   * rows meanwhile (deliver, open, refresh what the test means to), as soon as the test outlasts its interval. The
   * database probe (health, the instance lease) and upstream reporting's runner (config.upstream) run either way.
   * Default: started.
   */
  periodicRounds?: boolean
  /** Another process took this instance's name (it stalled past the lease): the process should stop. Default: exit. */
  onLeaseLost?: () => void
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  // A watched folder that is not there is a misconfiguration: said at start, before anything is opened.
  if (config.payoutInboxDir !== undefined) await checkInboxRoot(config.payoutInboxDir)
  const services = await createServices(config, opts.clock)
  let app: FastifyInstance
  try {
    app = await buildApp(services, { logger: opts.logger, logStream: opts.logStream })
  } catch (err) {
    await services.close()
    throw err
  }
  services.database.attachLog(app.log)
  services.deviceWatch.attachLog(app.log)
  let ingest: { close(): Promise<void> }
  let mqttUrl: string
  let lease: InstanceLease | undefined
  let dynsec: DynsecDeviceSync | undefined
  let deviceEdge: FastifyInstance | undefined
  let dahua: DahuaClients | undefined
  let hikvision: HikvisionPollers | undefined
  let deviceUrl = ''
  /** How the service publishes to a device (backfill commands): the embedded broker, or the external one's first connection. */
  let publishToDevice: (topic: string, payload: string) => Promise<void> = () => Promise.reject(new Error('no broker'))
  // EMQX asks this service's own HTTP endpoints (routes/mqtt-auth.ts) whether the service itself may connect and
  // subscribe: with them on, HTTP listens before the subscribers connect.
  const listenFirst = config.mqttUrl !== undefined && config.mqttHttpAuthSecret !== undefined
  try {
    if (listenFirst) await app.listen({ host: config.host, port: config.httpPort })
    if (config.mqttUrl) {
      // Sessions on an external broker are named after the instance: one process per name, checked before connecting.
      lease = new InstanceLease(services.db, services.clock, `${config.mqttGroup}/${config.mqttInstance}`)
      await lease.acquire()
      const subscriber = await startExternalSubscriber(services.inbox, {
        url: config.mqttUrl,
        group: config.mqttGroup,
        instance: config.mqttInstance,
        connections: config.mqttSubscribers,
        username: config.mqttUsername,
        password: config.mqttPassword,
      })
      ingest = subscriber
      publishToDevice = (topic, payload) => subscriber.publish(topic, payload)
      if (config.mqttDynsec) {
        // Mosquitto's dynamic-security clients follow the roster's device credentials (reconciled now, then each change).
        dynsec = await startDynsecSync({
          url: config.mqttUrl,
          clientId: `${config.mqttGroup}-${config.mqttInstance}-dynsec`,
          username: config.mqttUsername ?? '',
          password: config.mqttPassword,
          group: config.mqttGroup,
          db: services.db,
          log: app.log,
          onDeviceCredential: (listener) => services.access.onDeviceCredential(listener),
        }).catch(async (err: unknown) => {
          await subscriber.close()
          throw err
        })
      }
      services.broker = { kind: 'external', connected: () => subscriber.connections() > 0, connections: () => subscriber.connections() }
      mqttUrl = config.mqttUrl
    } else {
      const broker = await startEmbeddedBroker(services.inbox, {
        host: config.mqttHost,
        port: config.mqttPort,
        onOversized: (info) => app.log.warn({ code: 'mqtt_packet_too_large', ...info }, 'MQTT packet over the limit: connection closed before its body was read'),
        devices: deviceGate(services.access, services.roster),
        onRefused: (r) => services.metrics.mqttRefused.inc({ stage: r.stage, reason: r.reason }),
        log: app.log,
        contacts: services.deviceWatch.contacts,
      })
      let open = true
      services.broker = { kind: 'embedded', connected: () => open, connections: () => broker.connections() }
      ingest = { close: () => ((open = false), broker.close()) }
      publishToDevice = (topic, payload) => broker.publish(topic, payload)
      mqttUrl = `mqtt://${config.mqttHost}:${broker.port}`
    }
    if (!listenFirst) await app.listen({ host: config.host, port: config.httpPort })
    const deviceIgnored = new Counter({ name: 'wl_device_http_ignored_total', help: 'Device records acknowledged without storing anything (not punches), by family and table or event kind', labelNames: ['family', 'table'], registers: [services.metrics.registry] })
    deviceEdge = await buildDeviceEdge({
      inbox: services.inbox,
      lookups: services.lookups,
      contacts: services.deviceWatch.contacts,
      requests: new Counter({ name: 'wl_device_http_requests_total', help: 'Requests to the HTTP device edge, by family and outcome (stored, refused: some record kept in rejected inputs, ignored: not punches, unavailable: nothing committed, 503)', labelNames: ['family', 'outcome'], registers: [services.metrics.registry] }),
      ignored: deviceIgnored,
      commands: {
        handOut: async (serial) => services.backfills.handOut(serial, 'adms_data_query'),
        answer: (serial, commandNo, returnCode, cmd) => services.backfills.answer(serial, commandNo, returnCode, `CMD=${cmd}`),
      },
    })
    await deviceEdge.listen({ host: config.host, port: config.deviceHttpPort })
    deviceUrl = `http://${config.host}:${(deviceEdge.server.address() as AddressInfo).port}`
    // Dahua terminals do not push: the service attaches to each registered one's event stream (settings.connect).
    dahua = await startDahuaClients({ inbox: services.inbox, lookups: services.lookups, listDevices: () => registeredDahuaDevices(services.roster), env: process.env, log: app.log, ignored: deviceIgnored, contacts: services.deviceWatch.contacts })
    // Hikvision terminals push, but what they wrote while the service or the network was down is only in their event
    // log: a device registered with settings.connect is searched from the last serialNo stored.
    hikvision = await startHikvisionPollers({
      inbox: services.inbox,
      lookups: services.lookups,
      listDevices: () => registeredHikvisionPollDevices(services.roster),
      env: process.env,
      log: app.log,
      ignored: deviceIgnored,
      contacts: services.deviceWatch.contacts,
      lastSerialNo: async (serial) => {
        const d = await services.lookups.device(serial)
        return d ? services.punches.lastRecordNumberOfDevice(d.projectId, d.id, serial) : undefined
      },
      backfills: {
        handOut: (serial) => services.backfills.handOut(serial, 'isapi_search'),
        answer: (serial, commandNo, returnCode, detail) => services.backfills.answer(serial, commandNo, returnCode, detail),
      },
    })
  } catch (err) {
    await hikvision?.close()
    await dahua?.close()
    await deviceEdge?.close()
    await app.close()
    await services.close()
    throw err
  }
  const { port } = app.server.address() as AddressInfo
  // Adjustments are made right after each commit; the sweep repairs what that step missed (an error, a month another
  // instance confirmed a moment before), and each listener error is logged.
  let listenerErrors = 0
  const sweep = async (): Promise<void> => {
    try {
      if (services.inbox.stats.listenerErrors > listenerErrors) {
        app.log.error({ err: services.inbox.lastListenerError, count: services.inbox.stats.listenerErrors - listenerErrors }, 'after-commit step failed; the sweep repairs adjustments')
        listenerErrors = services.inbox.stats.listenerErrors
      }
      const made = await services.timesheets.sweep()
      if (made > 0) app.log.warn({ made }, 'sweep made adjustments the after-commit step had missed')
    } catch (err) {
      const fault = dbFaultOf(err)
      if (fault) services.database.faulted('sweep', fault)
      else app.log.error({ err }, 'timesheet sweep failed')
    }
  }
  const every: typeof everyUnlessRunning = opts.periodicRounds === false ? () => ({ stop: () => {} }) : everyUnlessRunning
  const sweeper = every(SWEEP_INTERVAL_MS, sweep)
  // Upstream reporting, when a province is configured: the senders' passes and the sweep (src/upstream/runner.ts).
  services.upstream.runner.start(app.log)
  // The cases' clocks (7 days unhandled, 15 unresolved): every instance checks, each escalation is appended once.
  // First the reconciliation clock: the months whose flags the date alone changes, run once a day (PayoutService.runClock).
  // Worker complaints made before complaint clues existed become clues at the first tick (later ones do in their own transaction).
  let complaintsCaughtUp = false
  const caseClock = every(CASE_CLOCK_INTERVAL_MS, async () => {
    try {
      const runs = await services.payouts.runClock()
      if (runs > 0) app.log.info({ runs }, 'months reconciled by the clock')
      const escalated = await services.cases.tick()
      if (escalated > 0) app.log.info({ escalated }, 'flag cases escalated')
      if (!complaintsCaughtUp) {
        const made = await services.clues.catchUpComplaints()
        complaintsCaughtUp = true
        if (made > 0) app.log.info({ made }, 'worker complaints caught up as clues')
      }
      // Complaint clues past their 7- or 15-day clocks, and credit records whose term ended (src/risk): once each.
      const clues = await services.clues.tick()
      if (clues > 0) app.log.info({ escalated: clues }, 'complaint clues escalated')
      const expired = await services.credit.expire()
      if (expired > 0) app.log.info({ expired }, 'credit records expired')
    } catch (err) {
      const fault = dbFaultOf(err)
      if (fault) services.database.faulted('sweep', fault)
      else app.log.error({ err }, 'case clock failed')
    }
  })
  // Case notifications: every instance delivers; a claim row per (delivery, attempt) keeps each attempt to one sender.
  const deliveries = new Counter({ name: 'wl_webhook_deliveries_total', help: 'Webhook delivery attempts, by outcome (delivered; failed: a retry is scheduled; gave_up)', labelNames: ['outcome'], registers: [services.metrics.registry] })
  services.webhooks.onAttempt((outcome) => deliveries.inc({ outcome }))
  const deliverer = every(WEBHOOK_INTERVAL_MS, async () => {
    try {
      await services.webhooks.deliverDue()
    } catch (err) {
      const fault = dbFaultOf(err)
      if (fault) services.database.faulted('sweep', fault)
      else app.log.error({ err }, 'webhook deliverer failed')
    }
  })
  // The gap watch: numbered devices' missing records, and ZKTeco terminals' previous day, asked for again
  // (src/punches/backfill-service.ts); the MQTT requests are published here, by whichever instance claims each. A
  // publish that fails leaves its request to expire.
  const backfillCounter = new Counter({ name: 'wl_device_backfills_total', help: 'Backfill requests (devices asked to send a gap or window again), by kind and outcome (requested, filled, expired)', labelNames: ['kind', 'outcome'], registers: [services.metrics.registry] })
  services.backfills.onOutcome((outcome, kind) => backfillCounter.inc({ kind, outcome }))
  const backfillRound = async (): Promise<void> => {
    try {
      const r = await services.backfills.watch()
      if (r.requested + r.filled + r.expired > 0) app.log.info({ code: 'device_backfills', ...r }, 'gap watch: backfills asked for and closed')
      for (const b of await services.backfills.handOutMqtt()) {
        const device = await services.lookups.device(b.deviceSerial)
        if (device) await publishToDevice(commandTopic(device.siteCode, b.deviceSerial), b.command).catch((err: unknown) => app.log.warn({ err, serial: b.deviceSerial }, 'backfill command not published; it expires and is asked again'))
      }
    } catch (err) {
      const fault = dbFaultOf(err)
      if (fault) services.database.faulted('sweep', fault)
      else app.log.error({ err }, 'gap watch failed')
    }
  }
  const gapWatch = every(config.backfillWatchMs, backfillRound)
  // Devices that go quiet: every instance watches; each incident's opening and closing is appended once (DeviceWatchService).
  const deviceWatcher = every(DEVICE_WATCH_INTERVAL_MS, async () => {
    try {
      await services.deviceWatch.watch()
    } catch (err) {
      const fault = dbFaultOf(err)
      if (fault) services.database.faulted('sweep', fault)
      else app.log.error({ err }, 'device watch failed')
    }
  })
  // Database faults met by the inbox are logged by the database watch (inbox.onBatch → database.faulted).
  services.inbox.onFrameFailed((err, topic) => app.log.error({ code: 'ingest_frame_failed', err, topic }, 'a frame made ingest fail; it is kept as rejected input ingest_failed'))
  let closing: Promise<void> | undefined
  const prober = everyUnlessRunning(PROBE_INTERVAL_MS, async () => {
    try {
      await services.database.probe()
      if (lease && !services.database.fault && !closing && !(await lease.renew())) {
        // Another process took the name while this one stalled past the lease: stop taking frames under it at once.
        app.log.fatal({ code: 'instance_lease_lost', instance: lease.instance }, 'another process holds this MQTT_INSTANCE now; shutting down')
        opts.onLeaseLost?.()
      }
    } catch (err) {
      app.log.error({ err }, 'database probe failed')
    }
  })
  // The bureau overview's snapshots (src/oversight/snapshots.ts): every scope this instance holds, recomputed off the
  // request path; each instance refreshes its own.
  const overviewRefresher = every(OVERVIEW_REFRESH_MS, async () => {
    try {
      await services.oversight.snapshots.refresh()
    } catch (err) {
      if (closing) return
      const fault = dbFaultOf(err)
      if (fault) services.database.faulted('sweep', fault)
      else app.log.error({ err }, 'overview refresh failed; the previous snapshots are kept')
    }
  })
  // The monthly risk index (src/risk/risk-runs.ts): the previous month once, on the 1st to 3rd, by whichever instance
  // comes first (the others find its run under the lock). Outside those days a check is a date comparison.
  let riskRunning: Promise<void> = Promise.resolve()
  const riskTimer = every(RISK_RUN_CHECK_MS, async () => {
    if (closing) return
    riskRunning = (async () => {
      try {
        const run = await services.riskRuns.runIfDue()
        if (run) app.log.info({ code: 'risk_index_run', month: run.month, projects: run.projectCount, employers: run.employerCount }, 'monthly risk index run')
      } catch (err) {
        const fault = dbFaultOf(err)
        if (fault) services.database.faulted('sweep', fault)
        else app.log.error({ err }, 'monthly risk index run failed; the next check tries again')
      }
    })()
    await riskRunning
  })
  // Bank files dropped in the watched folder are posted as uploads are: started once the service is up, like any client.
  let payoutInbox: PayoutInboxFolder | undefined
  if (config.payoutInboxDir !== undefined) {
    const files = new Counter({ name: 'wl_payout_inbox_files_total', help: 'Files taken from the payout inbox folder, by outcome (done, rejected, error: left in place and tried again)', labelNames: ['outcome'], registers: [services.metrics.registry] })
    payoutInbox = new PayoutInboxFolder({
      root: config.payoutInboxDir,
      pollMs: config.payoutInboxPollMs,
      settleMs: config.payoutInboxSettleMs,
      payouts: services.payouts,
      log: app.log,
      onFile: (outcome) => files.inc({ outcome }),
    })
    payoutInbox.start()
  }
  return {
    app,
    services,
    httpUrl: `http://${config.host}:${port}`,
    mqttUrl,
    deviceUrl,
    payoutInbox,
    backfillRound,
    async connectDevices() {
      // Both exist once startServer has returned.
      await Promise.all([dahua?.refresh(), hikvision?.pollNow()])
    },
    close() {
      closing ??= (async () => {
        // Stop intake first (the folder finishes the file in hand), let the inbox commit what it holds, then close the database.
        await payoutInbox?.stop()
        sweeper.stop()
        await services.upstream.runner.close()
        caseClock.stop()
        gapWatch.stop()
        deliverer.stop()
        deviceWatcher.stop()
        overviewRefresher.stop()
        riskTimer.stop()
        await riskRunning
        await services.webhooks.stop()
        prober.stop()
        await dynsec?.close()
        await hikvision?.close()
        await dahua?.close()
        await deviceEdge?.close()
        await ingest.close()
        // Let the inbox commit what it holds; if the database is failing, what it holds stays unacknowledged
        // (the devices and the broker keep it) rather than holding the shutdown forever.
        while (services.inbox.pending > 0 && !services.inbox.failing) await new Promise((r) => setImmediate(r))
        await app.close()
        await lease?.release().catch(() => {})
        await services.close()
      })()
      return closing
    },
  }
}

async function main(): Promise<void> {
  // A file-size limit (ulimit -f) sends SIGXFSZ on the write that passes it. Node ignores it and the write fails with
  // EFBIG, which the inbox treats as a full disk (retry, /ready, the log); a module that installs exit hooks for every
  // signal (signal-exit) would instead re-raise it and end the process without a word. Keep it a reported fault.
  process.on('SIGXFSZ', () => {})
  const config = loadConfig()
  const server: RunningServer = await startServer(config, {
    // Exit code 3: a supervisor restarting it finds the name held and gets the reason at start.
    onLeaseLost: () => void server.close().finally(() => process.exit(3)),
  })
  server.app.log.info(`wage-ledger: HTTP ${server.httpUrl} (API docs ${server.httpUrl}/docs), MQTT ${server.mqttUrl}, database ${server.services.db.description}`)
  const stop = (signal: string) => {
    server.app.log.info(`${signal}: closing`)
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    // A misconfiguration the operator fixes: the reason alone, no stack.
    if (err instanceof InstanceNameTakenError) {
      console.error(`wage-ledger: ${err.message}`)
      process.exit(2)
    }
    console.error(err)
    process.exit(1)
  })
}
