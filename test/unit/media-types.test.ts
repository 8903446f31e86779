import sharp from 'sharp'
import t from 'tap'
import { MEDIA_TYPES, mediaTypeOf, type MediaType } from '../../server/src/uploads/media-types.js'
import { fileOf } from '../helpers/fixtures.js'

const text = (value: string): number[] => [...new TextEncoder().encode(value)]
const bytes = (...parts: (ArrayLike<number> | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? text(part) : Array.from(part))))
const typeOf = (contentType: string): MediaType => mediaTypeOf(contentType)!

const mp4 = typeOf('video/mp4')
const mov = typeOf('video/quicktime')
const gif = typeOf('image/gif')
/** A plausible `ftyp` box: 24 bytes, major brand isom, two compatible brands. */
const FTYP = bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isomiso2')
/** A plausible GIF start: 1×1 screen, no global colour table. */
const GIF_SCREEN = bytes('GIF89a', [1, 0, 1, 0, 0, 0, 0])

t.test('each allowed type recognises its own signature and refuses the others', async (t) => {
  for (const type of MEDIA_TYPES) {
    t.ok(type.matches(fileOf(type.contentType, 256)), `${type.contentType} matches itself`)
    for (const other of MEDIA_TYPES) {
      if (other === type) continue
      t.notOk(type.matches(fileOf(other.contentType, 256)), `${type.contentType} refuses ${other.contentType}`)
    }
    t.notOk(type.matches(fileOf('text/html', 256)), `${type.contentType} refuses HTML`)
    t.notOk(type.matches(new Uint8Array()), `${type.contentType} refuses an empty file`)
  }
})

t.test('images from a real encoder pass', async (t) => {
  const pixels = sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } })
  for (const [format, contentType] of [
    ['png', 'image/png'],
    ['jpeg', 'image/jpeg'],
    ['webp', 'image/webp'],
    ['gif', 'image/gif'],
    ['avif', 'image/avif'],
  ] as const) {
    const file = await pixels.clone().toFormat(format).toBuffer()
    t.ok(typeOf(contentType).matches(file.subarray(0, 4096)), `${format} from sharp`)
  }
})

t.test('an ftyp box followed by a web page is not a video', async (t) => {
  t.ok(mp4.matches(bytes(FTYP, [0, 0, 0, 0], 'mdat', 'binary data')), 'the same box, then mdat: a video')
  t.notOk(mp4.matches(bytes(FTYP, '<html><script>alert(1)</script>')), 'then <html>')
  t.notOk(mp4.matches(bytes(FTYP, 'Hello, this is not a box at all')), 'then text (no HTML marker needed)')
  t.notOk(mov.matches(bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  ', 'Dear reader, welcome')), 'mov too')
  t.notOk(mov.matches(bytes([0, 0, 0, 8], 'wide', 'text where an atom should be')), 'a bare QuickTime atom too')
})

t.test('an ftyp box must have a sane size and printable brands', async (t) => {
  const withSize = (size: number): Uint8Array =>
    bytes([0, 0, size >> 8, size & 0xff], FTYP.subarray(4), new Uint8Array(Math.max(0, size - 24)).fill(0x61), [
      0,
      0,
      0,
      0,
      ...text('mdat'),
    ])
  t.ok(mp4.matches(withSize(24)))
  t.notOk(mp4.matches(withSize(8)), 'too small for a brand and a version')
  t.notOk(mp4.matches(withSize(26)), 'not a whole number of brands')
  t.notOk(mp4.matches(bytes([0, 0, 0x10, 0x04], FTYP.subarray(4))), 'larger than the 4 KiB read')
  t.notOk(mp4.matches(bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], [0x3c, 0x00, 0x0a, 0x7f], 'iso2')))
})

t.test('GIF: a sane logical screen, then an image or a known extension — not text', async (t) => {
  t.ok(gif.matches(bytes(GIF_SCREEN, [0x2c])), 'an image descriptor')
  t.ok(gif.matches(bytes(GIF_SCREEN, [0x21, 0xf9, 4])), 'a graphic control extension')
  t.ok(gif.matches(bytes(GIF_SCREEN, [0x21, 0xff, 11], 'NETSCAPE2.0')), 'an application extension')
  t.ok(gif.matches(bytes('GIF89a', [1, 0, 1, 0, 0x81, 0, 0], new Array(12).fill(0), [0x2c])), 'after its colour table')
  t.notOk(gif.matches(bytes('GIF89a', [1, 0, 1, 0, 0x81, 0, 0], [0x2c])), 'a colour table that is not there')
  t.notOk(gif.matches(bytes('GIF89a<html><body>hello</body></html>')), 'GIF89a then HTML')
  t.notOk(gif.matches(bytes('GIF89a', 'hello world, plain text')), 'GIF89a then text (no HTML marker needed)')
  t.notOk(gif.matches(bytes('GIF89a', [0, 0, 1, 0, 0, 0, 0, 0x2c])), 'a zero-width screen')
  t.notOk(gif.matches(bytes(GIF_SCREEN, [0x21, 0x2d, 0x2d])), 'an unknown extension label')
  t.notOk(gif.matches(bytes(GIF_SCREEN, [0x21, 0xf9, 9])), 'a graphic control block of the wrong size')
  t.notOk(gif.matches(bytes('GIF89a')), 'a bare version string')
})

t.test('no type may carry HTML markers anywhere in its first 4 KiB', async (t) => {
  for (const type of MEDIA_TYPES) {
    for (const marker of ['<script>', '<HTML>', '<!DOCTYPE html>', '<svg onload=x>', '<iframe src=x>']) {
      const file = fileOf(type.contentType, 4096)
      file.set(text(marker), 3000)
      t.notOk(type.matches(file), `${type.contentType} with ${marker} at byte 3000`)
    }
  }
})

t.test('lookup ignores case and parameters; unknown types are undefined', async (t) => {
  t.equal(mediaTypeOf('Image/PNG; charset=binary')?.extension, 'png')
  t.equal(mediaTypeOf('video/quicktime')?.extension, 'mov')
  t.equal(mediaTypeOf('image/svg+xml'), undefined)
  t.equal(mediaTypeOf('text/html'), undefined)
})

t.test('PDF: a version header at the very start, an %%EOF near the end', async (t) => {
  const pdf = typeOf('application/pdf')
  for (const header of ['%PDF-1.4\n', '%PDF-1.7\r\n', '%PDF-2.0\n%\xe2'])
    t.ok(pdf.matches(bytes(header, '1 0 obj')), JSON.stringify(header))
  for (const header of ['%PDF-3.1\n', '%PDF-1.7<html>', '\n%PDF-1.7\n', '%PDF-1.4\n<script>alert(1)</script>'])
    t.notOk(pdf.matches(bytes(header, '1 0 obj')), JSON.stringify(header))
  t.ok(pdf.trailer?.matches(bytes('startxref\n123\n%%EOF\n')), 'ends with %%EOF and a newline')
  t.ok(pdf.trailer?.matches(bytes('%%EOF\n\0\0\0 appended by a mail client')), 'a few bytes after it')
  t.notOk(pdf.trailer?.matches(bytes('startxref\n123\n%%EO')), 'cut short')
  t.equal(pdf.trailer?.bytes, 1024, 'the last KiB is read')
  t.equal(typeOf('image/png').trailer, undefined, 'other types are checked from their start only')
})
