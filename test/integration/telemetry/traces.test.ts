/**
 * Traces of one upload, as an operator's collector receives them: the API and `hoist worker` run as their own
 * processes (from source, as in development) exporting to a real OTLP/HTTP receiver; one image is presigned, PUT to
 * the bucket and confirmed, its webhooks delivered and its variants made. The spans must come from the real
 * instrumentations (HTTP server with route templates, MongoDB, S3, the webhook's HTTP client), be tied together by
 * `hoist.upload_id`, continue the presign's trace — and carry no secret from a URL.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { createS3Client } from '../../../server/src/storage/s3-client.js'
import { startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { configFor } from '../../helpers/hoist.js'
import { pngOf } from '../../helpers/images.js'
import { startOtlpReceiver, type ReceivedSpan } from '../../helpers/otlp-receiver.js'
import { sharedStack } from '../../helpers/stack.js'
import { mintToken } from '../../helpers/tokens.js'
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js'
import { FROM_SOURCE } from '../../helpers/from-source.js'

const HOIST_CLI = fileURLToPath(new URL('../../../server/src/cli/hoist.ts', import.meta.url))
const SERVER = 2
const CLIENT = 3
const WEBHOOK_TOKEN = 'receiver-token-that-must-not-be-exported'

const stack = await sharedStack(t)
const config = configFor(stack)
const s3 = createS3Client(config)
await s3.send(new CreateBucketCommand({ Bucket: config.s3Bucket }))
s3.destroy()

const otlp = await startOtlpReceiver(t)
const webhooks = await startWebhookReceiver(t)
const env = {
  ...cliEnv(stack, config),
  SWEEP_INTERVAL_SECONDS: '0',
  SHUTDOWN_DRAIN_DELAY_MS: '0',
  // A token in the receiver's query, as some receivers want it: it must not reach a span.
  WEBHOOK_URL: `${webhooks.url}?token=${WEBHOOK_TOKEN}`,
  WEBHOOK_SECRET: webhooks.secret,
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  IMAGE_WIDTHS: '32',
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
  OTEL_BSP_SCHEDULE_DELAY: '100',
}

const api = await startApiProcess({ entry: 'source', env })
t.teardown(() => void api.child.kill('SIGKILL'))
const worker = spawn(process.execPath, [...FROM_SOURCE, HOIST_CLI, 'worker'], {
  env: { ...process.env, ...env },
  stdio: ['ignore', 'pipe', 'pipe'],
})
let workerOutput = ''
worker.stdout.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()))
worker.stderr.on('data', (chunk: Buffer) => (workerOutput += chunk.toString()))
t.teardown(() => void worker.kill('SIGKILL'))

const auth = { authorization: `Bearer ${mintToken()}` }
const bytes = await pngOf(64, 48)
const presign = await fetch(`${api.url}/v1/uploads`, {
  method: 'POST',
  headers: { ...auth, 'content-type': 'application/json' },
  body: JSON.stringify({ filename: 'photo.png', contentType: 'image/png', size: bytes.length }),
})
const created = (await presign.json()) as SingleInstructions
const put = await fetch(created.url, { method: 'PUT', headers: created.headers, body: bytes })
const confirm = await fetch(`${api.url}/v1/uploads/${created.id}/confirm`, { method: 'POST', headers: auth })
await webhooks
  .waitFor(1, (delivery) => delivery.event.type === 'upload.processed', 60_000)
  .catch((error: Error) => {
    throw new Error(`${error.message}\nworker:\n${workerOutput}\napi:\n${api.output()}`)
  })

const ofUpload = (span: ReceivedSpan): boolean => span.attributes['hoist.upload_id'] === created.id
const named = (spans: ReceivedSpan[], name: string): ReceivedSpan[] => spans.filter((span) => span.name === name)
const spans = await otlp.waitFor(
  (all) =>
    named(all.filter(ofUpload), 'hoist.webhook.deliver').length >= 2 &&
    named(all, 'hoist.image.process').length >= 1 &&
    all.some((span) => span.name === 'POST /v1/uploads/:id/confirm'),
)
const presignSpan = spans.find((span) => span.kind === SERVER && span.name === 'POST /v1/uploads' && ofUpload(span))
const uploadTrace = spans.filter((span) => span.traceId === presignSpan?.traceId)
/** Every span below `root` in its trace. */
const under = (root: ReceivedSpan | undefined): ReceivedSpan[] => {
  const ids = new Set([root?.spanId])
  for (let size = 0; size !== ids.size;) {
    size = ids.size
    for (const span of spans) if (span.parentSpanId && ids.has(span.parentSpanId)) ids.add(span.spanId)
  }
  return spans.filter((span) => span !== root && ids.has(span.spanId))
}
const isMongo = (span: ReceivedSpan): boolean =>
  span.attributes['db.system'] === 'mongodb' || span.attributes['db.system.name'] === 'mongodb'
