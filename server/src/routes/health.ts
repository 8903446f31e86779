import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyBaseLogger } from 'fastify'
import { Type, type Static } from 'typebox'
import { DependencyUnavailable, isDependencyTimeout } from '../errors.js'

/**
 * How a dependency fails, in the API's own words. /readyz is unauthenticated: a driver's message would tell anyone
 * the internal addresses, ports and software (`connect ECONNREFUSED 10.0.3.7:27017`), so the detail goes to the log.
 */
const FailureSchema = Type.Union([Type.Literal('unreachable'), Type.Literal('timed out'), Type.Literal('failing')])
type Failure = Static<typeof FailureSchema>

const CheckSchema = Type.Object({ ok: Type.Boolean(), error: Type.Optional(FailureSchema) })
const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable'), Type.Literal('draining')]),
  checks: Type.Object({
    mongodb: CheckSchema,
    objectStorage: CheckSchema,
    /** Only with REDIS_URL; never makes the API unready: the rate limiter fails open without it. */
    redis: Type.Optional(CheckSchema),
  }),
})

const READY_CHECK_TIMEOUT_MS = 3_000
/**
 * /readyz is public and each probe costs a billed S3 LIST, so an instance probes at most once per this interval:
 * requests while a probe runs, or within this long after it settled, share its answer.
 */
export const READY_PROBE_REUSE_MS = 1_000
type Checks = Static<typeof ReadySchema>['checks']

class CheckTimedOut extends Error {}

/**
 * Timed out: no answer within this check's limit or the dependency's own budget; unreachable: the adapters' 503
 * mapping (refused, reset, 5xx); failing: it answered, with an error (denied…).
 */
const failureOf = (error: unknown): Failure =>
  error instanceof CheckTimedOut || isDependencyTimeout(error) || isRedisTimeout(error)
    ? 'timed out'
    : error instanceof DependencyUnavailable || isRedisDown(error)
      ? 'unreachable'
      : 'failing'

/** ioredis: a command given no answer within REDIS_TIMEOUT_MS (commandTimeout). */
const isRedisTimeout = (error: unknown): boolean => (error as Error)?.message === 'Command timed out'
/** ioredis with its offline queue off: no connection to send the command on. */
const isRedisDown = (error: unknown): boolean =>
  /Stream isn't writeable|Connection is closed/.test((error as Error)?.message ?? '')

async function check(
  dependency: 'mongodb' | 'objectStorage' | 'redis',
  probe: () => Promise<void>,
  log: FastifyBaseLogger,
): Promise<{ ok: boolean; error?: Failure }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CheckTimedOut(`no answer in ${READY_CHECK_TIMEOUT_MS} ms`)),
      READY_CHECK_TIMEOUT_MS,
    )
  })
  try {
    await Promise.race([probe(), timeout])
    return { ok: true }
  } catch (error) {
    const failure = failureOf(error)
    log.warn({ dependency, err: (error as { cause?: unknown }).cause ?? error }, `readiness: ${dependency} ${failure}`)
    return { ok: false, error: failure }
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `probe` unless one is running or settled less than READY_PROBE_REUSE_MS ago (a monotonic clock). */
function reusedFor<T>(): (probe: () => Promise<T>) => Promise<T> {
  let latest: { answer: Promise<T>; settledAt?: number } | undefined
  return (probe) => {
    const fresh =
      latest && (latest.settledAt === undefined || performance.now() - latest.settledAt < READY_PROBE_REUSE_MS)
    if (fresh) return latest!.answer
    const current: { answer: Promise<T>; settledAt?: number } = { answer: probe() }
    void current.answer.finally(() => (current.settledAt = performance.now()))
    latest = current
    return current.answer
  }
}

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const shared = reusedFor<Checks>()
  const probe = async (log: FastifyBaseLogger): Promise<Checks> => {
    const pingRedis = app.pingRateLimitStore
    const [mongodb, objectStorage, redis] = await Promise.all([
      check('mongodb', () => app.ledger.ping(), log),
      check('objectStorage', () => app.objectStore.ping(), log),
      pingRedis ? check('redis', pingRedis, log) : undefined,
    ])
    return { mongodb, objectStorage, ...(redis ? { redis } : {}) }
  }

  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal('ok') }) } }, logLevel: 'warn' },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: ReadySchema, 503: ReadySchema } }, logLevel: 'warn' },
    async (request, reply) => {
      const checks = await shared(() => probe(request.log))
      const status = app.draining ? 'draining' : checks.mongodb.ok && checks.objectStorage.ok ? 'ready' : 'unavailable'
      return reply.code(status === 'ready' ? 200 : 503).send({ status, checks })
    },
  )
}

export default healthRoutes
