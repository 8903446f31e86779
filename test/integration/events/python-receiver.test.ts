/**
 * The app's side, in its own language: the FastAPI app in examples/fastapi-walkthroughs, using the hoist_client
 * package (python/), mints the Hoist token for one block (its metadata fixed by the token's upload rules), receives
 * Hoist's webhook, verifies it, puts the upload in the block its fixed metadata names — in MongoDB — and attaches it to
 * that block in Hoist, detaching the upload it replaced.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { MongoClient } from 'mongodb'
import { Webhook } from 'standardwebhooks'
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { freePort } from '../../../infra/stack/ports.js'
import { ensurePythonVenv } from '../../../infra/system/python.js'
import { fileOf } from '../../helpers/fixtures.js'
import { baseUrl, startHoist, uniqueName } from '../../helpers/hoist.js'
import { bearer, TEST_JWT_SECRET } from '../../helpers/tokens.js'

const exampleDir = fileURLToPath(new URL('../../../examples/fastapi-walkthroughs/', import.meta.url))
const packageSource = fileURLToPath(new URL('../../../python/src', import.meta.url))
const python = await ensurePythonVenv(`${exampleDir}requirements.txt`, (line) => t.comment(line))
const webhookSecret = `whsec_${Buffer.from('a-webhook-secret-of-32-bytes-for-tests').toString('base64')}`
const appPort = await freePort()
const appUrl = `http://127.0.0.1:${appPort}`

const { app, stack } = await startHoist(t, {
  listen: true,
  config: {
    webhookUrl: `${appUrl}/webhooks/hoist`,
    webhookSecret,
    webhookAllowLoopback: true,
    webhookRetryDelaysSeconds: [0.5, 1, 2],
  },
})
const mongo = await new MongoClient(stack.mongoUri).connect()
const appDb = mongo.db(uniqueName('walkthroughs').replace('-', '_'))
t.teardown(async () => {
  await appDb.dropDatabase()
  await mongo.close()
})

const receiver = spawn(python, ['-m', 'uvicorn', 'app:app', '--host', '127.0.0.1', '--port', String(appPort)], {
  cwd: exampleDir,
  env: {
    ...process.env,
    // The hoist_client package from this clone, as `pip install ../../python` would provide it.
    PYTHONPATH: packageSource,
    HOIST_API_URL: baseUrl(app),
    HOIST_JWT_SECRET: TEST_JWT_SECRET,
    HOIST_WEBHOOK_SECRET: webhookSecret,
    MONGO_URI: stack.mongoUri,
    APP_DB: appDb.databaseName,
  },
  stdio: ['ignore', 'pipe', 'pipe'],
})
let receiverOutput = ''
receiver.stdout.on('data', (chunk: Buffer) => (receiverOutput += chunk.toString()))
receiver.stderr.on('data', (chunk: Buffer) => (receiverOutput += chunk.toString()))
t.teardown(() => void receiver.kill())
for (
  let i = 0;
  i < 100 &&
  !(await fetch(`${appUrl}/docs`)
    .then((r) => r.ok)
    .catch(() => false));
  i++
)
  await new Promise((r) => setTimeout(r, 100))

const user = { 'x-demo-user': 'ada', 'x-demo-workspace': 'ws-walk' }
const blockUrl = async (walkthroughId: string): Promise<unknown> =>
  (
    await appDb
      .collection<{ _id: string; steps: { blocks: { data: { url?: string } }[] }[] }>('walkthroughs')
      .findOne({ _id: walkthroughId })
  )?.steps[0]?.blocks[0]?.data.url

/** The app's token for uploading into block-1 of step-1 of `walkthroughId`, as the signed-in user asks for it. */
async function tokenFor(walkthroughId: string): Promise<{ status: number; token?: string }> {
  const answer = await fetch(`${appUrl}/api/hoist/token`, {
    method: 'POST',
    headers: { ...user, 'content-type': 'application/json' },
    body: JSON.stringify({ walkthroughId, stepId: 'step-1', blockId: 'block-1' }),
  })
  return { status: answer.status, ...((await answer.json()) as { token?: string }) }
}

