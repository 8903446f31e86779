/**
 * An API killed in the middle of a webhook delivery loses nothing: the attempt it claimed is recorded as lost once its
 * lease has run out, and the next API process delivers the event — with the same webhook-id.
 */
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { configFor } from '../../helpers/hoist.js'
import { sharedStack } from '../../helpers/stack.js'
import { mintToken } from '../../helpers/tokens.js'
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js'
import { createS3Client } from '../../../server/src/storage/s3-client.js'
import { CreateBucketCommand } from '@aws-sdk/client-s3'

const stack = await sharedStack(t)
const config = configFor(stack)
const s3 = createS3Client(config)
await s3.send(new CreateBucketCommand({ Bucket: config.s3Bucket }))
s3.destroy()

let holdFirst: (() => void) | undefined
const firstArrived = new Promise<void>((resolve) => (holdFirst = resolve))
// The first delivery is never answered: the API is killed while it waits.
const receiver = await startWebhookReceiver(t, (_delivery, index) =>
  index === 0 ? (holdFirst!(), new Promise<number>(() => undefined)) : 200,
)
const env = {
  ...cliEnv(stack, config),
  SWEEP_INTERVAL_SECONDS: '0',
  SHUTDOWN_DRAIN_DELAY_MS: '0',
  WEBHOOK_URL: receiver.url,
  WEBHOOK_SECRET: receiver.secret,
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_TIMEOUT_SECONDS: '1',
  WEBHOOK_RETRY_DELAYS: '0.2,0.2,0.2',
}

t.test('killed mid-delivery, the next API process delivers the event', async (t) => {
  const first = await startApiProcess({ entry: 'source', env })
  const auth = { authorization: `Bearer ${mintToken()}` }
  const bytes = fileOf('image/png', 1200)
  const created = (await (
    await fetch(`${first.url}/v1/uploads`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ filename: 'a.png', contentType: 'image/png', size: bytes.length }),
    })
  ).json()) as SingleInstructions
  await fetch(created.url, { method: 'PUT', headers: created.headers, body: bytes })
  t.equal((await fetch(`${first.url}/v1/uploads/${created.id}/confirm`, { method: 'POST', headers: auth })).status, 200)
  await firstArrived
  first.child.kill('SIGKILL')
  await first.exited

  const second = await startApiProcess({ entry: 'source', env })
  t.teardown(() => void second.child.kill('SIGKILL'))
  const deliveries = await receiver.waitFor(2, () => true, 40_000)
  t.equal(deliveries[1]!.verified, true)
  t.equal(deliveries[1]!.id, deliveries[0]!.id, 'the same webhook-id: the receiver can tell it is a retry')
  t.equal(deliveries[1]!.event.data.id, created.id)
  // The receiver has the request before the API has its answer: the outcome is recorded a moment later.
  const delivery = async () => {
    const feed = (await (await fetch(`${second.url}/v1/events`, { headers: auth })).json()) as {
      items: { delivery: { state: string; attempts: number } }[]
    }
    return feed.items[0]?.delivery
  }
  let recorded = await delivery()
  for (const deadline = Date.now() + 15_000; recorded?.state !== 'delivered' && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    recorded = await delivery()
  }
  t.match(recorded, { state: 'delivered', attempts: 2 }, 'attempt 1 recorded as lost, attempt 2 delivered')
})
