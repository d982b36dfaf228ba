/**
 * A real browser for the pages' tests: playwright-core driving the system's Chromium (Debian's `chromium` package,
 * with `fonts-noto-cjk` so Chinese renders), launched once per test file and closed in its teardown. A test file
 * opens one context per person (its own cookies), never a second browser.
 *
 * Where the browser is: CHROMIUM_PATH, else /usr/bin/chromium. Without one the test fails and says how to install it;
 * it is never skipped (.ci/run installs it).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { tempDir } from '../../helpers/server.ts'

const DEBIAN_CHROMIUM = '/usr/bin/chromium'

const HOW_TO_INSTALL = "Install Debian's: `sudo apt-get install -y chromium fonts-noto-cjk` (.ci/run does this), or set CHROMIUM_PATH to a Chromium or Chrome binary."

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`The pages tests need Chromium, and CHROMIUM_PATH (${fromEnv}) does not exist. ${HOW_TO_INSTALL}`)
    return fromEnv
  }
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM
  throw new Error(`The pages tests need Chromium, and none was found. ${HOW_TO_INSTALL}`)
}

/**
 * Flags for a browser run as root in a container, that talks to nothing but the service under test: no sandbox (it
 * needs user namespaces root does not get), no GPU, no QUIC, no first-run, sync, component or background traffic.
 * playwright gives every launch a fresh, temporary --user-data-dir of its own and removes it on close.
 */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export async function launchBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: FLAGS })
  t.teardown(() => browser.close())
  return browser
}

/**
 * A person's page in a context of its own, signed in by the form over HTTP with the session cookie handed to the
 * browser as a session cookie: the service's clock is fixed in 2026 for the tests, so the cookie's own expiry would be
 * in the browser's past. (The keyboard sign-in itself is the rights board's browser test.) `problems` collects the
 * page's script errors and console errors, for the test to assert none.
 */
export async function signedInPage(
  t: Test,
  browser: Browser,
  base: string,
  who: { login: string; password: string; viewport?: { width: number; height: number } },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: who.viewport ?? { width: 1400, height: 1000 }, locale: 'zh-CN' })
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`)
  })
  const res = await fetch(`${base}/pages/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ login: who.login, password: who.password }) })
  const token = /^wl_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
  if (token === undefined) throw new Error(`${who.login} could not sign in (HTTP ${res.status})`)
  await context.addCookies([{ name: 'wl_session', value: token, url: base }])
  return { context, page, problems }
}

const require = createRequire(import.meta.url)
let axeSource: string | undefined

export interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: Array<{ target: unknown; failureSummary?: string }>
}

/**
 * axe-core's serious and critical violations on the page as it is now (WCAG 2.0/2.1 A and AA rules). axe is put into
 * the page through the DevTools protocol (page.evaluate), which the page's Content-Security-Policy does not govern,
 * so the page is tested as it is served.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => {
    // Runs in the page (the tests' tsconfig has no DOM types): the page's own globals.
    const g = globalThis as unknown as { document: unknown; axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }
    return g.axe.run(g.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
  })
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }))
}

/** docs/screenshots/: the pages as the tests saw them, shown in the README. */
export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../docs/screenshots')

/**
 * Where a test saves a page's screenshot: docs/screenshots/ when WL_SAVE_SCREENSHOTS=1 (to refresh the README's
 * pictures, then commit them), a temporary folder otherwise. Every run takes them (the pages are drawn either way),
 * but an ordinary run does not rewrite committed files: each run's ports and ids differ, so the pictures would too.
 */
export function screenshotPath(t: Test, name: string): string {
  if (process.env.WL_SAVE_SCREENSHOTS === '1') {
    mkdirSync(SCREENSHOT_DIR, { recursive: true })
    return join(SCREENSHOT_DIR, name)
  }
  return join(tempDir(t, 'wl-screenshots-'), name)
}
