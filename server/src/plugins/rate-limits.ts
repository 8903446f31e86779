// The FastifyInstance.config declaration.
import type {} from './config.js'
import rateLimit from '@fastify/rate-limit'
import type { FastifyBaseLogger, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Redis, type Command, type RedisOptions } from 'ioredis'
import { RateLimited } from '../errors.js'
import type { DependencyObserver } from '../metrics/observers.js'
import { oneLine, StartupError } from '../startup-error.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Per-user and per-route limits for routes to opt into: `preHandler: app.rateLimits.presign`. A HEAD counts with
     * the GET it mirrors: one budget, however the client asks.
     */
    rateLimits: {
      presign: preHandlerAsyncHookHandler
      bucketCalls: preHandlerAsyncHookHandler
      lists: preHandlerAsyncHookHandler
    }
    /** Asks Redis for a PONG within REDIS_TIMEOUT_MS (for /readyz); absent without REDIS_URL. */
    pingRateLimitStore?: () => Promise<void>
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
    const { redisUrl, redisTimeoutMs } = app.config
    const redis = redisUrl
      ? await connectRedis(redisUrl, redisTimeoutMs, app.log, app.metrics?.dependencies)
      : undefined
    if (redis) app.decorate('pingRateLimitStore', async () => void (await redis.ping()))
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
      // Fail-open: a Redis outage, or a Redis silent for REDIS_TIMEOUT_MS, must not take uploads down with it;
      // requests pass uncounted (logged once, see connectRedis) until it answers again.
      skipOnError: true,
    })

    // One limiter per budget, its key naming the route: the plugin's per-route counters (`config.rateLimit`) are
    // keyed by method too, so Fastify's automatic HEAD route would count apart from its GET.
    const perUserAndRoute = (max: number): preHandlerAsyncHookHandler =>
      app.rateLimit({
        max,
        timeWindow: WINDOW_MS,
        // A preHandler, after authentication (onRequest): the key is the verified user, not an address behind a NAT.
        keyGenerator: (request: FastifyRequest) =>
          `${request.principal.workspaceId}:${request.principal.userId}:${routeOf(request)}`,
        errorResponseBuilder: (_request, context) => new RateLimited(context.after),
      })
    app.decorate('rateLimits', {
      presign: perUserAndRoute(app.config.presignRateLimitPerMinute),
      bucketCalls: perUserAndRoute(app.config.bucketCallRateLimitPerMinute),
      lists: perUserAndRoute(app.config.listRateLimitPerMinute),
    })
  },
  { name: 'hoist-rate-limits', dependencies: ['hoist-config', 'hoist-metrics'] },
)

/** The route a request counts against: a HEAD is its GET. */
function routeOf(request: FastifyRequest): string {
  return `${request.method === 'HEAD' ? 'GET' : request.method} ${request.routeOptions.url ?? request.url}`
}

/** Connects at start-up so a wrong REDIS_URL stops the API with a clear message instead of silently never limiting. */
async function connectRedis(
  url: string,
  timeoutMs: number,
  log: FastifyBaseLogger,
  observer: DependencyObserver | undefined,
): Promise<Redis> {
  const redis = new BudgetedRedis(url, log, observer, {
    lazyConnect: true,
    connectTimeout: 5_000,
    // The time budget: a frozen Redis keeps the connection open and never answers; no event says so.
    commandTimeout: timeoutMs,
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

/**
 * A Redis client that says (once per outage) when its commands time out — the limiter then counts nothing — and tells
 * `observer` how long each command took (named by the command: `evalsha`, `ping`).
 */
class BudgetedRedis extends Redis {
  private silent = false

  constructor(
    url: string,
    private readonly log: FastifyBaseLogger,
    private readonly observer: DependencyObserver | undefined,
    options: RedisOptions & { replyMapping?: 'legacy' },
  ) {
    super(url, options)
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const started = process.hrtime.bigint()
    const observe = (timedOut: boolean): void =>
      this.observer?.observe('redis', command.name, Number(process.hrtime.bigint() - started) / 1e9, timedOut)
    const sent = super.sendCommand(command, stream)
    command.promise.then(
      () => {
        observe(false)
        if (!this.silent) return
        this.silent = false
        this.log.info('Redis answers again: rate limits are counted again')
      },
      (error: unknown) => {
        const timedOut = (error as Error)?.message === 'Command timed out'
        observe(timedOut)
        if (this.silent || !timedOut) return
        this.silent = true
        this.log.warn('Redis did not answer within REDIS_TIMEOUT_MS: rate limits are not counted until it does')
      },
    )
    return sent
  }
}
