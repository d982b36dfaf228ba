/**
 * HTTP Digest access authentication, the client's half (RFC 7616), as devices on China's sites ask for it: Dahua and
 * Hikvision answer a request without credentials with 401 and `WWW-Authenticate: Digest realm=…, qop="auth",
 * nonce=…`, and take the request again with an `Authorization: Digest …` computed from the password.
 *
 * Written here rather than taken from a package: the one request that needs it (Dahua's event stream) never ends, and
 * the packages that do digest wrap a whole request-and-body client around it (urllib brings undici 7 beside the undici
 * 6 already installed, and a request timeout meant for answers that end; digest-fetch brings three hash packages for
 * what node:crypto does). What is needed is one pure function from a challenge to a header, checked against RFC 7616
 * §3.9.1's example and against the Dahua simulator.
 *
 * Only MD5 and SHA-256 (with their -sess variants) and qop "auth" or none: what firmware offers. `auth-int` (a digest
 * of the body) has no use for a GET. `userhash` is not supported; a challenge asking for it is answered as if it did
 * not, and the device refuses, which the client reports as a wrong password.
 */
import { createHash, randomBytes } from 'node:crypto'

export interface DigestChallenge {
  realm: string
  nonce: string
  /** `auth` when the server offered it; undefined for RFC 2069's form without qop. */
  qop: 'auth' | undefined
  algorithm: 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess'
  opaque: string | undefined
}

const ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'] as const

/** `key=value` or `key="quoted, value"` pairs of an auth-param list (RFC 9110 §11.2), keys lower-cased. */
function authParams(text: string): Map<string, string> {
  const params = new Map<string, string>()
  const pair = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy
  for (let m = pair.exec(text); m !== null && m[0] !== ''; m = pair.exec(text)) {
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!)
  }
  return params
}

/**
 * The Digest challenge among a 401's WWW-Authenticate values, or undefined when there is none this client can answer
 * (Basic only, an unknown algorithm, qop without "auth").
 */
export function parseDigestChallenge(header: string | readonly string[] | undefined): DigestChallenge | undefined {
  const values = header === undefined ? [] : typeof header === 'string' ? [header] : header
  for (const value of values) {
    const m = /^\s*Digest\s+(.*)$/is.exec(value)
    if (!m) continue
    const params = authParams(m[1]!)
    const realm = params.get('realm')
    const nonce = params.get('nonce')
    if (realm === undefined || nonce === undefined) continue
    const algorithmText = params.get('algorithm') ?? 'MD5'
    const algorithm = ALGORITHMS.find((a) => a.toLowerCase() === algorithmText.toLowerCase())
    if (algorithm === undefined) continue
    const qopText = params.get('qop')
    const qops = qopText === undefined ? [] : qopText.split(',').map((q) => q.trim().toLowerCase())
    if (qopText !== undefined && !qops.includes('auth')) continue
    return { realm, nonce, qop: qopText === undefined ? undefined : 'auth', algorithm, opaque: params.get('opaque') }
  }
  return undefined
}

export interface DigestRequest {
  method: string
  /** The request-target as sent: path and query. */
  uri: string
  username: string
  password: string
  /** The request's count under this nonce, from 1. */
  nc?: number
  /** Made at random when not given; tests give RFC 7616's. */
  cnonce?: string
}

function hashOf(algorithm: DigestChallenge['algorithm']): (text: string) => string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5'
  return (text) => createHash(name).update(text, 'utf8').digest('hex')
}

/** A header value's quoted-string (RFC 9110 §5.6.4). */
const quoted = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`

/** The Authorization header value answering the challenge (RFC 7616 §3.4). */
export function digestAuthorization(challenge: DigestChallenge, request: DigestRequest): string {
  const H = hashOf(challenge.algorithm)
  const nc = (request.nc ?? 1).toString(16).padStart(8, '0')
  const cnonce = request.cnonce ?? randomBytes(16).toString('hex')
  let ha1 = H(`${request.username}:${challenge.realm}:${request.password}`)
  if (challenge.algorithm.endsWith('-sess')) ha1 = H(`${ha1}:${challenge.nonce}:${cnonce}`)
  const ha2 = H(`${request.method}:${request.uri}`)
  const response = challenge.qop === 'auth' ? H(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`) : H(`${ha1}:${challenge.nonce}:${ha2}`)
  const fields = [
    `username=${quoted(request.username)}`,
    `realm=${quoted(challenge.realm)}`,
    `nonce=${quoted(challenge.nonce)}`,
    `uri=${quoted(request.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response=${quoted(response)}`,
    ...(challenge.qop === 'auth' ? [`qop=auth`, `nc=${nc}`, `cnonce=${quoted(cnonce)}`] : []),
    ...(challenge.opaque === undefined ? [] : [`opaque=${quoted(challenge.opaque)}`]),
  ]
  return `Digest ${fields.join(', ')}`
}
