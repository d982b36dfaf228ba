/**
 * Upstream reporting's configuration (上报配置): per province, the platform's endpoint, credentials, batch size and
 * encryption; per project, whether it reports and under which codes the platform knows it and its subcontractors.
 * Read from the JSON file UPSTREAM_CONFIG_FILE names (credentials do not belong in the environment's listing); unset,
 * nothing is reported and nothing is queued. A project reports when it is listed under `projects` and the province of
 * its region code (行政区划代码: the first two digits) has settings.
 *
 *   {
 *     "provinces": { "33": { "endpoint": "https://…/open.api", "appId": "…", "appSecret": "…", "key": "…",
 *                            "batchSize": 50, "encryption": "cbc", "encoding": "base64", "version": "1.0" } },
 *     "projects": { "<site code>": { "projectCode": "<the platform's project code>",
 *                                    "subcontractors": { "<credit code>": "<6-digit number>" } } },
 *     "passMs": 10000, "pollMs": 10000, "sweepMs": 300000, "watchMs": 60000
 *   }
 *
 * `key` defaults to the app secret (the national scheme); `encryption` cbc or ecb; `iv` only with cbc.
 */
import { readFileSync } from 'node:fs'
import { NATIONAL_METHODS, type PlatformSettings } from '../upstream/protocol.ts'

export interface UpstreamProjectSettings {
  /** The project's code on the platform (项目编码). */
  projectCode: string
  /** The platform's 6-digit number of each subcontractor, by its credit code: payroll codes need it. */
  subcontractors: Readonly<Record<string, string>>
}

export interface UpstreamConfig {
  /** By province code (the region code's first two digits, 33 Zhejiang). */
  provinces: Readonly<Record<string, PlatformSettings>>
  /** By the project's site code. */
  projects: Readonly<Record<string, UpstreamProjectSettings>>
  /** Time between the sender's passes. */
  passMs: number
  /** Time from a batch taken (or answered "pending") to the next question for its verdict (AsyncHandleResult.Query). */
  pollMs: number
  /** Time between sweeps that queue what an after-commit step missed (a correction's punch, a failed step). */
  sweepMs: number
  /** Time between the watches that raise and resolve UPSTREAM_LATE and UPSTREAM_REFUSED. */
  watchMs: number
}

export function provinceOf(regionCode: string): string {
  return regionCode.slice(0, 2)
}

/** The settings a project reports with, or undefined when it does not report. */
export function reportingOf(config: UpstreamConfig | undefined, project: { siteCode: string; regionCode: string }): { platform: PlatformSettings; project: UpstreamProjectSettings; province: string } | undefined {
  if (!config) return undefined
  const p = config.projects[project.siteCode]
  const province = provinceOf(project.regionCode)
  const platform = config.provinces[province]
  return p && platform ? { platform, project: p, province } : undefined
}

function fail(message: string): never {
  throw new Error(`upstream configuration: ${message}`)
}

function str(o: Record<string, unknown>, name: string, where: string, fallback?: string): string {
  const v = o[name]
  if (v === undefined && fallback !== undefined) return fallback
  if (typeof v !== 'string' || v === '') fail(`${where}.${name} must be a non-empty string`)
  return v
}

function int(o: Record<string, unknown>, name: string, where: string, fallback: number, min: number): number {
  const v = o[name]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(`${where}.${name} must be a whole number of at least ${min}`)
  return v
}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${where} must be an object`)
  return v as Record<string, unknown>
}

/** Parses the file's JSON; throws naming the setting that is wrong. */
export function parseUpstreamConfig(json: unknown): UpstreamConfig {
  const root = obj(json, 'the file')
  const provinces: Record<string, PlatformSettings> = {}
  for (const [code, raw] of Object.entries(obj(root.provinces ?? {}, 'provinces'))) {
    const where = `provinces.${code}`
    if (!/^\d{2}$/.test(code)) fail(`${where}: a province is its two-digit code (33 Zhejiang)`)
    const p = obj(raw, where)
    const secret = str(p, 'appSecret', where)
    const mode = str(p, 'encryption', where, 'cbc')
    if (mode !== 'cbc' && mode !== 'ecb') fail(`${where}.encryption must be cbc or ecb`)
    const encoding = str(p, 'encoding', where, 'base64')
    if (encoding !== 'base64' && encoding !== 'hex') fail(`${where}.encoding must be base64 or hex`)
    const key = str(p, 'key', where, secret)
    if (![16, 24, 32].includes(Buffer.byteLength(key))) fail(`${where}.key must be 16, 24 or 32 bytes (AES-128/192/256)`)
    const iv = p.iv === undefined ? undefined : str(p, 'iv', where)
    if (iv !== undefined && (mode !== 'cbc' || Buffer.byteLength(iv) !== 16)) fail(`${where}.iv is 16 bytes, and only with cbc`)
    const endpoint = str(p, 'endpoint', where)
    if (!/^https?:\/\//.test(endpoint)) fail(`${where}.endpoint must be an http(s) address`)
    provinces[code] = {
      endpoint,
      appId: str(p, 'appId', where),
      appSecret: secret,
      version: str(p, 'version', where, '1.0'),
      sign: { lowercase: p.lowercaseSign !== false },
      cipher: { key, mode, encoding, ...(iv === undefined ? {} : { iv }) },
      batchSizeMax: int(p, 'batchSize', where, 50, 1),
      methods: NATIONAL_METHODS,
    }
  }
  const projects: Record<string, UpstreamProjectSettings> = {}
  for (const [siteCode, raw] of Object.entries(obj(root.projects ?? {}, 'projects'))) {
    const where = `projects.${siteCode}`
    const p = obj(raw, where)
    const subcontractors: Record<string, string> = {}
    for (const [credit, no] of Object.entries(obj(p.subcontractors ?? {}, `${where}.subcontractors`))) {
      if (typeof no !== 'string' || !/^\d{6}$/.test(no)) fail(`${where}.subcontractors.${credit} must be the platform's 6-digit number`)
      subcontractors[credit] = no
    }
    projects[siteCode] = { projectCode: str(p, 'projectCode', where, siteCode), subcontractors }
  }
  return { provinces, projects, passMs: int(root, 'passMs', 'the file', 10_000, 100), pollMs: int(root, 'pollMs', 'the file', 10_000, 50), sweepMs: int(root, 'sweepMs', 'the file', 5 * 60_000, 1_000), watchMs: int(root, 'watchMs', 'the file', 60_000, 1_000) }
}

/** UPSTREAM_CONFIG_FILE's settings, or undefined when it is unset. */
export function loadUpstreamConfig(env: NodeJS.ProcessEnv): UpstreamConfig | undefined {
  const path = env.UPSTREAM_CONFIG_FILE
  if (path === undefined || path === '') return undefined
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    fail(`UPSTREAM_CONFIG_FILE cannot be read (${e instanceof Error ? e.message : String(e)})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    fail('UPSTREAM_CONFIG_FILE is not JSON')
  }
  return parseUpstreamConfig(json)
}