/** Uploads a PNG with `token`; the block's metadata comes from the token's rules unless `metadata` is sent. */
async function uploadFor(
  token: string,
  metadata?: Record<string, string>,
): Promise<{ id: string; url: string; metadata: Record<string, string>; fixedMetadata?: string[] }> {
  const auth = { authorization: `Bearer ${token}` }
  const bytes = fileOf('image/png', 3000)
  const answer = await fetch(`${baseUrl(app)}/v1/uploads`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      filename: 'screenshot.png',
      contentType: 'image/png',
      size: bytes.length,
      ...(metadata ? { metadata } : {}),
    }),
  })
  t.equal(answer.status, 201, 'Hoist accepts the token the app minted')
  const created = (await answer.json()) as SingleInstructions
  await fetch(created.url, { method: 'PUT', headers: created.headers, body: bytes })
  return (await (
    await fetch(`${baseUrl(app)}/v1/uploads/${created.id}/confirm`, { method: 'POST', headers: auth })
  ).json()) as { id: string; url: string; metadata: Record<string, string>; fixedMetadata?: string[] }
}

/** The upload as the app's backend sees it, with the references attached to it. */
async function attachmentsOf(id: string): Promise<string[] | undefined> {
  const answer = await fetch(`${baseUrl(app)}/v1/uploads/${id}`, {
    headers: bearer({ sub: 'app', workspace: 'ws-walk', role: 'app' }),
  })
  return ((await answer.json()) as { attachments?: string[] }).attachments
}

const BLOCK_REFERENCE = (walkthroughId: string) => `walkthroughs/${walkthroughId}/steps/step-1/blocks/block-1`

const walkthrough = (id: string, workspaceId: string) => ({
  _id: id,
  workspaceId,
  title: 'Getting started',
  steps: [
    { id: 'step-1', title: 'Welcome', blocks: [{ id: 'block-1', type: 'image', data: { caption: 'The dashboard' } }] },
  ],
})

t.test(
  'an upload made with the app’s token lands in the block its metadata names, through a verified webhook, and is attached to it',
  async (t) => {
    await appDb.collection<{ _id: string }>('walkthroughs').insertOne(walkthrough('wt-1', 'ws-walk'))
    const { token } = await tokenFor('wt-1')
    const confirmed = await uploadFor(token!)
    t.same(
      confirmed.metadata,
      { walkthroughId: 'wt-1', stepId: 'step-1', blockId: 'block-1' },
      'filled in by the rules',
    )
    let url: unknown
    for (let i = 0; i < 100 && !url; i++) {
      await new Promise((r) => setTimeout(r, 100))
      url = await blockUrl('wt-1')
    }
    t.equal(url, confirmed.url, receiverOutput.slice(-2000))
    // The receiver sets the block first, then records the event and attaches: those may land a moment later.
    const recorded = async () =>
      (await appDb.collection('hoist_events').find({ uploadId: confirmed.id }).toArray()).map((event) => event.type)
    t.same(await eventually(recorded, ['upload.confirmed']), ['upload.confirmed'], 'the receiver recorded the event')
    const attached = [BLOCK_REFERENCE('wt-1')]
    t.same(await eventually(() => attachmentsOf(confirmed.id), attached), attached, 'attached to its block in Hoist')
  },
)

/** A delivery as Hoist makes it, signed with the shared secret: what a retry of an old event looks like. */
async function deliver(type: string, upload: { id: string }): Promise<number> {
  const id = `evt_replayed_${upload.id}_${type}`
  const body = JSON.stringify({ id, type, timestamp: new Date().toISOString(), workspaceId: 'ws-walk', data: upload })
  const now = new Date()
  const answer = await fetch(`${appUrl}/webhooks/hoist`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(webhookSecret).sign(id, now, body),
    },
    body,
  })
  return answer.status
}

