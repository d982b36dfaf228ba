/**
 * Service configuration from the environment. Everything has a default that
 * runs on one machine with no setup: SQLite file under ./data, embedded broker.
 */
import { DEFAULT_TIME_ZONE } from '../kernel/time.ts'
import { loadUpstreamConfig, type UpstreamConfig } from './upstream.ts'

export interface Config {
  /** HTTP listen address. */
  host: string
  httpPort: number
  /** The HTTP device edge's port (ZKTeco ADMS, Hikvision ISAPI pushes: src/ingest/device-http.ts), on the same host. */
  deviceHttpPort: number
  /** SQLite: `file:./data/wage-ledger.db`, a path, or `:memory:`. */
  databaseUrl: string
  /** External broker (mqtt://host:port). When unset the service runs its own embedded broker. */
  mqttUrl: string | undefined
  /** Embedded broker listen port (ignored with mqttUrl). */
  mqttPort: number
  mqttHost: string
  /** Client id prefix and shared-subscription group for external brokers; instances of one deployment share it. */
  mqttGroup: string
  /** This instance's name within the group: its subscriber sessions are named after it, so instances never take over each other's sessions. Keep it stable across restarts. */
  mqttInstance: string
  /** Subscriber connections to an external broker; each handles one message at a time, so several keep commits batched. */
  mqttSubscribers: number
  /** The service's own account on an external broker (never logged). */
  mqttUsername: string | undefined
  mqttPassword: string | undefined
  /** Keep Mosquitto's dynamic-security clients in step with the devices' credentials (needs mqttUrl and an account allowed `$CONTROL/dynamic-security/#`). */
  mqttDynsec: boolean
  /** The shared secret EMQX sends (header `x-wl-mqtt-auth-secret`) to the HTTP authentication and authorization endpoints; unset, they do not exist. Never logged. */
  mqttHttpAuthSecret: string | undefined
  defaultTimeZone: string
  logLevel: string
  /** The watched folder for bank result files (`<dir>/<projectId>/<YYYY-MM>/<file>`, src/payouts/inbox-folder.ts); unset, nothing is watched. */
  payoutInboxDir: string | undefined
  /** Time between scans of the watched folder. */
  payoutInboxPollMs: number
  /** How long a file's size and mtime must stay the same before it is read (a file still being uploaded is left alone). */
  payoutInboxSettleMs: number
  /** A device silent longer than this within site hours is offline (an incident opens, src/punches/device-incidents.ts). */
  deviceOfflineAfterMinutes: number
  /** Site hours in each project's zone, whole hours [from, to): silence outside them is not counted. */
  deviceSiteHours: { from: number; to: number }
  /** The gap watch's round (src/punches/backfill-service.ts): how often numbered devices' gaps are looked for and asked for, and ZKTeco sweeps made. */
  backfillWatchMs: number
  /** A backfill not filled this long after it was asked for is expired (and asked again, up to backfillAttemptsMax). */
  backfillExpireMs: number
  backfillAttemptsMax: number
  /**
   * The local hour (each project's zone, 0-23) from which the gap watch asks every ZKTeco terminal for its previous
   * day again: after the day's work and its late pushes are in.
   */
  zktecoSweepHour: number
  /** Upstream reporting (UPSTREAM_CONFIG_FILE, config/upstream.ts); absent, nothing is reported or queued. */
  upstream?: UpstreamConfig
}

