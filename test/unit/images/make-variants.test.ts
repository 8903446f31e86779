/**
 * Control 28, the image itself: variants upright and stripped of EXIF/GPS, at the configured widths and formats, never
 * upscaled; and a decompression bomb, a truncated file, a fake image end with a clear ImageRejected, fast, bounded.
 */
import sharp from 'sharp'
import t from 'tap'
import { ImageRejected, makeVariants, variantWidths } from '../../../server/src/images/make-variants.js'
import { animatedGif, noisyJpeg, pngBomb, pngOf, sidewaysPhotoWithGps } from '../../helpers/images.js'

const options = { widths: [100, 150, 320], formats: ['webp'] as const, maxPixels: 50_000_000, timeoutSeconds: 30 }

t.test('a sideways photo with GPS comes out upright, with no EXIF at all, in every variant', async (t) => {
  const original = await sidewaysPhotoWithGps()
  t.ok((await sharp(original).metadata()).exif, 'the original carries EXIF (with GPS)')
  const made = await makeVariants(original, options)
  t.same([made.width, made.height], [200, 400], 'the original, upright: 200 × 400')
  t.same(
    made.variants.map((v) => [v.width, v.height]),
    [
      [100, 200],
      [150, 300],
      [200, 400],
    ],
    'below 320 and the original width; never upscaled',
  )
  for (const variant of made.variants) {
    const metadata = await sharp(variant.bytes).metadata()
    t.equal(metadata.format, 'webp')
    t.equal(metadata.exif, undefined, `${variant.width}w: no EXIF, so no GPS`)
    t.equal(metadata.orientation, undefined, `${variant.width}w: nothing left to rotate`)
    t.ok(metadata.height > metadata.width, `${variant.width}w: portrait, as the camera meant`)
  }
  // The left 100 px of the stored image (red) end up at the top once rotated 90° clockwise.
  const { data } = await sharp(made.variants[2]!.bytes)
    .extract({ left: 100, top: 10, width: 1, height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true })
  t.ok(data[0]! > 200 && data[2]! < 80, 'the red band is on top: rotated the right way')
})

t.test('widths and formats as configured; AVIF when enabled; a thumbhash placeholder', async (t) => {
  const made = await makeVariants(await noisyJpeg(1000, 750), {
    ...options,
    widths: [320, 640, 1280, 1920],
    formats: ['webp', 'avif'],
  })
  t.same(
    made.variants.map((v) => `${v.width}${v.format}`),
    ['320webp', '320avif', '640webp', '640avif', '1000webp', '1000avif'],
  )
  t.ok(
    made.variants.every((v) => v.height === Math.round((v.width * 750) / 1000)),
    'aspect ratio kept',
  )
  t.match(made.placeholder, /^[A-Za-z0-9+/]{20,40}=*$/, 'a thumbhash of a few dozen bytes')
  t.same(
    variantWidths(4000, [320, 640, 1280, 1920]),
    [320, 640, 1280, 1920],
    'a large original: the configured widths only',
  )
})

t.test('a 1 × 1 image gives one 1 × 1 variant', async (t) => {
  const made = await makeVariants(await pngOf(1, 1), options)
  t.same(
    made.variants.map((v) => [v.width, v.height]),
    [[1, 1]],
  )
})

t.test('an animated GIF: its first frame', async (t) => {
  const made = await makeVariants(await animatedGif(), options)
  t.same(
    made.variants.map((v) => [v.width, v.height]),
    [[40, 30]],
  )
  t.equal((await sharp(made.variants[0]!.bytes).metadata()).pages, undefined, 'a still image')
})

t.test(
  'a decompression bomb (20,000 × 20,000 PNG of a few KB) is refused from its header, fast, without the memory',
  async (t) => {
    const bomb = pngBomb()
    t.ok(bomb.length < 200_000, `${bomb.length} bytes`)
    const rssBefore = process.memoryUsage().rss
    const started = Date.now()
    await t.rejects(
      makeVariants(bomb, options),
      new ImageRejected(
        'the image has more pixels than IMAGE_MAX_PIXELS allows (a decompression bomb, or simply too large)',
      ),
    )
    t.ok(Date.now() - started < 5_000, 'refused before decoding')
    t.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024, 'no 1.6 GB decode')
  },
)

t.test('a truncated JPEG, a text file and an unsupported format are refused with a clear reason', async (t) => {
  const photo = await noisyJpeg(600, 400)
  await t.rejects(makeVariants(photo.subarray(0, photo.length / 2), options), {
    name: 'ImageRejected',
    message: /truncated|premature|could not be decoded/,
  })
  await t.rejects(makeVariants(Buffer.from('<!doctype html><p>not an image'), options), {
    name: 'ImageRejected',
    message: /not an image/,
  })
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
  await t.rejects(makeVariants(svg, options), {
    name: 'ImageRejected',
    message: /not an image Hoist can process \(svg\)/,
  })
})

t.test('IMAGE_TIMEOUT_SECONDS bounds the whole job, not each step of it', async (t) => {
  // Fourteen encodings of a 2,400-px photo, AVIF among them: seconds of work on any machine, against a 1 s budget.
  const photo = await noisyJpeg(2_400, 2_400)
  const slow = {
    ...options,
    widths: [320, 640, 960, 1280, 1600, 2000, 2400],
    formats: ['webp', 'avif'] as const,
    timeoutSeconds: 1,
  }
  const started = Date.now()
  await t.rejects(makeVariants(photo, slow), { name: 'ImageRejected', message: /IMAGE_TIMEOUT_SECONDS/ })
  // The promise under test is a bound: the budget, plus at most one step's overrun, with generous slack for a busy
  // machine. Bounded per step instead, the same job ran ~30 s here before its first step timed out.
  const elapsedMs = Date.now() - started
  t.ok(elapsedMs < 10_000, `refused after ${elapsedMs} ms, within the 1 s budget and slack`)
})
