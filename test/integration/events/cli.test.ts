/**
 * `hoist events list | deliver | redeliver` against a real deployment: the outbox from the command line, and the
 * delivery worker a deployment runs beside APIs that leave delivery to it (EVENT_DELIVERY=worker).
 */
import t from 'tap'
import { uploadFile } from '../../helpers/api.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist, uniqueName } from '../../helpers/hoist.js'
import { startWebhookReceiver } from '../../helpers/webhook-receiver.js'

const receiver = await startWebhookReceiver(t)
const webhook = { webhookUrl: receiver.url, webhookSecret: receiver.secret, webhookAllowLoopback: true }
const { app, stack, config } = await startHoist(t, { config: { ...webhook, eventDelivery: 'worker' } })
const env = {
  ...cliEnv(stack, config),
  WEBHOOK_URL: receiver.url,
  WEBHOOK_SECRET: receiver.secret,
  WEBHOOK_ALLOW_LOOPBACK: 'true',
}
const workspace = uniqueName('ws-cli')
const uploaded = await uploadFile(
  app,
  { filename: 'step.png', contentType: 'image/png', bytes: fileOf('image/png', 1200) },
  { workspace },
)

interface Listed {
  event: { id: string; type: string; data: { id: string } }
  delivery: { state: string; attempts: number }
}
async function listed(): Promise<Listed[]> {
  const result = await runHoist(['events', 'list', '--workspace', workspace, '--json'], env)
  if (result.code !== 0) throw new Error(`hoist events list exited ${result.code}: ${result.stderr}`)
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Listed)
}

t.test('list: the workspace event, pending while only a worker delivers', async (t) => {
  const [item, ...rest] = await listed()
  t.equal(rest.length, 0)
  t.match(item, { event: { type: 'upload.confirmed', data: { id: uploaded.id } }, delivery: { state: 'pending' } })
  t.equal(receiver.deliveries.length, 0, 'the API delivered nothing itself')
})

t.test('deliver: the worker delivers it, signed; list shows it delivered', async (t) => {
  const result = await runHoist(['events', 'deliver'], env, (text, kill) => {
    if (/: delivered/.test(text)) kill()
  })
  t.match(result.stdout, /upload\.confirmed: delivered/)
  const [delivery] = await receiver.waitFor(1)
  t.equal(delivery!.verified, true)
  t.equal(delivery!.event.data.id, uploaded.id)
  t.match((await listed())[0]?.delivery, { state: 'delivered', attempts: 1 })
})

t.test('redeliver: an event by id goes back in the queue; an unknown id is exit 1', async (t) => {
  const [item] = await listed()
  const queued = await runHoist(['events', 'redeliver', item!.event.id], env)
  t.equal(queued.code, 0, queued.stderr)
  t.match(queued.stdout, /^1 event\(s\) queued for delivery/)
  t.match((await listed())[0]?.delivery, { state: 'pending' })
  const unknown = await runHoist(['events', 'redeliver', 'evt_does_not_exist'], env)
  t.equal(unknown.code, 1)
  t.match(unknown.stdout, /^0 event\(s\) queued/)
})

t.test('usage mistakes are exit 2 before anything is read', async (t) => {
  t.equal((await runHoist(['events', 'list'], env)).code, 2, 'no --workspace')
  t.equal((await runHoist(['events', 'list', '--workspace', workspace, '--status', 'lost'], env)).code, 2)
  t.equal((await runHoist(['events', 'redeliver', 'evt_x', '--since', '2026-01-01T00:00:00Z'], env)).code, 2)
})
