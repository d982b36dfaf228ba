/**
 * A browser's requests to the pages, over plain HTTP, for the pages' HTTP tests: sign in with the form and keep the
 * session cookie, open a page, post a form. Redirects are not followed, so a test sees the 303 and where it leads.
 */
import { PASSWORD } from './site.ts'

export interface Page {
  status: number
  headers: Headers
  location: string | null
  text: string
}

async function pageOf(res: Response): Promise<Page> {
  return { status: res.status, headers: res.headers, location: res.headers.get('location'), text: await res.text() }
}

/** Signs in with the pages' form; the session cookie (`wl_session=…`) to send with the next requests. */
export async function signIn(base: string, login: string, password = PASSWORD): Promise<string> {
  const res = await fetch(`${base}/pages/sign-in`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html' }, body: new URLSearchParams({ login, password }) })
  const m = /^(wl_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')
  if (!m?.[1]) throw new Error(`sign-in of ${login} failed: ${res.status}`)
  return m[1]
}

/** A page as a browser's navigation asks for it (a script that does not ask for HTML gets the API's JSON errors). */
export async function getPage(base: string, path: string, cookie?: string, headers: Record<string, string> = {}): Promise<Page> {
  return pageOf(await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html,*/*;q=0.8', ...headers, ...(cookie ? { cookie } : {}) } }))
}

/** A form posted as a browser posts it (application/x-www-form-urlencoded). */
export async function postForm(base: string, path: string, cookie: string, form: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Page> {
  return pageOf(await fetch(base + path, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie, ...headers }, body: new URLSearchParams(form) }))
}
