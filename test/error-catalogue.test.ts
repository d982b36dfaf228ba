/** Every error code a caller can receive is documented in the README, and the README documents no code that does not exist. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { ERRORS } from '../src/kernel/errors.ts'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const section = readme.slice(readme.indexOf('## Error codes'))
const documented = new Set([...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]))

t.test('catalogue and README agree', async (t) => {
  for (const code of Object.keys(ERRORS)) t.ok(documented.has(code), `${code} is documented`)
  for (const code of documented) t.ok(code! in ERRORS, `${code} exists`)
})
