import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Workspace packages resolve to their TypeScript sources (see tsconfig.base.json's customConditions).
  resolve: { conditions: ['hoist-source', ...defaultClientConditions] },
  build: { outDir: fileURLToPath(new URL('../dist-example', import.meta.url)), emptyOutDir: true },
})
