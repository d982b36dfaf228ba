/**
 * Paging (分页) for every listing that grows with the data: a page holds at most LIMITS.page_size_max rows, and a full
 * page points to the next one. Lists keep their JSON arrays; the way on is the `Link: <…>; rel="next"` header
 * (RFC 8288), or a `next` cursor in the body where the reply is an object. Cursors are keyset positions (the last row's
 * id, or its sort key), never offsets: rows that arrive while a client walks a list neither repeat nor go missing.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'

/**
 * Sets `Link: <…>; rel="next"` (the same request with `param` set to `cursor`) when more rows follow: callers read one
 * row beyond the page to know, so the last page has no link, as in the roster's lists.
 */
export function linkNext(req: FastifyRequest, reply: FastifyReply, limit: number, param: string, cursor: string | number | undefined): void {
  if (cursor === undefined) return
  const url = new URL(req.url, 'http://service.invalid')
  url.searchParams.set(param, String(cursor))
  url.searchParams.set('limit', String(limit))
  void reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
}

/** The page of rows read with one row to spare (limit + 1), and the cursor of its last row when more follow. */
export function pageOf<T, C>(rows: T[], limit: number, cursorOf: (row: T) => C): { page: T[]; next: C | undefined } {
  const page = rows.slice(0, limit)
  const last = page[page.length - 1]
  return { page, next: rows.length > limit && last !== undefined ? cursorOf(last) : undefined }
}

/** An opaque cursor over a sort key of several fields (computed lists without a stable id). */
export function encodeCursor(key: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url')
}

/**
 * The sort key a cursor names, or undefined when it is not one of ours (the caller answers 400). Every key we make
 * holds text and whole numbers (times, line numbers, points): a fraction or a number past 2^53 is refused here, where
 * PostgreSQL would otherwise refuse it bound to an integer column, as a 500.
 */
export function decodeCursor(cursor: string): Array<string | number> | undefined {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(key) && key.every((k): k is string | number => typeof k === 'string' || (typeof k === 'number' && Number.isSafeInteger(k)))) return key
  } catch {
    // falls through: not a cursor
  }
  return undefined
}

/** Compares two sort keys field by field (numbers as numbers, text by code unit). */
export function compareKeys(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (x === y) continue
    if (x === undefined) return -1
    if (y === undefined) return 1
    if (typeof x === 'number' && typeof y === 'number') return x - y
    return String(x) < String(y) ? -1 : 1
  }
  return 0
}

/** The page of `items` (already sorted by `keyOf`) after the cursor, and the cursor of its last row. */
export function pageAfter<T>(items: readonly T[], keyOf: (item: T) => Array<string | number>, after: Array<string | number> | undefined, limit: number): { page: T[]; next: string | undefined } {
  const start = after === undefined ? 0 : items.findIndex((i) => compareKeys(keyOf(i), after) > 0)
  return pageOf(start < 0 ? [] : items.slice(start, start + limit + 1), limit, (i) => encodeCursor(keyOf(i)))
}
