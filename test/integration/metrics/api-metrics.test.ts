/**
 * GET /metrics on the API, against the real stack: a scrape before and after one upload (presign, PUT to MinIO,
 * confirm) sees the counters and the request histogram move, and the MongoDB and S3 calls measured; labels carry route
 * templates, never an upload id, a key or a workspace; METRICS_TOKEN keeps everyone else out (401, the error shape);
 * quota and rate-limit refusals and webhook attempts are counted; METRICS=off serves no /metrics at all.
 */
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { confirmUpload, createUpload, putObject, uploadFile } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { valueOf } from '../../helpers/prometheus.js'
import { sharedStack } from '../../helpers/stack.js'
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js'

const TOKEN = 'metrics-token-for-the-api-0123456789'
const stack = await sharedStack(t)
const { app } = await startHoist(t, {
  stack,
  config: { metricsToken: TOKEN, presignRateLimitPerMinute: 3, workspaceQuotaBytes: 100_000 },
})

async function scrape(): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  if (response.statusCode !== 200) throw new Error(`scrape: ${response.statusCode} ${response.body}`)
  return response.body
}

/** How much each series moved between two scrapes. */
const moved = (before: string, after: string, name: string, labels: Record<string, string> = {}): number =>
  valueOf(after, name, labels) - valueOf(before, name, labels)

t.test('one upload, scraped before and after: counters, the request histogram and dependency calls move', async (t) => {
  const before = await scrape()
  const bytes = fileOf('image/png', 2000)
  const claims = { sub: 'uploader', workspace: 'ws-metrics-upload' }
  const created = await createUpload(app, { filename: 'a.png', contentType: 'image/png', size: bytes.length }, claims)
  t.equal(created.statusCode, 201, created.body)
  const instructions = created.json<SingleInstructions>()
  t.equal((await putObject(instructions, bytes)).status, 200)
  const confirmed = await confirmUpload(app, instructions.id, claims)
  t.equal(confirmed.statusCode, 200, confirmed.body)
  const after = await scrape()

  t.equal(moved(before, after, 'hoist_uploads_total', { transition: 'confirmed', by: 'client' }), 1)
  const presign = { route: '/v1/uploads', method: 'POST', status: '201' }
  const confirm = { route: '/v1/uploads/:id/confirm', method: 'POST', status: '200' }
  t.equal(moved(before, after, 'hoist_http_request_duration_seconds_count', presign), 1, 'the presign, by template')
  t.equal(moved(before, after, 'hoist_http_request_duration_seconds_count', confirm), 1, 'the confirm, by template')
  t.ok(moved(before, after, 'hoist_http_request_duration_seconds_sum', confirm) > 0, 'its time')
  t.equal(
    moved(before, after, 'hoist_http_request_duration_seconds_bucket', { ...confirm, le: '+Inf' }),
    1,
    'and its buckets',
  )
  t.equal(moved(before, after, 'hoist_dependency_duration_seconds_count', { operation: 'ledger.transition' }), 1)
  t.ok(moved(before, after, 'hoist_dependency_duration_seconds_count', { dependency: 'mongodb' }) >= 3)
  // Confirm reads the object once: a ranged GET whose headers are the object's (no HEAD without a declared checksum).
  t.equal(
    moved(before, after, 'hoist_dependency_duration_seconds_count', { dependency: 's3', operation: 'HeadObject' }),
    0,
  )
  t.equal(
    moved(before, after, 'hoist_dependency_duration_seconds_count', { dependency: 's3', operation: 'GetObject' }),
    1,
  )
  t.equal(valueOf(after, 'hoist_dependency_timeouts_total', { dependency: 'mongodb' }), 0)

  t.ok(valueOf(after, 'hoist_outbox_pending', { work: 'images' }) >= 1, 'the confirmed image waits for the worker')
  t.match(after, /^hoist_outbox_pending\{work="webhooks"\} 0$/m, 'no receiver: no delivery waits')
  t.match(after, /^hoist_outbox_oldest_pending_age_seconds\{work="images"\} [\d.]+$/m)

  for (const secret of [instructions.id, instructions.key, 'ws-metrics-upload', 'uploader'])
    t.notOk(after.includes(secret), `no label carries ${secret}`)
})