function flagFrom(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  throw new Error(`${name} must be 1 or 0, got "${raw}"`)
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative whole number, got "${raw}"`)
  return n
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = intFrom(env, name, fallback)
  if (n > 65_535) throw new Error(`${name} must be a port, 0 to 65535 (0: any free one), got "${env[name]}"`)
  return n
}

/** An IANA zone (Asia/Shanghai): a misspelt one would be refused later, on every project registered without its own. */
function timeZoneFrom(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw })
  } catch {
    throw new Error(`${name} must be an IANA time zone such as Asia/Shanghai, got "${raw}"`)
  }
  return raw
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function logLevelFrom(env: NodeJS.ProcessEnv, name: string): string {
  const raw = env[name]
  if (raw === undefined || raw === '') return 'info'
  if (!LOG_LEVELS.includes(raw)) throw new Error(`${name} must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`)
  return raw
}

/** `DEVICE_SITE_HOURS=6-20`: from and to, whole hours of the project's local day, to exclusive (24: midnight). */
function siteHoursFrom(env: NodeJS.ProcessEnv, name: string, fallback: { from: number; to: number }): { from: number; to: number } {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(raw.trim())
  const from = Number(m?.[1])
  const to = Number(m?.[2])
  if (!m || from > 23 || to > 24 || to <= from) throw new Error(`${name} must be the site hours as FROM-TO, whole hours with FROM < TO ≤ 24 (e.g. 6-20), got "${raw}"`)
  return { from, to }
}

/** A shared secret shorter than this is one a caller could guess. */
const HTTP_AUTH_SECRET_LENGTH_MIN = 24

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Config = {
    host: env.HOST ?? '127.0.0.1',
    httpPort: portFrom(env, 'PORT', 3000),
    deviceHttpPort: portFrom(env, 'DEVICE_HTTP_PORT', 8081),
    databaseUrl: env.DATABASE_URL ?? `file:${env.DATA_DIR ?? './data'}/wage-ledger.db`,
    mqttUrl: env.MQTT_URL || undefined,
    mqttPort: portFrom(env, 'MQTT_PORT', 1883),
    mqttHost: env.MQTT_HOST ?? '127.0.0.1',
    mqttGroup: env.MQTT_GROUP ?? 'wage-ledger',
    mqttInstance: env.MQTT_INSTANCE ?? 'main',
    mqttSubscribers: Math.max(1, intFrom(env, 'MQTT_SUBSCRIBERS', 4)),
    mqttUsername: env.MQTT_USERNAME || undefined,
    mqttPassword: env.MQTT_PASSWORD || undefined,
    mqttDynsec: flagFrom(env, 'MQTT_DYNSEC'),
    mqttHttpAuthSecret: env.MQTT_HTTP_AUTH_SECRET || undefined,
    defaultTimeZone: timeZoneFrom(env, 'TIME_ZONE', DEFAULT_TIME_ZONE),
    logLevel: logLevelFrom(env, 'LOG_LEVEL'),
    payoutInboxDir: env.PAYOUT_INBOX_DIR || undefined,
    payoutInboxPollMs: Math.max(1, intFrom(env, 'PAYOUT_INBOX_POLL_MS', 5_000)),
    payoutInboxSettleMs: intFrom(env, 'PAYOUT_INBOX_SETTLE_MS', 2_000),
    deviceOfflineAfterMinutes: Math.max(1, intFrom(env, 'DEVICE_OFFLINE_AFTER_MINUTES', 60)),
    deviceSiteHours: siteHoursFrom(env, 'DEVICE_SITE_HOURS', { from: 6, to: 20 }),
    backfillWatchMs: Math.max(100, intFrom(env, 'BACKFILL_WATCH_MS', 60_000)),
    backfillExpireMs: Math.max(1_000, intFrom(env, 'BACKFILL_EXPIRE_MS', 30 * 60_000)),
    backfillAttemptsMax: Math.max(1, intFrom(env, 'BACKFILL_ATTEMPTS_MAX', 3)),
    zktecoSweepHour: intFrom(env, 'ZKTECO_SWEEP_HOUR', 2),
    upstream: loadUpstreamConfig(env),
  }
  if (config.zktecoSweepHour > 23) throw new Error(`ZKTECO_SWEEP_HOUR must be a local hour from 0 to 23 (e.g. 2 for 02:00), got "${config.zktecoSweepHour}"`)
  if (config.mqttDynsec && !config.mqttUrl) throw new Error('MQTT_DYNSEC=1 keeps an external Mosquitto in step: it needs MQTT_URL (and MQTT_USERNAME, MQTT_PASSWORD)')
  if (config.mqttDynsec && !config.mqttUsername) throw new Error('MQTT_DYNSEC=1 needs MQTT_USERNAME and MQTT_PASSWORD: the account allowed $CONTROL/dynamic-security/#')
  if (config.mqttHttpAuthSecret !== undefined && config.mqttHttpAuthSecret.length < HTTP_AUTH_SECRET_LENGTH_MIN) {
    throw new Error(`MQTT_HTTP_AUTH_SECRET must have at least ${HTTP_AUTH_SECRET_LENGTH_MIN} characters (e.g. openssl rand -hex 32)`)
  }
  return config
}
