/** Nothing dev-only reaches a production build of the demo: no dev-token route, no secret. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { build } from 'vite'

t.test('the production bundle has no dev-token route and no JWT secret', async (t) => {
  const demoRoot = fileURLToPath(new URL('../../../web-client/demo', import.meta.url))
  const outDir = mkdtempSync(join(tmpdir(), 'hoist-demo-build-'))
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }))
  process.env.JWT_SECRET = 'this-secret-must-not-be-bundled-0123456789'
  await build({
    configFile: join(demoRoot, 'vite.config.ts'),
    root: demoRoot,
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  })
  const bundle = readdirSync(join(outDir, 'assets'))
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(outDir, 'assets', file), 'utf8'))
    .join('\n')
  t.ok(bundle.length > 1000, 'a bundle was built')
  t.notMatch(bundle, /__hoist\/dev-token/)
  t.notMatch(bundle, /this-secret-must-not-be-bundled/)
  t.match(bundle, /hoist-demo-token/, 'the production path (paste a token) is there')
  const html = readFileSync(join(outDir, 'index.html'), 'utf8')
  t.match(html, /<meta name="referrer" content="no-referrer"/)
})
