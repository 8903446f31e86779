/**
 * The image worker on the real stack (control 28): variants upright and without EXIF/GPS at the configured widths,
 * with immutable cache headers; bad images end with a clear processingError and an event while the worker keeps
 * working; two workers process each image once; a worker killed mid-job leaves exactly one set of variants once the
 * next one is done; deleting an upload deletes its variants.
 */
import { HeadObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import sharp from 'sharp'
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { cliEnv } from '../../helpers/cli.js'
import { confirmUpload, createUpload, deleteUpload, putObject } from '../../helpers/api.js'
import { startHoist } from '../../helpers/hoist.js'
import { testImageWorker } from '../../helpers/image-worker.js'
import { noisyJpeg, pngBomb, sidewaysPhotoWithGps } from '../../helpers/images.js'
import { FROM_SOURCE } from '../../helpers/from-source.js'
import { variantKey } from '../../../server/src/images/variant-keys.js'

const HOIST_CLI = fileURLToPath(new URL('../../../server/src/cli/hoist.ts', import.meta.url))
const { app, db, s3, config, stack } = await startHoist(t, { config: { imageWidths: [100, 150, 320] } })
const workers = testImageWorker(t, db, config)
const drain = (): Promise<void> => workers.drain()
const uploads = db.collection('uploads')

async function upload(name: string, contentType: string, bytes: Buffer): Promise<SingleInstructions> {
  const body = Uint8Array.from(bytes)
  const created = (
    await createUpload(app, { filename: name, contentType, size: bytes.length })
  ).json<SingleInstructions>()
  t.equal((await putObject(created, body)).status, 200)
  t.equal((await confirmUpload(app, created.id)).statusCode, 200, `${name} confirmed`)
  return created
}

const processed = (uploadId: string) =>
  db.collection('upload_events').find({ uploadId, type: 'upload.processed' }).toArray()

t.test('a sideways photo with GPS: upright WebP variants without EXIF, immutable, recorded, one event', async (t) => {
  const created = await upload('photo.jpg', 'image/jpeg', await sidewaysPhotoWithGps())
  await drain()
  const record = await uploads.findOne({ _id: created.id as never })
  t.same(record?.image && [record.image.width, record.image.height], [200, 400], 'the upright size')
  t.match(record?.image?.placeholder, /^[A-Za-z0-9+/=]{20,}$/)
  t.same(
    record?.variants.map((v: { width: number; height: number }) => [v.width, v.height]),
    [
      [100, 200],
      [150, 300],
      [200, 400],
    ],
  )
  for (const variant of record?.variants ?? []) {
    t.match(
      variant.key,
      new RegExp(`^${created.key.replace(/\.jpg$/, '')}\\.w${variant.width}\\.webp$`),
      'beside the original',
    )
    const head = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: variant.key }))
    t.same(
      [head.ContentType, head.CacheControl, head.ContentLength],
      ['image/webp', 'public, max-age=31536000, immutable', variant.bytes],
    )
    const bytes = Buffer.from(
      await (
        await s3.send(new GetObjectCommand({ Bucket: config.s3Bucket, Key: variant.key }))
      ).Body!.transformToByteArray(),
    )
    const metadata = await sharp(bytes).metadata()
    t.equal(metadata.exif, undefined, `${variant.width}w has no EXIF, so no GPS`)
    t.ok(metadata.height > metadata.width, `${variant.width}w is upright`)
  }
  const got = (
    await app.inject({
      method: 'GET',
      url: `/v1/uploads/${created.id}`,
      headers: { authorization: `Bearer ${(await import('../../helpers/tokens.js')).mintToken()}` },
    })
  ).json()
  t.equal(got.variants.length, 3, 'the API shows the variants')
  t.same(
    (await processed(created.id)).map((e) => e.data.variants.length),
    [3],
    'one upload.processed event, carrying them',
  )
})

t.test(
  'a bomb, a truncated JPEG and a fake image end with a clear error and an event; the worker goes on',
  async (t) => {
    const photo = await noisyJpeg(600, 400)
    const bomb = await upload('bomb.png', 'image/png', pngBomb())
    const truncated = await upload('cut.jpg', 'image/jpeg', photo.subarray(0, photo.length / 2))
    // Passes the signature check at confirm (a PNG signature, no HTML), is no PNG after it.
    const fake = await upload(
      'fake.png',
      'image/png',
      Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.from('not a png at all; '.repeat(20)),
      ]),
    )
    const good = await upload('after.jpg', 'image/jpeg', photo)
    await drain()
    for (const [created, error] of [
      [bomb, /more pixels than IMAGE_MAX_PIXELS/],
      [truncated, /truncated|premature|could not be decoded/],
      [fake, /could not be decoded|not an image/],
    ] as const) {
      const record = await uploads.findOne({ _id: created.id as never })
      t.match(record?.processingError, error, `${created.key}: ${record?.processingError}`)
      t.equal(record?.status, 'confirmed', 'the upload itself stays confirmed')
      t.same(
        (await processed(created.id)).map((e) => e.data.processingError),
        [record?.processingError],
        'and an event says so',
      )
    }
    t.equal((await uploads.findOne({ _id: good.id as never }))?.variants?.length, 3, 'the next image is processed')
  },
)

