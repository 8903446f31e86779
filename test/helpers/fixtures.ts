/** Files with real signatures (magic bytes, structurally valid as far as confirm looks) and deterministic filler. */
import { createHash } from 'node:crypto'

const text = (value: string): number[] => [...new TextEncoder().encode(value)]
/** The box after `ftyp`: size 0 means "to the end of the file", so the filler is its content. */
const lastBox = (type: string): number[] => [0, 0, 0, 0, ...text(type)]

const HEADERS: Record<string, Uint8Array> = {
  'image/png': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/jpeg': Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]),
  // A 1×1 logical screen, no global colour table, then an image descriptor.
  'image/gif': Uint8Array.from([...text('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0]),
  'image/webp': new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '),
  'image/avif': Uint8Array.from([
    0,
    0,
    0,
    0x1c,
    ...new TextEncoder().encode('ftypavif'),
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode('avifmif1miaf'),
    ...lastBox('meta'),
  ]),
  'video/mp4': Uint8Array.from([
    0,
    0,
    0,
    0x18,
    ...new TextEncoder().encode('ftypisom'),
    0,
    0,
    2,
    0,
    ...new TextEncoder().encode('isomiso2'),
    ...lastBox('mdat'),
  ]),
  'video/webm': Uint8Array.from([
    0x1a,
    0x45,
    0xdf,
    0xa3,
    0x9f,
    0x42,
    0x86,
    0x81,
    0x01,
    ...new TextEncoder().encode('B\u0082\u0084webm'),
  ]),
  'video/quicktime': Uint8Array.from([
    0,
    0,
    0,
    0x14,
    ...new TextEncoder().encode('ftypqt  '),
    0,
    0,
    2,
    0,
    ...new TextEncoder().encode('qt  '),
    ...lastBox('mdat'),
  ]),
  'application/pdf': new TextEncoder().encode('%PDF-1.7\n%\u00e2\u00e3\n'),
  'text/html': new TextEncoder().encode('<!doctype html><script>alert(1)</script>'),
}

/** How types whose end confirm checks end. */
const TRAILERS: Record<string, Uint8Array> = { 'application/pdf': new TextEncoder().encode('\n%%EOF\n') }

/** A file of `size` bytes that starts like `contentType`; `seed` varies the filler. */
export function fileOf(contentType: string, size: number, seed = 1): Buffer<ArrayBuffer> {
  const header = HEADERS[contentType]
  if (!header) throw new Error(`no fixture header for ${contentType}`)
  const bytes = Buffer.alloc(size)
  let state = seed * 2654435761
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) >>> 0
    bytes[i] = state >>> 24
  }
  bytes.set(header.subarray(0, Math.min(header.length, size)), 0)
  const trailer = TRAILERS[contentType]
  if (trailer && size >= header.length + trailer.length) bytes.set(trailer, size - trailer.length)
  return bytes
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64')
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}
