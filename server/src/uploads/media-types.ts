/**
 * The media types Hoist accepts: each with the extension its keys get, its kind (for size limits) and the file
 * signature confirm checks in the object's first bytes (and, for PDFs, its last ones). A type must be known here to be
 * allow-listed.
 */
import { mimeEssence } from '@hoist/protocol'

export type MediaKind = 'image' | 'video' | 'document'

/** Kinds the image worker makes a preview of ('other', legacy files brought in by `hoist migrate`, has none). */
export const PREVIEWED_KINDS: readonly string[] = ['image', 'document', 'video'] satisfies MediaKind[]

export interface MediaType {
  contentType: string
  extension: string
  kind: MediaKind
  /** True when `head` (the object's first bytes, up to 4 KiB) starts like a file of this type. */
  matches: (head: Uint8Array) => boolean
  /** Types whose end is checked too: true when `tail` (the object's last `bytes`) ends like a file of this type. */
  trailer?: { bytes: number; matches: (tail: Uint8Array) => boolean }
}

/** The longest prefix any signature below needs; confirm reads no more than this. */
export const SIGNATURE_BYTES = 4096

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end))

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte)

const uint32 = (bytes: Uint8Array, offset: number): number =>
  ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0

const printable = (text: string): boolean => /^[\x20-\x7e]*$/.test(text)

/**
 * A valid header followed by a web page is still a web page to anything that sniffs (old browsers, an `<img>`
 * turned into a document, a CDN without `nosniff`): no file of any type may carry these in its first 4 KiB.
 */
const HTML_MARKERS = ['<!doctype', '<html', '<head', '<body', '<script', '<iframe', '<svg', '<style', '<title']

function hasHtmlMarker(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('latin1').toLowerCase()
  return HTML_MARKERS.some((marker) => text.includes(marker))
}

/** Box types that follow `ftyp` (or open a classic QuickTime file) in real ISO base media files. */
const TOP_LEVEL_BOXES = new Set([
  'moov',
  'mdat',
  'free',
  'skip',
  'wide',
  'uuid',
  'meta',
  'pnot',
  'moof',
  'sidx',
  'styp',
  'pdin',
  'prft',
  'junk',
])

/** A box header's size: 0 (to the end of the file), 1 (a 64-bit size follows) or at least its own 8 bytes. */
const saneBoxSize = (size: number): boolean => size === 0 || size === 1 || size >= 8

/** When the read reaches past the box at `offset` (of `size` bytes), the next one must be a known top-level box. */
function nextBoxIsKnown(bytes: Uint8Array, offset: number): boolean {
  if (bytes.length < offset + 8) return true
  return saneBoxSize(uint32(bytes, offset)) && TOP_LEVEL_BOXES.has(ascii(bytes, offset + 4, offset + 8))
}

/**
 * ISO base media files (MP4, MOV, AVIF) open with an `ftyp` box: size, 'ftyp', major brand, minor version, brands.
 * Checked as a structure, not just four letters: a size that fits the 4 KiB read and is a whole number of brands,
 * printable brands, and a known box after it.
 */
function ftypBrands(bytes: Uint8Array): string[] | undefined {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return undefined
  const boxSize = uint32(bytes, 0)
  if (boxSize < 16 || boxSize > SIGNATURE_BYTES || boxSize % 4 !== 0 || bytes.length < boxSize) return undefined
  const brands = [ascii(bytes, 8, 12)]
  for (let offset = 16; offset < boxSize; offset += 4) brands.push(ascii(bytes, offset, offset + 4))
  if (!brands.every(printable)) return undefined
  return nextBoxIsKnown(bytes, boxSize) ? brands : undefined
}

const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'mif1', 'msf1'])
/** Classic QuickTime files may start with a bare atom instead of `ftyp`. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])

function isBareQuickTime(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || !QUICKTIME_ATOMS.has(ascii(bytes, 4, 8))) return false
  const size = uint32(bytes, 0)
  if (!saneBoxSize(size)) return false
  return size < 8 || nextBoxIsKnown(bytes, size)
}

/** GIF extension labels (graphic control, comment, application, plain text) and their fixed block sizes. */
const GIF_EXTENSIONS = new Map<number, number | undefined>([
  [0xf9, 4],
  [0xfe, undefined],
  [0xff, 11],
  [0x01, 12],
])

