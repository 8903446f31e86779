import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig, type AliasOptions } from 'vite'

/**
 * `HOIST_EXAMPLE_REACT=18` builds the example on React 18 (the repository's root devDependencies) instead of the
 * workspace's React 19: the hooks' peer range is ^18 || ^19, and the browser test runs both.
 */
const rootModules = fileURLToPath(new URL('../../node_modules', import.meta.url))
const react18: AliasOptions = [
  { find: /^react(\/.*)?$/, replacement: `${rootModules}/react$1` },
  { find: /^react-dom(\/.*)?$/, replacement: `${rootModules}/react-dom$1` },
]

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Workspace packages resolve to their TypeScript sources (see tsconfig.base.json's customConditions).
  resolve: {
    conditions: ['hoist-source', ...defaultClientConditions],
    ...(process.env.HOIST_EXAMPLE_REACT === '18' ? { alias: react18 } : {}),
  },
  // Vite compiles the JSX itself (oxc): no React plugin needed for a build.
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: fileURLToPath(new URL('../dist-example', import.meta.url)), emptyOutDir: true },
})
