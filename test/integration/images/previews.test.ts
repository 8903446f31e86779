/**
 * Previews of PDFs and videos on the real stack (controls 42 and 42a): the image worker renders a PDF's first page and
 * grabs a video's poster frame with ffmpeg, and makes WebP variants and a placeholder of them as it does of images;
 * a PDF bomb (a huge page, too many pages), a broken PDF and a truncated video end in a processingError and an event;
 * without ffmpeg a video simply gets no preview.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import sharp from 'sharp'
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { confirmUpload, createUpload, putObject } from '../../helpers/api.js'
import { startHoist } from '../../helpers/hoist.js'
import { testImageWorker } from '../../helpers/image-worker.js'
import { simplePdf } from '../../helpers/pdfs.js'

const { app, db, s3, config } = await startHoist(t, { config: { imageWidths: [100, 150, 320] } })
const workers = testImageWorker(t, db, config)
const uploads = db.collection('uploads')

/** A 2-second 320×240 MP4 from ffmpeg's test pattern (its moov box at the end, as ffmpeg writes it by default). */
function testVideo(): Buffer | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-video-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'pattern.mp4')
  const made = spawnSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-nostdin',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=10',
      '-t',
      '2',
      '-pix_fmt',
      'yuv420p',
      file,
    ],
    { timeout: 30_000 },
  )
  return made.status === 0 ? readFileSync(file) : undefined
}
const video = testVideo()
const noFfmpeg = video ? false : 'ffmpeg is not installed (npm test installs Debian’s ffmpeg when it can)'

async function upload(name: string, contentType: string, bytes: Buffer): Promise<SingleInstructions> {
  const created = (
    await createUpload(app, { filename: name, contentType, size: bytes.length })
  ).json<SingleInstructions>()
  t.equal((await putObject(created, Uint8Array.from(bytes))).status, 200)
  t.equal((await confirmUpload(app, created.id)).statusCode, 200, `${name} confirmed`)
  return created
}

const recordOf = (created: SingleInstructions) => uploads.findOne({ _id: created.id as never })
const processed = (uploadId: string) =>
  db.collection('upload_events').find({ uploadId, type: 'upload.processed' }).toArray()

async function variantBytes(key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: config.s3Bucket, Key: key }))
  return Buffer.from(await object.Body!.transformToByteArray())
}

t.test('a PDF gets WebP variants of its first page, a placeholder and one event', async (t) => {
  const created = await upload('letter.pdf', 'application/pdf', simplePdf({ pages: 3 }))
  await workers.drain()
  const record = await recordOf(created)
  t.equal(record?.processingError, undefined)
  t.same([record?.image?.width, record?.image?.height], [320, 414], 'the page rendered 320 px wide, its aspect kept')
  t.match(record?.image?.placeholder, /^[A-Za-z0-9+/=]{20,}$/)
  t.same(
    record?.variants.map((v: { width: number; format: string }) => [v.width, v.format]),
    [
      [100, 'webp'],
      [150, 'webp'],
      [320, 'webp'],
    ],
  )
  t.match(record?.variants[0].key, new RegExp(`^${created.key.replace(/\.pdf$/, '')}\\.w100\\.webp$`), 'beside it')
  // The page: white, a red square top right, a blue rectangle bottom left.
  const { data, info } = await sharp(await variantBytes(record?.variants[2].key))
    .raw()
    .toBuffer({ resolveWithObject: true })
  const pixel = (x: number, y: number) => [
    ...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
  ]
  t.ok(
    pixel(5, 5).every((value) => value > 240),
    'white paper',
  )
  t.ok(pixel(210, 130)[0]! > 200 && pixel(210, 130)[2]! < 60, 'red where the red square is')
  t.ok(pixel(80, 330)[2]! > 200 && pixel(80, 330)[0]! < 60, 'blue where the blue rectangle is')
  t.equal((await processed(created.id)).length, 1)
})

t.test('PDF bombs and a broken PDF end with a processingError and an event', async (t) => {
  const cases = [
    [
      await upload('huge.pdf', 'application/pdf', simplePdf({ width: 1_000_000, height: 1_000_000 })),
      /larger than 14400 pt/,
    ],
    [
      await upload('many.pdf', 'application/pdf', simplePdf({ pages: config.pdfMaxPages + 1 })),
      /more than PDF_MAX_PAGES/,
    ],
    [
      await upload('broken.pdf', 'application/pdf', Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catal\n%%EOF\n')),
      /could not be read/,
    ],
  ] as const
  await workers.drain()
  for (const [created, error] of cases) {
    const record = await recordOf(created)
    t.match(record?.processingError, error, `${created.key}: ${record?.processingError}`)
    t.equal(record?.variants, undefined, 'no variants')
    t.same(
      (await processed(created.id)).map((e) => e.data.processingError),
      [record?.processingError],
    )
  }
})

t.test('an MP4 gets WebP variants of its poster frame', { skip: noFfmpeg }, async (t) => {
  const created = await upload('clip.mp4', 'video/mp4', video!)
  await workers.drain()
  const record = await recordOf(created)
  t.equal(record?.processingError, undefined)
  t.same([record?.image?.width, record?.image?.height], [320, 240], 'the frame’s size')
  t.same(
    record?.variants.map((v: { width: number; format: string }) => [v.width, v.format]),
    [
      [100, 'webp'],
      [150, 'webp'],
      [320, 'webp'],
    ],
  )
  const metadata = await sharp(await variantBytes(record?.variants[2].key)).metadata()
  t.same([metadata.format, metadata.width, metadata.height], ['webp', 320, 240])
  t.equal((await processed(created.id)).length, 1)
})

t.test('a truncated MP4 ends with a processingError and an event', { skip: noFfmpeg }, async (t) => {
  const created = await upload('cut.mp4', 'video/mp4', video!.subarray(0, Math.floor(video!.length / 2)))
  await workers.drain()
  const record = await recordOf(created)
  t.match(record?.processingError, /could not be decoded|no video frame/)
  t.same(
    (await processed(created.id)).map((e) => e.data.processingError),
    [record?.processingError],
  )
})

t.test('without ffmpeg, a video gets no preview: no error, no event, the job done', { skip: noFfmpeg }, async (t) => {
  const created = await upload('plain.mp4', 'video/mp4', video!)
  await testImageWorker(t, db, config, { ffmpegPath: '/nonexistent/ffmpeg' }).drain()
  const record = await recordOf(created)
  t.same([record?.status, record?.variants, record?.processingError], ['confirmed', undefined, undefined])
  t.same(await processed(created.id), [], 'no upload.processed')
  const confirmed = await db.collection('upload_events').findOne({ uploadId: created.id, type: 'upload.confirmed' })
  t.equal(confirmed?.processing?.state, 'processed', 'the job is done, not waiting or retried')
})
