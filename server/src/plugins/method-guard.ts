import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { MethodNotAllowed } from '../errors.js'

/**
 * A method the API does not declare on one of its paths answers 405 with `Allow` (RFC 9110 §15.5.6), the same for
 * every method Fastify knows — a 404 would say the path does not exist, and Fastify answers body methods such as
 * QUERY with a 400 before routing. OPTIONS is left to CORS preflights.
 *
 * Two plugins around the routes: `collect` (registered first) notes each path's methods as routes are added,
 * `answer` (registered last) adds the 405 routes. Mounted inside another app, its own routes on Hoist's paths must
 * be added before `answer`.
 */
export function methodGuard(): { collect: FastifyPluginAsync; answer: FastifyPluginAsync } {
  const declared = new Map<string, Set<string>>()
  /** The API's documented paths (a route with an operationId): the docs page and probes are left alone. */
  const documented = new Set<string>()
  let answering = false

  const collect = fp(
    async (app) => {
      app.addHook('onRoute', (route) => {
        if (answering) return
        if (route.schema?.operationId) documented.add(route.url)
        const methods = declared.get(route.url) ?? new Set<string>()
        for (const method of [route.method].flat()) methods.add(method)
        declared.set(route.url, methods)
      })
    },
    { name: 'hoist-method-guard-collect' },
  )

  const answer = fp(
    async (app) => {
      answering = true
      for (const url of documented) {
        const methods = declared.get(url)!
        const others = app.supportedMethods.filter((method) => !methods.has(method) && method !== 'OPTIONS')
        if (others.length === 0) continue
        const allow = [...methods].join(', ')
        app.route({
          method: others,
          url,
          schema: { hide: true },
          // onRequest: before any body is read, so a QUERY without Content-Type is a 405 too.
          onRequest: async (request, reply) => {
            void reply.header('allow', allow)
            throw new MethodNotAllowed(request.method, url, allow)
          },
          handler: async () => undefined,
        })
      }
    },
    { name: 'hoist-method-guard-answer', dependencies: ['hoist-method-guard-collect'] },
  )

  return { collect, answer }
}
