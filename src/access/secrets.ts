/**
 * Secrets and their hashes. Passwords, chosen by people, are hashed with
 * argon2id (slow on purpose). Tokens, API keys and device secrets are made
 * here from 256 random bits, so a fast SHA-256 is enough to keep them from
 * being usable if the database leaks, and lets every request be checked
 * without spending 50 ms of CPU on it.
 */
import { hash, verify } from '@node-rs/argon2'
import crypto, { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** OWASP's argon2id floor (19 MiB, 2 passes, 1 lane): about 50 ms a hash on one core here. */
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const ARGON2 = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2)

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password)
  } catch {
    return false
  }
}

/** A hash to verify against when the login does not exist, so that a wrong login takes as long as a wrong password. */
let decoy: Promise<string> | undefined
export const decoyHash = (): Promise<string> => (decoy ??= hashPassword(randomBytes(16).toString('hex')))

// crypto.hash (Node 20.12+) hashes in one call, a quarter of createHash's cost: every request hashes its token.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash
export const sha256 = (s: string): string => (oneShot ? oneShot('sha256', s, 'hex') : createHash('sha256').update(s).digest('hex'))

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && timingSafeEqual(x, y)
}

const random = (bytes: number): string => randomBytes(bytes).toString('base64url')

/**
 * Kinds of secret, told apart by a prefix so a leaked one is recognisable (secret scanners, logs): `wls_` a session
 * token, `wlk_<prefix>_<secret>` an API key (the prefix is stored and shown), `wld_` a device secret.
 */
export const newSessionToken = (): string => `wls_${random(32)}`

export function newApiKey(): { key: string; prefix: string } {
  const prefix = `wlk_${randomBytes(5).toString('hex')}`
  return { key: `${prefix}_${random(32)}`, prefix }
}

/** The stored prefix of an API key as presented, or undefined when it is not shaped like one. */
export function apiKeyPrefix(key: string): string | undefined {
  return /^(wlk_[0-9a-f]{10})_[A-Za-z0-9_-]{43}$/.exec(key)?.[1]
}

export const newDeviceSecret = (): string => `wld_${random(24)}`
