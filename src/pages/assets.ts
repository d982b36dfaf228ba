/**
 * The pages' static files, served by the service itself: site networks are often cut off from the internet, so no
 * page may depend on a CDN. A fixed list, read once at start (about a MiB, most of it ECharts), each answered with its ETag and
 * revalidated by the browser on every use: a new release's CSS or htmx reaches every open page without a stale cache.
 * A fixed list rather than a folder served whole: nothing can be asked for that is not named here.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'

const require = createRequire(import.meta.url)

interface Asset {
  body: Buffer
  type: string
  etag: string
}

function asset(path: string, type: string): Asset {
  const body = readFileSync(path)
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

/** URL name → file. htmx (BSD-0-Clause) and Apache ECharts (Apache-2.0) from their npm packages, as published. */
function loadAssets(): ReadonlyMap<string, Asset> {
  return new Map([
    ['pages.css', asset(fileURLToPath(new URL('./assets/pages.css', import.meta.url)), 'text/css; charset=utf-8')],
    ['print-a3.css', asset(fileURLToPath(new URL('./assets/print-a3.css', import.meta.url)), 'text/css; charset=utf-8')],
    ['worker.css', asset(fileURLToPath(new URL('./assets/worker.css', import.meta.url)), 'text/css; charset=utf-8')],
    ['pages.js', asset(fileURLToPath(new URL('./assets/pages.mjs', import.meta.url)), 'text/javascript; charset=utf-8')],
    ['htmx.min.js', asset(require.resolve('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8')],
    ['echarts.min.js', asset(require.resolve('echarts/dist/echarts.min.js'), 'text/javascript; charset=utf-8')],
    ['oversight.js', asset(fileURLToPath(new URL('./assets/oversight.mjs', import.meta.url)), 'text/javascript; charset=utf-8')],
    ['risk-history.js', asset(fileURLToPath(new URL('./assets/risk-history.mjs', import.meta.url)), 'text/javascript; charset=utf-8')],
    ['desk.css', asset(fileURLToPath(new URL('./assets/desk.css', import.meta.url)), 'text/css; charset=utf-8')],
    ['desk.js', asset(fileURLToPath(new URL('./assets/desk.mjs', import.meta.url)), 'text/javascript; charset=utf-8')],
    ['desk-admin.css', asset(fileURLToPath(new URL('./assets/desk-admin.css', import.meta.url)), 'text/css; charset=utf-8')],
    ['desk-import.js', asset(fileURLToPath(new URL('./assets/desk-import.mjs', import.meta.url)), 'text/javascript; charset=utf-8')],
  ])
}

export const ASSET_PREFIX = '/assets'

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  // One route per file, not a `:name` parameter: the route table (and the access matrix that walks it) lists each.
  for (const [name, a] of loadAssets()) {
    app.get(
      `${ASSET_PREFIX}/${name}`,
      { config: { policy: { public: 'the pages’ stylesheet and scripts: no data' } }, schema: { hide: true } },
      async (req, reply) => {
        void reply.header('etag', a.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff')
        if (req.headers['if-none-match'] === a.etag) return reply.status(304).send()
        return reply.type(a.type).send(a.body)
      },
    )
  }
}
