/**
 * What the upstream (provincial platform) tests share: the platform simulator's test credentials, valid unified social
 * credit codes for the organisations a project needs, and the simulator started on a free port and closed with the test.
 */
import type { Test } from 'tap'
import type { Clock } from '../../src/kernel/time.ts'
import { creditCodeCheckChar } from '../../src/roster/identity.ts'
import { UpstreamPlatform, type UpstreamPlatformOptions } from '../../simulators/upstream-platform.ts'

/** The platform's appid and secret (32 characters: the AES-256 key its records are encrypted with). */
export const APP_ID = '330106202601010001'
export const SECRET = 'Wl0Test5ecret0fThePlatform2026AB'

/** The n-th valid 统一社会信用代码 of a Hangzhou company (GB 32100 check character). */
export function creditCode(n: number): string {
  const first17 = `91330106MA2${String(n).padStart(6, '0')}`
  return first17 + (creditCodeCheckChar(first17) as string)
}

/** The platform simulator on a free port, batches of 10, each answered after one query unless told otherwise. */
export async function startPlatform(t: Test, clock: Clock, opts: Partial<UpstreamPlatformOptions> = {}): Promise<{ platform: UpstreamPlatform; url: string }> {
  const platform = new UpstreamPlatform({ appId: APP_ID, appSecret: SECRET, clock, batchSizeMax: 10, pendingQueries: 1, ...opts })
  const url = await platform.listen()
  t.teardown(() => platform.close())
  return { platform, url }
}
