/**
 * Object keys are chosen by the server, never by the client: `<prefix><workspace>/<yyyy>/<mm>/<id>.<ext>`,
 * with the extension taken from the allow-listed type. The user's filename is kept as display metadata only.
 */
import { monotonicFactory } from 'ulid'

const nextUlid = monotonicFactory()

/** Upload ids are ULIDs: unique, and sorting by id sorts by creation time (the list's cursor relies on it). */
export function newUploadId(now: Date = new Date()): string {
  return nextUlid(now.getTime())
}

export function objectKey(prefix: string, workspaceId: string, id: string, extension: string, now: Date): string {
  const year = String(now.getUTCFullYear())
  const month = String(now.getUTCMonth() + 1).padStart(2, '0')
  return `${prefix}${workspaceId}/${year}/${month}/${id}.${extension}`
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
