import { fileURLToPath } from 'node:url'
import { createSigner } from 'fast-jwt'
import { defaultClientConditions, defineConfig, type Plugin } from 'vite'

/**
 * Dev only (`apply: 'serve'`): /__hoist/dev-token mints a short-lived token with the dev stack's JWT_SECRET so
 * the demo works without a login. A production build contains no such route and no secret.
 */
function devTokenPlugin(): Plugin {
  return {
    name: 'hoist-dev-token',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/__hoist/dev-token', (_request, response) => {
        const secret = process.env.JWT_SECRET
        if (!secret) {
          response.statusCode = 503
          response.end('JWT_SECRET is not set: start the demo with `npm run dev`')
          return
        }
        const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 3_600_000 })
        const workspace = process.env.HOIST_DEV_WORKSPACE ?? 'dev'
        response.setHeader('content-type', 'application/json')
        response.setHeader('cache-control', 'no-store')
        response.end(JSON.stringify({ token: sign({ sub: 'dev-user', workspace }) }))
      })
    },
  }
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [devTokenPlugin()],
  // Workspace packages resolve to their TypeScript sources (see tsconfig.base.json's customConditions).
  resolve: { conditions: ['hoist-source', ...defaultClientConditions] },
  server: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 5173), strictPort: true },
  preview: { host: '127.0.0.1', port: Number(process.env.WEB_PORT ?? 5173), strictPort: true },
  build: { outDir: fileURLToPath(new URL('../dist-demo', import.meta.url)), emptyOutDir: true },
})
