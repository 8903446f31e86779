/** The demo page served by Vite's dev server in this process, pointed at a test API, minting test tokens. */
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { createServer } from 'vite'
import { freePort } from '../../infra/stack/ports.js'
import { TEST_JWT_SECRET } from './tokens.js'

const demoRoot = fileURLToPath(new URL('../../web-client/demo', import.meta.url))

/** Picks the demo's port first: the API must list the demo's origin in CORS_ORIGINS before it starts. */
export async function demoOrigin(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`
}

export async function startDemo(
  t: Test,
  options: { origin: string; apiUrl: string; workspace: string },
): Promise<void> {
  // The dev-token route reads these when a page asks for a token.
  process.env.JWT_SECRET = TEST_JWT_SECRET
  process.env.HOIST_DEV_WORKSPACE = options.workspace
  process.env.VITE_HOIST_API_URL = options.apiUrl
  const port = Number(new URL(options.origin).port)
  const server = await createServer({
    configFile: `${demoRoot}/vite.config.ts`,
    root: demoRoot,
    logLevel: 'warn',
    server: { port, strictPort: true, host: '127.0.0.1' },
  })
  await server.listen()
  t.teardown(() => server.close())
}