/** An AWS SDK call to S3, or a request to the bucket (confirm signs its HEAD and ranged GET itself). */
const isS3 = (span: ReceivedSpan): boolean =>
  span.attributes['rpc.service'] === 'S3' ||
  (span.kind === CLIENT && String(span.attributes['url.full']).startsWith(`${config.s3Endpoint}/${config.s3Bucket}/`))

t.test('the upload went through', async (t) => {
  t.equal(presign.status, 201)
  t.equal(put.status, 200)
  t.equal(confirm.status, 200)
})

t.test(
  'presign and confirm are HTTP server spans named by their route templates, tagged with the upload',
  async (t) => {
    t.ok(presignSpan, 'POST /v1/uploads, a server span with hoist.upload_id')
    t.equal(presignSpan?.attributes['http.route'], '/v1/uploads')
    const confirmSpan = spans.find((span) => span.kind === SERVER && span.name === 'POST /v1/uploads/:id/confirm')
    t.equal(confirmSpan?.attributes['http.route'], '/v1/uploads/:id/confirm')
    t.ok(confirmSpan && ofUpload(confirmSpan), 'the confirm request carries hoist.upload_id')
  },
)

t.test('the presign request wrote the record to MongoDB within its trace', async (t) => {
  t.ok(under(presignSpan).some(isMongo), 'a MongoDB span under the presign request')
})

t.test(
  'confirm continues the presign trace, with its MongoDB and S3 calls inside, linked to the request',
  async (t) => {
    const confirmWork = uploadTrace.find((span) => span.name === 'hoist.upload.confirm')
    t.ok(confirmWork && ofUpload(confirmWork), 'hoist.upload.confirm is in the presign trace, with the upload id')
    t.ok(under(confirmWork).some(isS3), 'the HEAD/GET of the object: S3 spans under it')
    t.ok(under(confirmWork).some(isMongo), 'the transition: MongoDB spans under it')
    const request = spans.find((span) => span.name === 'POST /v1/uploads/:id/confirm')
    t.ok(
      confirmWork?.links.some((link) => link.traceId === request?.traceId),
      'linked to the confirm request that ran it (its own trace)',
    )
    t.ok(
      request?.links.some((link) => link.traceId === presignSpan?.traceId),
      'and the confirm request links back to the presign',
    )
  },
)

t.test('webhook deliveries and image processing continue the same trace', async (t) => {
  const deliveries = uploadTrace.filter((span) => span.name === 'hoist.webhook.deliver' && ofUpload(span))
  t.same(deliveries.map((span) => span.attributes['hoist.event_type']).sort(), ['upload.confirmed', 'upload.processed'])
  t.ok(
    deliveries.every((span) => under(span).some((child) => child.kind === CLIENT && child.scope.includes('http'))),
    'each delivery has the HTTP client span of its POST to the receiver',
  )
  const image = uploadTrace.find((span) => span.name === 'hoist.image.process')
  t.equal(image?.service, 'hoist-worker', 'made by `hoist worker`, another process')
  t.ok(image && ofUpload(image))
  t.ok(under(image).some(isS3), 'reading the original and writing the variants: S3 spans')
  t.ok(under(image).some(isMongo), 'recording the variants: MongoDB spans')
})

t.test('no URL secret is exported: presign signatures, the webhook token, the bearer token', async (t) => {
  const signature = new URL(created.url).searchParams.get('X-Amz-Signature')!
  const exported = otlp.bodies.join('\n')
  t.ok(signature, 'the presigned URL is signed')
  t.notOk(exported.includes(signature), 'no presigned URL signature')
  t.notOk(exported.includes('X-Amz-Credential'), 'no presigned URL credential')
  t.notOk(exported.includes(WEBHOOK_TOKEN), "no token from WEBHOOK_URL's query")
  t.notOk(exported.includes(auth.authorization.slice('Bearer '.length)), 'no bearer token')
  t.ok(exported.includes('/hooks/hoist'), 'the receiver path is still there: it says what was called')
})