/** What `read` gives once it equals `expected` (compared as JSON), or its last answer after 10 s. */
async function eventually<T>(read: () => Promise<T>, expected: unknown): Promise<T> {
  const deadline = Date.now() + 10_000
  let value = await read()
  while (JSON.stringify(value) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }
  return value
}

const eventuallyBlockUrl = (walkthroughId: string, expected: unknown): Promise<unknown> =>
  eventually(() => blockUrl(walkthroughId), expected)

t.test('late or repeated events of an older upload never replace the newer one in the block', async (t) => {
  await appDb.collection<{ _id: string }>('walkthroughs').insertOne(walkthrough('wt-order', 'ws-walk'))
  const { token } = await tokenFor('wt-order')
  const older = await uploadFor(token!)
  t.equal(await eventuallyBlockUrl('wt-order', older.url), older.url)
  const newer = await uploadFor(token!)
  t.equal(await eventuallyBlockUrl('wt-order', newer.url), newer.url, 'the replacement is in the block')
  // The receiver sets the block first, then attaches the new upload and detaches the old one.
  const attached = [BLOCK_REFERENCE('wt-order')]
  t.same(await eventually(() => attachmentsOf(newer.id), attached), attached, 'the replacement is attached in Hoist')
  t.equal(
    await eventually(() => attachmentsOf(older.id), undefined),
    undefined,
    'the replaced upload is detached: cleanup may collect it',
  )

  t.equal(await deliver('upload.confirmed', older), 200)
  t.equal(await blockUrl('wt-order'), newer.url, "the older upload's late confirmed event changes nothing")
  t.equal(await attachmentsOf(older.id), undefined, 'and attaches nothing')
  t.equal(await deliver('upload.deleted', older), 200)
  t.equal(await blockUrl('wt-order'), newer.url, 'deleting the older upload does not detach the newer one')
  t.equal(await deliver('upload.deleted', newer), 200)
  t.equal(await blockUrl('wt-order'), undefined, 'deleting the attached upload detaches it')
})

t.test('no token for another workspace’s block; block metadata the browser chose is not trusted', async (t) => {
  await appDb.collection<{ _id: string }>('walkthroughs').insertOne(walkthrough('wt-theirs', 'ws-someone-else'))
  t.equal((await tokenFor('wt-theirs')).status, 404, 'the app mints no token for a block the user cannot edit')

  await appDb.collection<{ _id: string }>('walkthroughs').insertOne(walkthrough('wt-mine', 'ws-walk'))
  // A token without upload rules: the browser names the block itself.
  const unruled = bearer({ sub: 'ada', workspace: 'ws-walk' }).authorization.slice('Bearer '.length)
  const confirmed = await uploadFor(unruled, { walkthroughId: 'wt-mine', stepId: 'step-1', blockId: 'block-1' })
  t.equal(confirmed.fixedMetadata, undefined)
  for (let i = 0; i < 50; i++) {
    if (await appDb.collection('hoist_events').findOne({ uploadId: confirmed.id })) break
    await new Promise((r) => setTimeout(r, 100))
  }
  t.ok(await appDb.collection('hoist_events').findOne({ uploadId: confirmed.id }), 'the event arrived')
  t.equal(await blockUrl('wt-mine'), undefined, 'and put nothing in the block')
  t.equal(await attachmentsOf(confirmed.id), undefined, 'nor attached anything')
})

t.test('a forged webhook is refused by the receiver and changes nothing', async (t) => {
  const before = await appDb.collection('hoist_events').countDocuments()
  const body = JSON.stringify({ id: 'evt_forged', type: 'upload.confirmed', data: { id: 'x', metadata: {} } })
  const seconds = String(Math.floor(Date.now() / 1000))
  for (const signature of ['v1,AAAA', 'garbage', '']) {
    const answer = await fetch(`${appUrl}/webhooks/hoist`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': seconds,
        'webhook-signature': signature,
      },
      body,
    })
    t.equal(answer.status, 400, `signature "${signature}"`)
  }
  t.equal(await appDb.collection('hoist_events').countDocuments(), before)
})
