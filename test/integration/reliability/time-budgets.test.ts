/**
 * Every dependency has a time budget (README "Time budgets"): a server that is frozen — SIGSTOP, so it keeps its
 * connections open and never answers — costs a request its budget, then a 503 with Retry-After (Redis: the request
 * passes uncounted), and /readyz says `timed out`; thawed, the same request succeeds without a restart.
 * Each spent budget is counted on /metrics (`hoist_dependency_timeouts_total{dependency}`), and a scrape while MongoDB
 * is frozen still answers, without the outbox gauges it could not read.
 * This file owns its servers (it freezes them), and sets short budgets so that it stays fast.
 */
import type { LightMyRequestResponse } from 'fastify'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { freeze, type ManagedServer } from '../../../infra/stack/index.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { READY_PROBE_REUSE_MS } from '../../../server/src/routes/health.js'
import { confirmUpload, createUpload, getUpload, putObject } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { valueOf } from '../../helpers/prometheus.js'
import { ownedStack } from '../../helpers/stack.js'
import { bearer } from '../../helpers/tokens.js'
import { within } from '../../helpers/within.js'

/** Far above every budget below (and their retries): the test asserts an answer, not a timing. */
const ANSWER_DEADLINE_MS = 20_000

const stack = await ownedStack(t)
// Freezing needs the servers' processes: native ones (containers and explicit endpoints have none here).
if (!stack.servers.s3?.pids) t.plan(0, 'the stack is not native')
const { app, logs } = await startHoist(t, {
  stack,
  config: { mongoTimeoutMs: 1_000, s3TimeoutMs: 1_000, redisTimeoutMs: 500, redisUrl: stack.redisUrl! },
})

/** Runs `during` with the server (and its children) stopped by SIGSTOP, then lets it run again. */
async function whileFrozen(t: Test, server: ManagedServer | undefined, during: () => Promise<void>): Promise<void> {
  const pids = server?.pids?.() ?? []
  t.ok(pids.length > 0, `${server?.name ?? 'the server'} has processes to freeze`)
  const thaw = freeze(pids)
  try {
    await during()
  } finally {
    thaw()
  }
}

