/**
 * The Hoist API as a Fastify plugin: plugins, then routes, then (via the error-handler plugin) one error shape.
 * `buildApp` creates the instance with Hoist's server options; main.ts listens, tests call `inject`.
 */
import cors from '@fastify/cors'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from './config.js'
import { loggerOptions } from './logging.js'
import authPlugin from './plugins/auth.js'
import configPlugin from './plugins/config.js'
import docsPlugin from './plugins/docs.js'
import eventsPlugin from './plugins/events.js'
import rateLimitsPlugin from './plugins/rate-limits.js'
import errorHandlerPlugin, { toErrorResponse } from './plugins/error-handler.js'
import inFlightPlugin from './plugins/in-flight.js'
import metricsPlugin from './plugins/metrics.js'
import { methodGuard } from './plugins/method-guard.js'
import mongoPlugin from './plugins/mongo.js'
import oversizeBodyPlugin from './plugins/oversize-body.js'
import s3Plugin from './plugins/s3.js'
import scanPlugin from './plugins/scan.js'
import sweeperPlugin from './plugins/sweeper.js'
import uploadsPlugin from './plugins/uploads.js'
import healthRoutes from './routes/health.js'
import bucketEventRoutes from './routes/bucket-events.js'
import eventRoutes from './routes/events.js'
import uploadRoutes from './routes/uploads/index.js'
import { compileValidator } from './validation.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when shutdown begins: /readyz turns 503 so load balancers stop sending new requests. */
    draining: boolean
  }
}

/** The JSON bodies are small; 256 KiB leaves room for a hostile 100 KB filename to reach validation (a clear 400). */
const BODY_LIMIT_BYTES = 256 * 1024

/** The options of hoistApp. @public */
export interface HoistAppOptions {
  config: Config
  /** NODE_ENV=production (default: read from the environment): /metrics then needs METRICS_TOKEN. */
  production?: boolean
}

/** The Hoist API as a plugin, to mount inside another Fastify app. @public */
export const hoistApp = fp<HoistAppOptions>(
  async (app, { config, production = process.env.NODE_ENV === 'production' }) => {
    app.decorate('draining', false)
    app.setValidatorCompiler(compileValidator)
    const methods = methodGuard()
    await app.register(methods.collect)
    await app.register(errorHandlerPlugin)
    await app.register(inFlightPlugin)
    await app.register(oversizeBodyPlugin)
    await app.register(configPlugin, { config })
    await app.register(metricsPlugin, { production })
    await app.register(cors, {
      // Only the configured origins get Access-Control-Allow-Origin; others get no CORS headers at all.
      origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type'],
      maxAge: 600,
    })
    await app.register(rateLimitsPlugin)
    await app.register(docsPlugin)
    await app.register(mongoPlugin)
    await app.register(s3Plugin)
    await app.register(authPlugin)
    await app.register(uploadsPlugin)
    await app.register(sweeperPlugin)
    await app.register(eventsPlugin)
    await app.register(scanPlugin)

    await app.register(healthRoutes)
    await app.register(uploadRoutes, { prefix: '/v1/uploads' })
    await app.register(eventRoutes, { prefix: '/v1/events' })
    await app.register(bucketEventRoutes, { prefix: '/v1/bucket-events' })
    await app.register(methods.answer)
  },
  { name: 'hoist-app' },
)

export async function buildApp(
  config: Config,
  options: Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> & Pick<HoistAppOptions, 'production'> = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? loggerOptions(config) }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Render and most PaaS terminate TLS in front of the app.
    trustProxy: true,
    // plugins/in-flight.ts answers requests that arrive during close, in the API's error shape.
    return503OnClosing: false,
    // No blanket limit per plugin and hook: each wait in them has its own (the dependencies' budgets, the 20 s drain),
    // and main.ts bounds the whole shutdown. Fastify's default of 10 s cut the drain short with an error, and turned a
    // MONGO_TIMEOUT_MS above 10 s at start-up into "Plugin did not start in time" (test/integration/long-waits).
    pluginTimeout: 0,
    // Errors the router raises before any route (a malformed URL) bypass the error handler: same shape here.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const { statusCode, body } = toErrorResponse(error)
      void reply.code(statusCode).send(body)
    },
  }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(hoistApp, {
    config,
    ...(options.production !== undefined ? { production: options.production } : {}),
  })
  return app
}
