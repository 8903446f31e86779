/**
 * A package's example app (react/example, uppy/example) as a user gets it: a production Vite build, pointed at a
 * test API, served by Vite's preview server on an origin chosen first (the API's CORS_ORIGINS must list it).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { build, preview } from 'vite'

export interface ExampleOptions {
  /** The example's folder, from the repository root: `react/example`. */
  example: string
  origin: string
  apiUrl: string
  /** Read by the example's vite.config.ts at build time (e.g. HOIST_EXAMPLE_REACT=18). */
  buildEnv?: Record<string, string>
}

export async function serveExample(t: Test, options: ExampleOptions): Promise<void> {
  const root = fileURLToPath(new URL(`../../${options.example}`, import.meta.url))
  const outDir = mkdtempSync(join(tmpdir(), 'hoist-example-'))
  t.teardown(() => rmSync(outDir, { recursive: true, force: true }))
  const saved = { ...process.env }
  // Vite reads VITE_* from the environment into import.meta.env; the config reads the rest.
  Object.assign(process.env, { VITE_HOIST_API_URL: options.apiUrl, ...options.buildEnv })
  try {
    await build({
      configFile: join(root, 'vite.config.ts'),
      root,
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    })
  } finally {
    for (const name of ['VITE_HOIST_API_URL', ...Object.keys(options.buildEnv ?? {})]) {
      if (saved[name] === undefined) delete process.env[name]
      else process.env[name] = saved[name]
    }
  }
  const server = await preview({
    configFile: join(root, 'vite.config.ts'),
    root,
    logLevel: 'warn',
    build: { outDir },
    preview: { port: Number(new URL(options.origin).port), strictPort: true, host: '127.0.0.1' },
  })
  t.teardown(() => server.close())
}
