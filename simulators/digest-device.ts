/**
 * The device side of HTTP Digest authentication (RFC 7616 §3.4, MD5, qop auth), as the simulated Dahua and Hikvision
 * terminals check it: each nonce is good for one request. Written apart from the service's client
 * (src/ingest/digest.ts), so that a mistake there is not repeated in the device it is tested against.
 */
import { createHash, randomBytes } from 'node:crypto'

export const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex')

export class DigestDevice {
  private readonly nonces = new Set<string>()

  constructor(
    readonly realm: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  /** A fresh nonce for a 401's challenge. */
  nonce(): string {
    const nonce = randomBytes(16).toString('hex')
    this.nonces.add(nonce)
    return nonce
  }

  authorized(header: string | undefined, method: string, target: string): boolean {
    if (header === undefined || !/^Digest /i.test(header)) return false
    const fields = new Map<string, string>()
    for (const m of header.slice(7).matchAll(/([a-z]+)=(?:"([^"]*)"|([^,\s]*))/gi)) fields.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? '')
    const nonce = fields.get('nonce') ?? ''
    if (!this.nonces.delete(nonce)) return false
    if (fields.get('username') !== this.username || fields.get('realm') !== this.realm || fields.get('uri') !== target || fields.get('qop') !== 'auth') return false
    const ha1 = md5(`${this.username}:${this.realm}:${this.password}`)
    const ha2 = md5(`${method}:${target}`)
    return fields.get('response') === md5(`${ha1}:${nonce}:${fields.get('nc') ?? ''}:${fields.get('cnonce') ?? ''}:auth:${ha2}`)
  }
}
