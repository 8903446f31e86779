/**
 * Object keys are chosen by the server, never by the client:
 * `<prefix><workspace>/<yyyy>/<mm>/<id>-<secret>.<ext>`, with the extension taken from the allow-listed type.
 * The user's filename is kept as display metadata only.
 */
import { monotonicFactory } from 'ulid'
import { randomBytesFromPool, randomFractionFromPool } from '../random-pool.js'

const nextUlid = monotonicFactory(randomFractionFromPool)

/** Upload ids are ULIDs: unique, and sorting by id sorts by creation time (the list's cursor relies on it). */
export function newUploadId(now: Date = new Date()): string {
  return nextUlid(now.getTime())
}

/** 96 bits: 16 base64url characters, no padding. */
const KEY_SECRET_BYTES = 12

/**
 * In public-read mode the key is the only thing standing between a file and anyone who wants it, and the id alone
 * is guessable: a monotonic ULID is the previous one + 1 within a millisecond, and its time part is public. So the
 * key also carries 96 random bits of its own, apart from the sortable id.
 */
export function objectKey(
  prefix: string,
  workspaceId: string,
  id: string,
  extension: string,
  now: Date,
  secret: Uint8Array = randomBytesFromPool(KEY_SECRET_BYTES),
): string {
  const year = String(now.getUTCFullYear())
  const month = String(now.getUTCMonth() + 1).padStart(2, '0')
  return `${prefix}${workspaceId}/${year}/${month}/${id}-${Buffer.from(secret).toString('base64url')}.${extension}`
}

const MAX_DISPLAY_NAME_LENGTH = 255

/**
 * The filename as shown to people: Unicode-normalised, without control or format characters (which can
 * reorder text, e.g. U+202E), without directories, capped in length. Never used to build a key or a path.
 */
export function displayFilename(raw: string): string {
  const withoutControls = raw.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '')
  const base = withoutControls.split(/[/\\]/).pop() ?? ''
  const trimmed = base.trim()
  const capped = Array.from(trimmed).slice(0, MAX_DISPLAY_NAME_LENGTH).join('')
  return capped === '' || capped === '.' || capped === '..' ? 'unnamed' : capped
}

/**
 * The name a download is saved under: the display name without its own extension, plus the verified type's
 * extension — never the user's, so `report.html` uploaded (and checked) as a PNG downloads as `report.png`, and a
 * browser or desktop never opens it as HTML. Leading and trailing dots and spaces go too (`.htaccess`, `a. `).
 */
export function downloadFilename(displayName: string, extension: string): string {
  const dot = displayName.lastIndexOf('.')
  const base = (dot > 0 ? displayName.slice(0, dot) : displayName).replace(/^[.\s]+|[.\s]+$/gu, '')
  return `${base || 'download'}.${extension}`
}
