// The FastifyInstance.config declaration.
import type {} from './config.js'
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { RateLimited } from '../errors.js'
import { oneLine, StartupError } from '../startup-error.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-user limits for routes to opt into: `config: { rateLimit: app.rateLimits.presign }`. */
    rateLimits: { presign: RateLimitOptions; bucketCalls: RateLimitOptions }
  }
}

/**
 * Counters live in Redis when `REDIS_URL` is set, so every API instance counts against the same budget; without it,
 * each process counts alone (a limit of N per minute becomes N per instance).
 */
const NAMESPACE = 'hoist-rate-limit:'
const WINDOW_MS = 60_000

export default fp(
  async (app) => {
    const redis = app.config.redisUrl ? await connectRedis(app.config.redisUrl, app.log) : undefined
    if (redis)
      app.addHook('onClose', async () => {
        redis.removeAllListeners('close') // not an outage
        // QUIT needs the connection: with Redis down, drop the client (and its reconnect timer) instead.
        await redis.quit().catch(() => redis.disconnect())
      })
    await app.register(rateLimit, {
      global: false,
      nameSpace: NAMESPACE,
      ...(redis ? { redis } : {}),
      // A Redis outage must not take uploads down with it: requests pass uncounted (and are logged) until it is back.
      skipOnError: true,
    })

    const perUser = (max: number): RateLimitOptions => ({
      max,
      timeWindow: WINDOW_MS,
      // After authentication (onRequest), so the key is the verified user, not an address shared behind a NAT.
      hook: 'preHandler',
      keyGenerator: (request: FastifyRequest) => `${request.principal.workspaceId}:${request.principal.userId}`,
      errorResponseBuilder: (_request, context) => new RateLimited(context.after),
    })
    app.decorate('rateLimits', {
      presign: perUser(app.config.presignRateLimitPerMinute),
      bucketCalls: perUser(app.config.bucketCallRateLimitPerMinute),
    })
  },
  { name: 'hoist-rate-limits', dependencies: ['hoist-config'] },
)

/** Connects at start-up so a wrong REDIS_URL stops the API with a clear message instead of silently never limiting. */
async function connectRedis(url: string, log: FastifyBaseLogger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    // A request must not wait for Redis to come back: fail the command, and the limiter lets the request through.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  })
  // ioredis would crash the process on an unheard 'error' event; 'close' below says what matters.
  redis.on('error', () => {})
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    const message = oneLine((error as Error).message, url)
    throw new StartupError('REDIS_URL', `Redis could not be reached (${message})`, 69, { cause: error })
  }
  // It reconnects by itself; say once that limits are off, and when they are back.
  let down = false
  redis.on('close', () => {
    if (!down) log.warn('Redis connection lost: rate limits are not counted until it is back')
    down = true
  })
  redis.on('ready', () => {
    if (down) log.info('Redis is back: rate limits are counted again')
    down = false
  })
  return redis
}