t.test('two workers at once process each image once', async (t) => {
  const created = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => upload(`many-${i}.jpg`, 'image/jpeg', await noisyJpeg(400 + i, 300))),
  )
  // Both on the real clock: drain() moves its clock on between passes, which would make one worker take the
  // other's lease for lost while it is still working.
  const [a, b] = [workers.create(), workers.create()]
  for (let pass = 0; pass < 20; pass++) {
    await Promise.all([a.runOnce(), b.runOnce()])
    const left = await db
      .collection('upload_events')
      .countDocuments({ uploadId: { $in: created.map((c) => c.id) }, type: 'upload.processed' })
    if (left === created.length) break
  }
  for (const c of created) {
    const confirmed = await db.collection('upload_events').findOne({ uploadId: c.id, type: 'upload.confirmed' })
    t.equal(
      await db
        .collection('event_attempts')
        .countDocuments({ eventId: confirmed?.eventId as string, _id: { $regex: ':processing:' } as never }),
      1,
      'one attempt',
    )
    t.equal((await processed(c.id)).length, 1, 'one event')
  }
})

t.test('a worker killed mid-job: the next one finishes it, leaving exactly one set of variants', async (t) => {
  const created = await upload('big.jpg', 'image/jpeg', await noisyJpeg(3000, 2000))
  const confirmed = await db.collection('upload_events').findOne({ uploadId: created.id, type: 'upload.confirmed' })
  // A real `hoist worker` process, killed as soon as it has claimed the job.
  const child = spawn(process.execPath, [...FROM_SOURCE, HOIST_CLI, 'worker'], {
    env: { ...process.env, ...cliEnv(stack, config), IMAGE_WIDTHS: config.imageWidths.join(',') },
    stdio: 'ignore',
  })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  // A deadline, not a count of polls: a busy machine can take many seconds to start the process.
  const claimedBy = Date.now() + 30_000
  while (
    Date.now() < claimedBy &&
    !(await db.collection('event_attempts').findOne({ _id: `${confirmed?.eventId}:processing:1` as never }))
  ) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  child.kill('SIGKILL')
  await exited
  t.ok(
    await db.collection('event_attempts').findOne({ _id: `${confirmed?.eventId}:processing:1` as never }),
    'it had claimed the job',
  )
  // The next worker takes the job once the lease has run out and the retry is due (drain lets that time pass).
  await drain()
  const record = await uploads.findOne({ _id: created.id as never })
  t.same(
    record?.variants?.map((v: { width: number }) => v.width),
    [100, 150, 320],
  )
  const prefix = created.key.replace(/\.jpg$/, '')
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.s3Bucket, Prefix: prefix }))
  const keys = [created.key, ...((record?.variants ?? []) as { key: string }[]).map((v) => v.key)]
  t.same((listed.Contents ?? []).map((o) => o.Key).sort(), keys.sort(), 'the original and one set of variants')
  t.equal((await processed(created.id)).length, 1)
})

t.test('deleting an upload deletes its variants', async (t) => {
  const created = await upload('gone.jpg', 'image/jpeg', await noisyJpeg(500, 300))
  await drain()
  const variants = ((await uploads.findOne({ _id: created.id as never }))?.variants ?? []) as { key: string }[]
  t.equal(variants.length, 3)
  t.equal((await deleteUpload(app, created.id)).statusCode, 204)
  for (const variant of variants) t.equal(await app.objectStore.head(variant.key), undefined, `${variant.key} is gone`)
})

t.test('variants an interrupted job wrote but never recorded are deleted once the upload is deleted', async (t) => {
  // The chaos run found these: a job wrote two variants, the bucket froze before the third, and the upload was
  // deleted before the retry; the deletion knew only the variants recorded on it, which were none.
  const created = await upload('halfway.jpg', 'image/jpeg', await noisyJpeg(500, 300))
  const written = [variantKey(created.key, 100, 'webp'), variantKey(created.key, 150, 'webp')]
  const put = (key: string) => s3.send(new PutObjectCommand({ Bucket: config.s3Bucket, Key: key, Body: 'bytes' }))
  for (const key of written) await put(key)
  const unrelated = `${written[0]}.notes` // under the prefix, but no variant's key
  await put(unrelated)
  t.teardown(() => app.objectStore.delete(unrelated))
  t.equal((await deleteUpload(app, created.id)).statusCode, 204)
  await drain()
  for (const key of written) t.equal(await app.objectStore.head(key), undefined, `${key} is gone`)
  t.ok(await app.objectStore.head(unrelated), 'a key that is no variant is left alone')
})
