/**
 * Service configuration from the environment. Everything has a default that
 * runs on one machine with no setup: SQLite file under ./data, embedded broker.
 */
import { DEFAULT_TIME_ZONE } from '../kernel/time.ts'

export interface Config {
  /** HTTP listen address. */
  host: string
  httpPort: number
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
  defaultTimeZone: string
  logLevel: string
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative whole number, got "${raw}"`)
  return n
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    host: env.HOST ?? '127.0.0.1',
    httpPort: intFrom(env, 'PORT', 3000),
    databaseUrl: env.DATABASE_URL ?? `file:${env.DATA_DIR ?? './data'}/wage-ledger.db`,
    mqttUrl: env.MQTT_URL || undefined,
    mqttPort: intFrom(env, 'MQTT_PORT', 1883),
    mqttHost: env.MQTT_HOST ?? '127.0.0.1',
    mqttGroup: env.MQTT_GROUP ?? 'wage-ledger',
    mqttInstance: env.MQTT_INSTANCE ?? 'main',
    mqttSubscribers: Math.max(1, intFrom(env, 'MQTT_SUBSCRIBERS', 4)),
    defaultTimeZone: env.TIME_ZONE ?? DEFAULT_TIME_ZONE,
    logLevel: env.LOG_LEVEL ?? 'info',
  }
}
