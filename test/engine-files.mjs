// The test files whose outcome depends on the database engine, for the PostgreSQL pass of `npm test`
// (`tap $(node test/engine-files.mjs)`). A file is one when it, or a test helper it imports (followed through
// test/), imports the engine switch (test/helpers/database.ts) or any part of the service that opens a database
// (src/db, src/services, src/server, src/app). The other files are pure (parsers, rules, property tests): they run
// once, in the SQLite pass, because a second run on the same bytes proves nothing about PostgreSQL.
// Plain JavaScript, run by node itself: it must work before anything is compiled.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ENGINE_SWITCH = resolve(root, 'test/helpers/database.ts')
const OPENS_A_DATABASE = /^src\/(db\/|services\.ts$|server\.ts$|app\.ts$)/
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm

const memo = new Map()
function touchesEngine(file, seen = new Set()) {
  if (memo.has(file)) return memo.get(file)
  if (seen.has(file)) return false
  seen.add(file)
  let found = false
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = resolve(dirname(file), spec)
    const rel = relative(root, target)
    if (target === ENGINE_SWITCH || OPENS_A_DATABASE.test(rel)) found = true
    else if (rel.startsWith('test/') && rel.endsWith('.ts')) found = touchesEngine(target, seen)
    if (found) break
  }
  memo.set(file, found)
  return found
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  )
}

const files = testFiles(join(root, 'test')).sort()
// Browser tests (*.browser.test.ts) drive pages whose data path the pages' HTTP tests already check on both engines;
// what they add (layout, print, keyboard, accessibility, the browser's own behaviour) does not depend on the engine,
// so they run once, in the SQLite pass, like the pure files.
const BROWSER = /\.browser\.test\.ts$/
const engine = files.filter((f) => !BROWSER.test(f) && touchesEngine(f))
process.stderr.write(`engine-files: ${engine.length} of ${files.length} test files depend on the engine; the other ${files.length - engine.length} (pure, or browser tests) ran in the SQLite pass\n`)
process.stdout.write(engine.map((f) => relative(process.cwd(), f)).join('\n') + '\n')
