/**
 * The `<picture>`'s parts for a PDF or a video: the worker's variants of its preview are the sources, and the
 * fallback `<img>` shows its widest WebP variant, never the original (a PDF or an MP4 is no image).
 */
import t from 'tap'
import type { UploadView } from '../../../protocol/src/uploads.js'
import { fallbackUrl, imageSources } from '../../../web-client/src/picture.js'

const variant = (width: number, format: 'webp' | 'avif') => ({
  width,
  height: width,
  format,
  key: `k.w${width}.${format}`,
  url: `https://cdn.example/k.w${width}.${format}`,
  bytes: 100,
})
const record = (
  kind: UploadView['kind'],
  variants = [variant(320, 'webp'), variant(640, 'avif'), variant(640, 'webp')],
) => ({ kind, url: 'https://cdn.example/original', variants }) as UploadView

t.test('a PDF or a video falls back to its widest WebP variant; an image to its original', async (t) => {
  t.equal(fallbackUrl(record('document')), 'https://cdn.example/k.w640.webp')
  t.equal(fallbackUrl(record('video')), 'https://cdn.example/k.w640.webp')
  t.equal(fallbackUrl(record('image')), 'https://cdn.example/original')
  t.equal(fallbackUrl(record('document', [])), undefined, 'no preview yet: nothing, not the PDF')
})

t.test("a PDF's preview variants are its sources, like an image's", async (t) => {
  t.same(
    imageSources(record('document')).map((source) => [source.type, source.srcset]),
    [
      ['image/avif', 'https://cdn.example/k.w640.avif 640w'],
      ['image/webp', 'https://cdn.example/k.w320.webp 320w, https://cdn.example/k.w640.webp 640w'],
    ],
  )
})