t.test('a scrape without METRICS_TOKEN, or with another token, is refused: 401 in the error shape', async (t) => {
  for (const headers of [{}, { authorization: 'Bearer not-the-metrics-token-000000' }]) {
    const refused = await app.inject({ method: 'GET', url: '/metrics', headers })
    t.equal(refused.statusCode, 401)
    t.equal(refused.json().error.code, 'UNAUTHORIZED')
    t.match(refused.json().error.message, /Bearer <METRICS_TOKEN>/)
    t.notMatch(refused.body, /hoist_/)
  }
})

t.test('a URL no route matches is one fixed label, whatever the URL', async (t) => {
  const before = await scrape()
  for (const path of ['/nowhere/01HXYZ', '/v1/uploads/a/b/c/d'])
    t.equal((await app.inject({ method: 'GET', url: path })).statusCode, 404)
  const after = await scrape()
  const unmatched = { route: 'unmatched', method: 'GET', status: '404' }
  t.equal(moved(before, after, 'hoist_http_request_duration_seconds_count', unmatched), 2)
  t.notOk(after.includes('nowhere'), 'the raw URL is in no label')
})

t.test('quota refusals and rate-limited requests are counted', async (t) => {
  const before = await scrape()
  const big = await createUpload(
    app,
    { filename: 'big.png', contentType: 'image/png', size: 200_000 },
    { sub: 'q', workspace: 'ws-metrics-quota' },
  )
  t.equal(big.json().error.code, 'QUOTA_EXCEEDED')
  const limited = { sub: 'limited', workspace: 'ws-metrics-rate' }
  const answers = []
  for (let i = 0; i < 4; i++)
    answers.push(
      (await createUpload(app, { filename: 'r.png', contentType: 'image/png', size: 10 }, limited)).statusCode,
    )
  t.same(answers, [201, 201, 201, 429])
  const after = await scrape()
  t.equal(moved(before, after, 'hoist_quota_refusals_total'), 1)
  t.equal(moved(before, after, 'hoist_rate_limited_total', { route: '/v1/uploads' }), 1)
})

t.test(
  'webhook attempts: a receiver answering 500, then 200 — one retry, one delivered, both calls timed',
  async (t) => {
    const receiver = await startWebhookReceiver(t, (_delivery, index) => (index === 0 ? 500 : 200))
    const { app: delivering } = await startHoist(t, {
      stack,
      config: {
        webhookUrl: receiver.url,
        webhookSecret: receiver.secret,
        webhookAllowLoopback: true,
        webhookRetryDelaysSeconds: [0.2, 0.2],
      },
    })
    await uploadFile(delivering, { filename: 'hooked.png', contentType: 'image/png', bytes: fileOf('image/png', 2000) })
    await receiver.waitFor(2)
    const read = async (): Promise<string> => (await delivering.inject({ method: 'GET', url: '/metrics' })).body
    let text = await read()
    for (let i = 0; i < 50 && valueOf(text, 'hoist_webhook_deliveries_total', { outcome: 'delivered' }) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      text = await read()
    }
    t.equal(valueOf(text, 'hoist_webhook_deliveries_total', { outcome: 'retry' }), 1)
    t.equal(valueOf(text, 'hoist_webhook_deliveries_total', { outcome: 'delivered' }), 1)
    t.equal(
      valueOf(text, 'hoist_dependency_duration_seconds_count', { dependency: 'webhook', operation: 'deliver' }),
      2,
    )
    t.notOk(text.includes(receiver.url), 'the receiver’s URL is in no label')
  },
)

t.test('METRICS=off: no /metrics, and the API works as before', async (t) => {
  const { app: quiet } = await startHoist(t, { stack, config: { metrics: 'off' } })
  t.equal((await quiet.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
  t.equal((await createUpload(quiet, { filename: 'q.png', contentType: 'image/png', size: 10 })).statusCode, 201)
})
