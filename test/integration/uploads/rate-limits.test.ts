/**
 * Hardening 15.11: routes that cost S3 calls are limited per user, with counters in Redis shared by every API
 * instance (a real redis-server), in memory without REDIS_URL, and not at all while Redis is down.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { findRedisServer, startNativeRedis } from '../../../infra/stack/redis.js'
import { buildApp } from '../../../server/src/app.js'
import { freePort } from '../../../infra/stack/ports.js'
import { configFor, startHoist } from '../../helpers/hoist.js'
import { sharedStack } from '../../helpers/stack.js'
import { bearer, type TokenClaims } from '../../helpers/tokens.js'

const LIMIT = 4
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
/** A well-formed upload id nobody has: the route answers 404 after the limiter counted it. */
const unknownId = (): string => Array.from(randomBytes(26), (byte) => CROCKFORD[byte % 32]).join('')
const stack = await sharedStack(t)
if (!stack.redisUrl) throw new Error('the test stack has no Redis: install redis-server (npm test does it as root)')

/** Two API processes' worth of instances on one bucket and database. */
async function twoInstances(config: { redisUrl?: string }): Promise<[FastifyInstance, FastifyInstance]> {
  const first = await startHoist(t, { stack, config: { bucketCallRateLimitPerMinute: LIMIT, ...config } })
  const shared = { s3Bucket: first.config.s3Bucket, mongoDbName: first.config.mongoDbName }
  const second = await startHoist(t, { stack, config: { ...first.config, ...shared } })
  return [first.app, second.app]
}

async function download(app: FastifyInstance, claims: TokenClaims, id = unknownId()): Promise<number> {
  const response = await app.inject({ method: 'GET', url: `/v1/uploads/${id}/download`, headers: bearer(claims) })
  if (response.statusCode === 429) {
    if (response.json().error.code !== 'RATE_LIMITED') throw new Error(`429 without RATE_LIMITED: ${response.body}`)
    if (!response.headers['retry-after']) throw new Error('429 without Retry-After')
  }
  return response.statusCode
}

t.test('with REDIS_URL, two instances count one budget per user and route', async (t) => {
  const [a, b] = await twoInstances({ redisUrl: stack.redisUrl })
  const user = { sub: `shared-${randomUUID()}`, workspace: 'ws-rate' }
  const statuses = []
  for (const app of [a, b, a, b, a, b]) statuses.push(await download(app, user))
  t.same(statuses, [404, 404, 404, 404, 429, 429], 'the fifth request is refused, whichever instance gets it')

  const confirm = await a.inject({ method: 'POST', url: `/v1/uploads/${unknownId()}/confirm`, headers: bearer(user) })
  t.equal(confirm.statusCode, 404, 'another route has its own count')
  t.equal(await download(b, { sub: `other-${randomUUID()}`, workspace: 'ws-rate' }), 404, 'another user is not limited')
})

t.test('without REDIS_URL, each instance counts alone', async (t) => {
  const [a, b] = await twoInstances({})
  const user = { sub: `alone-${randomUUID()}` }
  const statuses = []
  for (const app of [a, a, a, a, a, b]) statuses.push(await download(app, user))
  t.same(statuses, [404, 404, 404, 404, 429, 404])
})

t.test('every route that costs S3 calls is limited', async (t) => {
  const { app } = await startHoist(t, { stack, config: { bucketCallRateLimitPerMinute: 1, redisUrl: stack.redisUrl } })
  const routes = [
    ['POST', 'confirm'],
    ['GET', 'download'],
    ['DELETE', ''],
    ['GET', 'parts'],
    ['POST', 'parts'],
  ] as const
  for (const [method, path] of routes) {
    const claims = { sub: `routes-${randomUUID()}` }
    const url = `/v1/uploads/${unknownId()}${path ? `/${path}` : ''}`
    const payload = method === 'POST' && path === 'parts' ? { partNumbers: [1] } : undefined
    const first = await app.inject({ method, url, headers: bearer(claims), ...(payload ? { payload } : {}) })
    const second = await app.inject({ method, url, headers: bearer(claims), ...(payload ? { payload } : {}) })
    t.equal(first.statusCode, 404, `${method} ${path}: first`)
    t.equal(second.statusCode, 429, `${method} ${path}: second`)
  }
})

t.test('the listings are limited per user, each on its own, and a HEAD counts with its GET', async (t) => {
  const { app } = await startHoist(t, { stack, config: { listRateLimitPerMinute: 3, redisUrl: stack.redisUrl } })
  const claims = { sub: `lists-${randomUUID()}` }
  const call = async (method: 'GET' | 'HEAD', url: string): Promise<number> =>
    (await app.inject({ method, url, headers: bearer(claims) })).statusCode
  const uploads = [
    await call('GET', '/v1/uploads'),
    await call('GET', '/v1/uploads'),
    await call('GET', '/v1/uploads'),
    await call('HEAD', '/v1/uploads'),
  ]
  t.same(uploads, [200, 200, 200, 429], 'GET 200 ×3, then HEAD is over the same budget')
  const events = [await call('HEAD', '/v1/events'), await call('GET', '/v1/events'), await call('GET', '/v1/events')]
  t.same(events, [200, 200, 200], 'the feed has a budget of its own')
  t.equal(await call('GET', '/v1/events'), 429)
})

t.test('while Redis is down requests pass uncounted, and counting resumes when it is back', async (t) => {
  const binary = findRedisServer()
  if (!binary) throw new Error('redis-server is not installed')
  const redis = await startNativeRedis(binary)
  t.teardown(() => redis.server.dispose())
  const { app, logs } = await startHoist(t, {
    stack,
    config: { bucketCallRateLimitPerMinute: 1, redisUrl: redis.redisUrl },
  })
  const user = { sub: `outage-${randomUUID()}` }
  t.equal(await download(app, user), 404)
  t.equal(await download(app, user), 429)

  await redis.server.stop()
  const during = []
  for (let i = 0; i < 3; i++) during.push(await download(app, user))
  t.same(during, [404, 404, 404], 'no 5xx and no 429: the limiter steps aside')
  t.ok(
    logs.some((line) => line.includes('rate limits are not counted')),
    'the outage is logged',
  )

  await redis.server.start()
  const fresh = { sub: `after-${randomUUID()}` }
  let statuses: number[] = []
  // ioredis reconnects on its own schedule; wait for it rather than guess.
  for (let attempt = 0; attempt < 50; attempt++) {
    statuses = [await download(app, fresh), await download(app, fresh)]
    if (statuses[1] === 429) break
    fresh.sub = `after-${randomUUID()}`
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.same(statuses, [404, 429], 'counted again')
})

t.test('the API shuts down cleanly while Redis is down', async (t) => {
  const binary = findRedisServer()
  if (!binary) throw new Error('redis-server is not installed')
  const redis = await startNativeRedis(binary)
  t.teardown(() => redis.server.dispose())
  const app = await buildApp(configFor(stack, { redisUrl: redis.redisUrl }), { logger: false })
  await app.ready()
  await redis.server.stop()
  // Saying goodbye to a Redis that is gone must not fail the shutdown (it crashed the process once).
  await t.resolves(app.close())
})

t.test('an unreachable REDIS_URL stops start-up with a clear message', async (t) => {
  const port = await freePort()
  const config = configFor(stack, { redisUrl: `redis://127.0.0.1:${port}` })
  await t.rejects(buildApp(config, { logger: false }), /^REDIS_URL: Redis could not be reached/)
})