/**
 * GIF: the version, a logical screen of non-zero size, the global colour table its flags announce, then a real
 * first block — an image (0x2C) or a known extension (0x21) — where a polyglot would have text.
 */
function isGif(bytes: Uint8Array): boolean {
  if (bytes.length < 13 || !['GIF87a', 'GIF89a'].includes(ascii(bytes, 0, 6))) return false
  const width = bytes[6]! | (bytes[7]! << 8)
  const height = bytes[8]! | (bytes[9]! << 8)
  if (width === 0 || height === 0) return false
  const flags = bytes[10]!
  const first = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0)
  if (bytes[first] === 0x2c) return true
  if (bytes[first] !== 0x21 || bytes.length < first + 2 || !GIF_EXTENSIONS.has(bytes[first + 1]!)) return false
  const blockSize = GIF_EXTENSIONS.get(bytes[first + 1]!)
  return blockSize === undefined || bytes.length < first + 3 || bytes[first + 2] === blockSize
}

/** A signature check, and no web page hiding behind it. */
const matchesWithoutHtml =
  (signature: (head: Uint8Array) => boolean) =>
  (head: Uint8Array): boolean =>
    signature(head) && !hasHtmlMarker(head)

/**
 * PDF: `%PDF-1.x` or `%PDF-2.0` at the very start (readers accept it within the first KiB; Hoist does not, so nothing
 * else can come first), and `%%EOF` in the last KiB, where readers look for it (writers may append a few bytes after).
 */
const PDF_TRAILER_BYTES = 1024
const isPdfHeader = (b: Uint8Array): boolean =>
  /^%PDF-(1\.[0-7]|2\.0)[\r\n\s%]/.test(ascii(b, 0, Math.min(b.length, 9)))
const hasPdfEnd = (tail: Uint8Array): boolean =>
  Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength).toString('latin1').includes('%%EOF')

export const MEDIA_TYPES: readonly MediaType[] = [
  {
    contentType: 'image/jpeg',
    extension: 'jpg',
    kind: 'image',
    matches: matchesWithoutHtml((b) => startsWith(b, [0xff, 0xd8, 0xff])),
  },
  {
    contentType: 'image/png',
    extension: 'png',
    kind: 'image',
    matches: matchesWithoutHtml((b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { contentType: 'image/gif', extension: 'gif', kind: 'image', matches: matchesWithoutHtml(isGif) },
  {
    contentType: 'image/webp',
    extension: 'webp',
    kind: 'image',
    matches: matchesWithoutHtml((b) => b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP'),
  },
  {
    contentType: 'image/avif',
    extension: 'avif',
    kind: 'image',
    matches: matchesWithoutHtml((b) => (ftypBrands(b) ?? []).some((brand) => brand === 'avif' || brand === 'avis')),
  },
  {
    contentType: 'video/mp4',
    extension: 'mp4',
    kind: 'video',
    matches: matchesWithoutHtml((b) => {
      const brands = ftypBrands(b)
      // QuickTime's own brand means a .mov, which has its own type.
      return brands !== undefined && !IMAGE_BRANDS.has(brands[0]!) && brands[0] !== 'qt  '
    }),
  },
  {
    contentType: 'video/webm',
    extension: 'webm',
    kind: 'video',
    matches: matchesWithoutHtml(
      (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) && ascii(b, 0, Math.min(b.length, 64)).includes('webm'),
    ),
  },
  {
    contentType: 'video/quicktime',
    extension: 'mov',
    kind: 'video',
    matches: matchesWithoutHtml((b) => {
      if (b.length >= 8 && ascii(b, 4, 8) === 'ftyp') return ftypBrands(b)?.[0] === 'qt  '
      return isBareQuickTime(b)
    }),
  },
  {
    contentType: 'application/pdf',
    extension: 'pdf',
    kind: 'document',
    matches: matchesWithoutHtml(isPdfHeader),
    trailer: { bytes: PDF_TRAILER_BYTES, matches: hasPdfEnd },
  },
]

export const DEFAULT_ALLOWED_CONTENT_TYPES: readonly string[] = MEDIA_TYPES.map((type) => type.contentType)

const byContentType = new Map(MEDIA_TYPES.map((type) => [type.contentType, type]))

/** Looks a content type up by its essence (case-insensitive, parameters such as `; charset` ignored). */
export function mediaTypeOf(contentType: string): MediaType | undefined {
  return byContentType.get(mimeEssence(contentType))
}
