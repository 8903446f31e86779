/**
 * Bucket notifications from a real MinIO (its webhook target, configured by environment at start, and a notification
 * configuration set through the S3 API by bucket setup) confirm an upload whose client never called confirm.
 * Control 26: a forged or stale notification changes nothing.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { freePort } from '../../../infra/stack/ports.js'
import { minioWebhookEnv } from '../../../server/src/bucket/notifications.js'
import { detectMinio, setupBucket } from '../../../server/src/bucket/setup.js'
import { createUpload, putObject } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { baseUrl, startHoist } from '../../helpers/hoist.js'
import { ownedStack } from '../../helpers/stack.js'

const port = await freePort()
const token = randomBytes(24).toString('base64url')
const stack = await ownedStack(t, {
  minioEnv: minioWebhookEnv(`http://127.0.0.1:${port}`, token, mkdtempSync(join(tmpdir(), 'hoist-minio-queue-'))),
})
const { app, db, s3, config } = await startHoist(t, {
  stack,
  port,
  bucketEvents: 'minio',
  config: { bucketEventsToken: token },
})
const uploads = db.collection('uploads')
const events = (uploadId: string) => db.collection('upload_events').find({ uploadId }).toArray()

async function statusEventually(id: string, status: string, ms = 15_000): Promise<string | undefined> {
  const deadline = Date.now() + ms
  let current: string | undefined
  while (Date.now() < deadline) {
    current = (await uploads.findOne({ _id: id as never }))?.status as string | undefined
    if (current === status) return current
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return current
}

/** A notification as MinIO sends it, for `key`, sent with `authorization`. */
function notification(key: string, eventTime: Date, bucket = config.s3Bucket): object {
  return {
    EventName: 's3:ObjectCreated:Put',
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventName: 's3:ObjectCreated:Put',
        eventTime: eventTime.toISOString(),
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key), size: 1500 } },
      },
    ],
  }
}
interface Outcomes {
  results: { key: string; outcome: string; reason?: string }[]
}
const post = (body: object, authorization = `Bearer ${token}`, to = app) =>
  fetch(`${baseUrl(to)}/v1/bucket-events`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
const outcomes = async (answer: Response): Promise<Outcomes['results']> => ((await answer.json()) as Outcomes).results

async function uploadedButNotConfirmed(name: string): Promise<SingleInstructions> {
  const bytes = fileOf('image/png', 1500, name.length)
  const created = (
    await createUpload(app, { filename: name, contentType: 'image/png', size: bytes.length })
  ).json<SingleInstructions>()
  t.equal((await putObject(created, bytes)).status, 200)
  return created
}

t.test('bucket setup configures the notification through the S3 API; a second run changes nothing', async (t) => {
  const again = await setupBucket(s3, {
    bucket: config.s3Bucket,
    region: config.awsRegion,
    keyPrefix: config.s3KeyPrefix,
    corsOrigins: [],
    access: 'public-read',
    abortIncompleteMultipartAfterDays: 1,
    minio: await detectMinio(config.s3Endpoint),
    wholeBucket: false,
    bucketEvents: 'minio',
  })
  t.equal(again.find((report) => report.step === 'notifications')?.outcome, 'unchanged')
})

t.test(
  'a PUT whose client never confirms: MinIO tells the API, which confirms it at once, with one event',
  async (t) => {
    const created = await uploadedButNotConfirmed('tab-closed.png')
    t.equal(await statusEventually(created.id, 'confirmed'), 'confirmed')
    t.equal((await uploads.findOne({ _id: created.id as never }))?.confirmedBy, 'bucket-event')
    t.same(
      (await events(created.id)).map((e) => e.type),
      ['upload.confirmed'],
    )
    const replay = await outcomes(await post(notification(created.key, new Date())))
    t.match(replay, [{ key: created.key, outcome: 'already-settled' }], 'a replay changes nothing')
    t.equal((await events(created.id)).length, 1)
  },
)

t.test('control 26: a forged notification is refused and changes nothing', async (t) => {
  const created = (
    await createUpload(app, { filename: 'forged.png', contentType: 'image/png', size: 1500 })
  ).json<SingleInstructions>()
  // Same-length forgeries reach the constant-time comparison; the others are refused by their length.
  const lastCharChanged = `Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
  const firstCharChanged = `Bearer ${token.startsWith('A') ? 'B' : 'A'}${token.slice(1)}`
  for (const authorization of ['', lastCharChanged, firstCharChanged, `Bearer ${token}x`, token]) {
    const answer = await post(notification(created.key, new Date()), authorization)
    t.equal(answer.status, 401, `authorization "${authorization.slice(0, 12)}…"`)
    t.equal(((await answer.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED')
  }
  t.equal((await uploads.findOne({ _id: created.id as never }))?.status, 'pending')
})

t.test('control 26: a stale, future-dated or foreign notification changes nothing', async (t) => {
  // An API on its own bucket, which sends no notifications: the object is there and its upload still pending, so
  // only the notifications below could confirm it — and the last, fresh one does.
  const quiet = await startHoist(t, { stack, listen: true, config: { bucketEventsToken: token } })
  const bytes = fileOf('image/png', 1500, 11)
  const created = (
    await createUpload(quiet.app, { filename: 'stale.png', contentType: 'image/png', size: bytes.length })
  ).json<SingleInstructions>()
  await putObject(created, bytes)
  const sent = async (body: object) => (await outcomes(await post(body, `Bearer ${token}`, quiet.app)))[0]
  const at = (offsetMs: number, bucket = quiet.config.s3Bucket) =>
    notification(created.key, new Date(Date.now() + offsetMs), bucket)
  t.match(await sent(at(-10 * 60_000)), { outcome: 'ignored', reason: /stale/ })
  t.match(await sent(at(10 * 60_000)), { outcome: 'ignored', reason: /stale/ })
  t.match(await sent(at(0, 'another-bucket')), { outcome: 'ignored', reason: /another bucket/ })
  t.match(await sent(notification('somewhere/else.png', new Date(), quiet.config.s3Bucket)), {
    outcome: 'ignored',
    reason: /S3_KEY_PREFIX/,
  })
  const status = async () => (await quiet.db.collection('uploads').findOne({ _id: created.id as never }))?.status
  t.equal(await status(), 'pending', 'nothing changed')
  t.match(await sent(at(0)), { outcome: 'confirmed' }, 'a fresh notification of the same object confirms it')
  t.equal(await status(), 'confirmed')
})

t.test('a notification in AWS EventBridge’s shape is understood too', async (t) => {
  // An API on its own bucket, which sends no notifications: the object arrives silently, as when they go to EventBridge.
  const quiet = await startHoist(t, { stack, listen: true, config: { bucketEventsToken: token } })
  const bytes = fileOf('image/png', 1500, 9)
  const created = (
    await createUpload(quiet.app, { filename: 'eventbridge.png', contentType: 'image/png', size: bytes.length })
  ).json<SingleInstructions>()
  await putObject(created, bytes)
  const body = {
    version: '0',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    time: new Date().toISOString(),
    detail: { bucket: { name: quiet.config.s3Bucket }, object: { key: created.key, size: bytes.length } },
  }
  t.match(await outcomes(await post(body, `Bearer ${token}`, quiet.app)), [{ key: created.key, outcome: 'confirmed' }])
  const record = await quiet.db.collection('uploads').findOne({ _id: created.id as never })
  t.same([record?.status, record?.confirmedBy], ['confirmed', 'bucket-event'])
})
