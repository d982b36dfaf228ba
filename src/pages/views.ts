/**
 * Templates for people's pages: Eta, with every `<%= %>` escaped (autoEscape, Eta's default, stated here so no one
 * turns it off by accident). Raw output (`<%~ %>`) is for markup the service made itself (a QR code's SVG, the
 * layout's body), never for a value from the ledger or the request.
 *
 * Eta is used directly rather than through @fastify/view: its own layouts are all the pages need, templates are
 * compiled once and cached, and each page's data has a type at the call site.
 */
import { fileURLToPath } from 'node:url'
import { Eta } from 'eta'
import type { FastifyReply } from 'fastify'

const eta = new Eta({
  views: fileURLToPath(new URL('./templates', import.meta.url)),
  autoEscape: true,
  cache: true,
  // Trailing newlines after tags go; the markup stays as written otherwise (so a diff of a page reads).
  autoTrim: [false, 'nl'],
})

/** What every page's layout reads (templates/layout.eta). */
export interface LayoutData {
  /** The document's <title>, also the page's one <h1> unless the page writes its own. */
  title: string
  /** Who is signed in, shown with a sign-out button; undefined on public pages. */
  signedIn?: { label: string; roleName: string }
  /** `body` classes: `kiosk` (full screen, no header), `paper-a3` (printed on A3). */
  bodyClass?: string
  /** Stylesheets after pages.css, by asset name (print-a3.css). */
  stylesheets?: string[]
  /** Where the header's name leads and where signing out posts: a worker's own page has its own (default /pages/…). */
  homeUrl?: string
  signOutUrl?: string
  /** Scripts after htmx and pages.js, by asset name (echarts.min.js), deferred. */
  scripts?: string[]
}

export function render<T extends LayoutData>(template: string, data: T): string {
  return eta.render(template, data)
}

/** Headers every page carries: everything is served by the service itself, so nothing else may load or frame it. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  // A page carries a signed-in person's data: a shared computer's back button must not show it after sign-out.
  'cache-control': 'no-store',
} as const

export function sendPage<T extends LayoutData>(reply: FastifyReply, status: number, template: string, data: T): FastifyReply {
  return reply.status(status).headers(PAGE_HEADERS).send(render(template, data))
}

/** Role names as people read them on a page. */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  admin: '平台管理员',
  labour_manager: '劳资专管员',
  team_manager: '班组长',
  bank: '代发银行',
  auditor: '监管人员',
  worker: '工人',
}