/** The request's answer, or a failure if none came before the deadline. */
const answered = (request: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> =>
  within(ANSWER_DEADLINE_MS, 'the request', request)

/**
 * After a thaw: the request, repeated while it answers 503, until it answers otherwise or the deadline passes. The
 * first request after a thaw may still spend its (short, 1 s) budget on a busy machine while the server catches up;
 * the promise is that the API recovers without a restart, not that it does within one budget.
 */
async function recovered(request: () => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  const deadline = Date.now() + ANSWER_DEADLINE_MS
  for (;;) {
    const response = await answered(request())
    if (response.statusCode !== 503 || Date.now() > deadline) return response
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

function assertBudgetSpent(t: Test, response: LightMyRequestResponse, dependency: RegExp): void {
  t.equal(response.statusCode, 503, response.body)
  t.equal(response.json().error.code, 'DEPENDENCY_UNAVAILABLE')
  t.match(response.json().error.message, dependency)
  t.match(response.headers['retry-after'], /^\d+$/, 'says when to come back')
}

/** /readyz as it is now: past the interval in which it reuses its last probe (routes/health.ts). */
const readiness = async () => {
  await sleep(READY_PROBE_REUSE_MS + 50)
  return (await answered(app.inject({ method: 'GET', url: '/readyz' }))).json()
}

/** /metrics (open: no METRICS_TOKEN outside production), answered before the deadline whatever is frozen. */
async function scrape(t: Test): Promise<string> {
  const response = await answered(app.inject({ method: 'GET', url: '/metrics' }))
  t.equal(response.statusCode, 200, 'the scrape answers')
  return response.body
}

const timeouts = (text: string, dependency: string): number =>
  valueOf(text, 'hoist_dependency_timeouts_total', { dependency })

async function uploadedFile(name: string): Promise<SingleInstructions> {
  const bytes = fileOf('image/png', 2000)
  const created = (
    await createUpload(app, { filename: name, contentType: 'image/png', size: bytes.length })
  ).json<SingleInstructions>()
  await putObject(created, bytes)
  return created
}

t.test(
  'MinIO frozen: confirm answers 503 with Retry-After, /readyz says timed out; thawed, confirm succeeds',
  async (t) => {
    const uploaded = await uploadedFile('frozen-s3.png')
    const before = await scrape(t)
    await whileFrozen(t, stack.servers.s3, async () => {
      assertBudgetSpent(t, await answered(confirmUpload(app, uploaded.id)), /Object storage \(S3\)/)
      const ready = await readiness()
      t.equal(ready.status, 'unavailable')
      t.same(ready.checks.objectStorage, { ok: false, error: 'timed out' })
    })
    t.ok(timeouts(await scrape(t), 's3') > timeouts(before, 's3'), 'the spent S3 budget is counted')
    const confirmed = await recovered(() => confirmUpload(app, uploaded.id))
    t.equal(confirmed.statusCode, 200, confirmed.body)
    t.equal((await readiness()).status, 'ready')
  },
)

t.test(
  'MinIO frozen: a delete (the SDK, not the direct calls) answers 503 with Retry-After; thawed, it succeeds',
  async (t) => {
    // Found by the chaos run: the SDK's requestTimeout had become a whole-request timer that only warns, so a delete
    // waited for MinIO to thaw. The SDK's calls are bounded by its socketTimeout (s3-client.ts).
    const uploaded = await uploadedFile('frozen-sdk.png')
    t.equal((await confirmUpload(app, uploaded.id)).statusCode, 200)
    const remove = () => app.inject({ method: 'DELETE', url: `/v1/uploads/${uploaded.id}`, headers: bearer() })
    await whileFrozen(t, stack.servers.s3, async () => {
      assertBudgetSpent(t, await answered(remove()), /Object storage \(S3\)/)
    })
    const deleted = await recovered(remove)
    t.equal(deleted.statusCode, 204, deleted.body)
  },
)

t.test('FerretDB frozen: reads and writes answer 503 with Retry-After; thawed, they succeed', async (t) => {
  const uploaded = await uploadedFile('frozen-mongo.png')
  const before = await scrape(t)
  await whileFrozen(t, stack.servers.mongo, async () => {
    const [read, write] = await Promise.all([
      answered(getUpload(app, uploaded.id)),
      answered(createUpload(app, { filename: 'x.png', contentType: 'image/png', size: 10 })),
    ])
    assertBudgetSpent(t, read, /MongoDB/)
    assertBudgetSpent(t, write, /MongoDB/)
    const ready = await readiness()
    t.equal(ready.status, 'unavailable')
    t.same(ready.checks.mongodb, { ok: false, error: 'timed out' })
    const during = await scrape(t)
    t.ok(timeouts(during, 'mongodb') > timeouts(before, 'mongodb'), 'the spent MongoDB budget is counted')
    t.notMatch(during, /^hoist_outbox_pending\{/m, 'the backlog it could not read is left out')
    t.ok(
      valueOf(during, 'hoist_outbox_scrape_errors_total') > valueOf(before, 'hoist_outbox_scrape_errors_total'),
      'and counted',
    )
  })
  const read = await recovered(() => getUpload(app, uploaded.id))
  t.equal(read.statusCode, 200, read.body)
  const write = await recovered(() => createUpload(app, { filename: 'y.png', contentType: 'image/png', size: 10 }))
  t.equal(write.statusCode, 201, write.body)
})

t.test('PostgreSQL behind FerretDB frozen: a list answers 503 with Retry-After; thawed, it succeeds', async (t) => {
  const postgres = stack.servers.backing.find((server) => /postgres/i.test(server.name))
  if (!postgres) return void t.plan(0, 'FerretDB is not on PostgreSQL here')
  await whileFrozen(t, postgres, async () => {
    const list = await answered(app.inject({ method: 'GET', url: '/v1/uploads', headers: bearer() }))
    assertBudgetSpent(t, list, /MongoDB/)
  })
  const list = await recovered(() => app.inject({ method: 'GET', url: '/v1/uploads', headers: bearer() }))
  t.equal(list.statusCode, 200, list.body)
})

t.test('Redis frozen: rate-limited routes answer uncounted (fail-open, logged); /readyz stays ready', async (t) => {
  const before = await scrape(t)
  await whileFrozen(t, stack.servers.redis, async () => {
    const presign = await answered(createUpload(app, { filename: 'r.png', contentType: 'image/png', size: 10 }))
    t.equal(presign.statusCode, 201, presign.body)
    t.ok(
      logs.some((line) => line.includes('Redis did not answer within REDIS_TIMEOUT_MS')),
      'the fail-open is logged',
    )
    const ready = await readiness()
    t.equal(ready.status, 'ready', 'the limiter fails open, so the API still serves')
    t.same(ready.checks.redis, { ok: false, error: 'timed out' })
    t.ok(timeouts(await scrape(t), 'redis') > timeouts(before, 'redis'), 'the spent Redis budget is counted')
  })
  const presign = await answered(createUpload(app, { filename: 's.png', contentType: 'image/png', size: 10 }))
  t.equal(presign.statusCode, 201, presign.body)
  t.ok(
    logs.some((line) => line.includes('Redis answers again')),
    'and its return',
  )
  t.same((await readiness()).checks.redis, { ok: true })
})
