/**
 * The media types Hoist accepts: each with the extension its keys get, its kind (for size limits) and the file
 * signature confirm checks in the object's first bytes. A type must be known here to be allow-listed.
 */
import { mimeEssence } from '@hoist/protocol'

export type MediaKind = 'image' | 'video'

export interface MediaType {
  contentType: string
  extension: string
  kind: MediaKind
  /** True when `head` (the object's first bytes, up to 4 KiB) starts like a file of this type. */
  matches: (head: Uint8Array) => boolean
}

/** The longest prefix any signature below needs; confirm reads no more than this. */
export const SIGNATURE_BYTES = 4096

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end))

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0): boolean =>
  bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte)

/** ISO base media files (MP4, MOV, AVIF) open with an `ftyp` box: size, 'ftyp', major brand, version, brands. */
function ftypBrands(bytes: Uint8Array): string[] | undefined {
  if (bytes.length < 12 || ascii(bytes, 4, 8) !== 'ftyp') return undefined
  const boxSize = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
  const end = Math.min(bytes.length, Math.max(boxSize, 16))
  const brands = [ascii(bytes, 8, 12)]
  for (let offset = 16; offset + 4 <= end; offset += 4) brands.push(ascii(bytes, offset, offset + 4))
  return brands
}

const IMAGE_BRANDS = new Set(['avif', 'avis', 'heic', 'heix', 'mif1', 'msf1'])
/** Classic QuickTime files may start with a bare atom instead of `ftyp`. */
const QUICKTIME_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])

export const MEDIA_TYPES: readonly MediaType[] = [
  { contentType: 'image/jpeg', extension: 'jpg', kind: 'image', matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  {
    contentType: 'image/png',
    extension: 'png',
    kind: 'image',
    matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  {
    contentType: 'image/gif',
    extension: 'gif',
    kind: 'image',
    matches: (b) => b.length >= 6 && ['GIF87a', 'GIF89a'].includes(ascii(b, 0, 6)),
  },
  {
    contentType: 'image/webp',
    extension: 'webp',
    kind: 'image',
    matches: (b) => b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP',
  },
  {
    contentType: 'image/avif',
    extension: 'avif',
    kind: 'image',
    matches: (b) => (ftypBrands(b) ?? []).some((brand) => brand === 'avif' || brand === 'avis'),
  },
  {
    contentType: 'video/mp4',
    extension: 'mp4',
    kind: 'video',
    matches: (b) => {
      const brands = ftypBrands(b)
      // QuickTime's own brand means a .mov, which has its own type.
      return brands !== undefined && !IMAGE_BRANDS.has(brands[0]!) && brands[0] !== 'qt  '
    },
  },
  {
    contentType: 'video/webm',
    extension: 'webm',
    kind: 'video',
    matches: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) && ascii(b, 0, Math.min(b.length, 64)).includes('webm'),
  },
  {
    contentType: 'video/quicktime',
    extension: 'mov',
    kind: 'video',
    matches: (b) => {
      const brands = ftypBrands(b)
      if (brands) return brands[0] === 'qt  '
      return b.length >= 8 && QUICKTIME_ATOMS.has(ascii(b, 4, 8))
    },
  },
]

export const DEFAULT_ALLOWED_CONTENT_TYPES: readonly string[] = MEDIA_TYPES.map((type) => type.contentType)

const byContentType = new Map(MEDIA_TYPES.map((type) => [type.contentType, type]))

/** Looks a content type up by its essence (case-insensitive, parameters such as `; charset` ignored). */
export function mediaTypeOf(contentType: string): MediaType | undefined {
  return byContentType.get(mimeEssence(contentType))
}
