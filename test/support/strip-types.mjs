/**
 * Runs the repository's TypeScript on Node.js's own type stripping, for the processes the tests start (each test
 * file, and the APIs and `hoist` commands they start from source): `node --import ./test/support/strip-types.mjs`.
 *
 * Why not tsx, which `npm run dev` and the scripts use: its hooks run on a separate thread and see every module,
 * node_modules included, so a test file spent ~1 s of CPU loading tap alone (0.3 s here), and a typical unit test file
 * ~2.1 s (1.4 s here). With ~130 test files and dozens of API processes per run, that was most of the suite's CPU.
 *
 * What it does: a relative `./x.js` that does not exist resolves to `./x.ts` (the imports are written for the
 * compiled output, as NodeNext wants), and .ts files are stripped of their types (`transform` mode also turns
 * parameter properties and enums into JavaScript; an inline source map keeps stack traces pointing at the .ts lines
 * under --enable-source-maps, which tap sets). .tsx is not handled: no test runs JSX in Node.js.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { registerHooks, stripTypeScriptTypes } from 'node:module'
import { fileURLToPath } from 'node:url'

/**
 * Stripped sources, kept by the hash of the file's URL, its text and this Node.js version: each test process used to
 * strip every file it loaded again (~0.6 s of CPU for an API's imports, a third of its start), the same files in
 * every process. A changed file has a new hash, so nothing stale is ever read. Written to a temporary name and renamed,
 * so a process reading a file another is writing never sees half of it.
 */
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/hoist-strip-types/', import.meta.url))
mkdirSync(CACHE_DIR, { recursive: true })

let stripperLoaded = false
function strip(text, url) {
  if (!stripperLoaded) {
    // Its first use warns that stripTypeScriptTypes is experimental, on stderr of every process: once, here, unheard.
    const emitWarning = process.emitWarning
    process.emitWarning = () => undefined
    stripTypeScriptTypes('')
    process.emitWarning = emitWarning
    stripperLoaded = true
  }
  return stripTypeScriptTypes(text, { mode: 'transform', sourceMap: true, sourceUrl: url })
}

function stripped(url) {
  const text = readFileSync(new URL(url), 'utf8')
  const key = createHash('sha256').update(`${process.version}\0${url}\0`).update(text).digest('hex')
  const cached = `${CACHE_DIR}${key}.js`
  try {
    return readFileSync(cached, 'utf8')
  } catch {
    const source = strip(text, url)
    const partial = `${cached}.${process.pid}.tmp`
    writeFileSync(partial, source)
    renameSync(partial, cached)
    return source
  }
}

const TYPESCRIPT = /\.[cm]?ts$/
const COMPILED_NAME = /\.([cm]?)js$/

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relative = specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !relative || !COMPILED_NAME.test(specifier)) throw error
      return nextResolve(specifier.replace(COMPILED_NAME, '.$1ts'), context)
    }
  },
  load(url, context, nextLoad) {
    if (!url.startsWith('file:') || !TYPESCRIPT.test(url)) return nextLoad(url, context)
    return { format: url.endsWith('.cts') ? 'commonjs' : 'module', source: stripped(url), shortCircuit: true }
  },
})
