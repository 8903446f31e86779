/**
 * Webhooks to a real receiver (control 25): Standard Webhooks signatures a `standardwebhooks` receiver verifies,
 * retries with the same webhook-id, exactly one attempt each with two API instances, failed events visible.
 */
import t from 'tap'
import { buildApp } from '../../../server/src/app.js'
import { uploadFile } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js'

const png = (seed: number): Buffer<ArrayBuffer> => fileOf('image/png', 1500, seed)
const webhookConfig = (url: string, secret: string) => ({
  webhookUrl: url,
  webhookSecret: secret,
  webhookAllowLoopback: true,
  webhookTimeoutSeconds: 2,
  webhookRetryDelaysSeconds: [0.2, 0.2, 0.2],
})

t.test('a confirmed upload reaches the receiver, signed, with the record and its metadata', async (t) => {
  const receiver = await startWebhookReceiver(t)
  const { app } = await startHoist(t, { config: webhookConfig(receiver.url, receiver.secret) })
  const created = await app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: bearer(),
    payload: {
      filename: 'step.png',
      contentType: 'image/png',
      size: 1500,
      metadata: { walkthroughId: 'w-1', 'step.id': 's-2' },
    },
  })
  t.equal(created.statusCode, 201, created.body)
  const instructions = created.json()
  await fetch(instructions.url, { method: 'PUT', headers: instructions.headers, body: png(1) })
  const confirmed = (
    await app.inject({ method: 'POST', url: `/v1/uploads/${instructions.id}/confirm`, headers: bearer() })
  ).json()
  const [delivery] = await receiver.waitFor(1)
  t.equal(delivery!.verified, true, 'the signature verifies with the standardwebhooks package')
  t.equal(delivery!.event.type, 'upload.confirmed')
  t.same(delivery!.event.data, confirmed, 'the payload is the confirmed record as the API shows it')
  t.same(delivery!.event.data.metadata, { walkthroughId: 'w-1', 'step.id': 's-2' })
  t.equal(delivery!.event.workspaceId, 'ws-a')
  t.equal(delivery!.id, delivery!.event.id, 'webhook-id is the event id')
})

t.test(
  'a receiver that answers 500 three times, then 200, gets the event four times with the same webhook-id',
  async (t) => {
    const receiver = await startWebhookReceiver(t, (_delivery, index) => (index < 3 ? 500 : 200))
    const { app } = await startHoist(t, { config: webhookConfig(receiver.url, receiver.secret) })
    await uploadFile(app, { filename: 'retried.png', contentType: 'image/png', bytes: png(2) })
    const deliveries = await receiver.waitFor(4)
    t.equal(new Set(deliveries.map((d) => d.id)).size, 1, 'one webhook-id for every attempt')
    t.ok(
      deliveries.every((d) => d.verified),
      'each attempt is signed afresh and verifies',
    )
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    t.equal(receiver.deliveries.length, 4, 'and nothing more once it answered 200')
    const feed = (await app.inject({ method: 'GET', url: '/v1/events', headers: bearer() })).json()
    t.same(
      feed.items.map((item: { delivery: { state: string; attempts: number } }) => item.delivery),
      [{ state: 'delivered', attempts: 4, lastStatus: 200, deliveredAt: feed.items[0].delivery.deliveredAt }],
    )
  },
)

t.test('a receiver that never answers 2xx: the event is marked failed and listed as failed', async (t) => {
  const receiver = await startWebhookReceiver(t, () => 503)
  const { app } = await startHoist(t, { config: webhookConfig(receiver.url, receiver.secret) })
  await uploadFile(app, { filename: 'failed.png', contentType: 'image/png', bytes: png(3) })
  await receiver.waitFor(4)
  let failed: {
    items: { event: { type: string }; delivery: { state: string; attempts: number; lastStatus: number } }[]
  } = { items: [] }
  for (let i = 0; i < 60 && failed.items.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    failed = (await app.inject({ method: 'GET', url: '/v1/events?status=failed', headers: bearer() })).json()
  }
  t.equal(failed.items.length, 1)
  t.same(
    [failed.items[0]?.event.type, failed.items[0]?.delivery.attempts, failed.items[0]?.delivery.lastStatus],
    ['upload.confirmed', 4, 503],
  )
})

t.test('two API instances deliver each event once: every attempt is claimed by one of them', async (t) => {
  const receiver = await startWebhookReceiver(t)
  const first = await startHoist(t, { config: webhookConfig(receiver.url, receiver.secret) })
  const second = await buildApp(first.config, { logger: false })
  await second.ready()
  t.teardown(() => second.close())
  const uploads = await Promise.all(
    Array.from({ length: 16 }, (_, i) =>
      uploadFile(i % 2 ? first.app : second, { filename: `${i}.png`, contentType: 'image/png', bytes: png(10 + i) }),
    ),
  )
  await receiver.waitFor(16)
  await new Promise((resolve) => setTimeout(resolve, 1_500))
  t.equal(receiver.deliveries.length, 16, 'sixteen deliveries for sixteen events, none twice')
  t.same(new Set(receiver.deliveries.map((d) => d.event.data.id)), new Set(uploads.map((u) => u.id)))
})
