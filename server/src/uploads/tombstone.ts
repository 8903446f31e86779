/**
 * A presigned single PUT stays valid until its URL expires, whatever happens to its record: `If-None-Match: *`
 * only refuses a PUT while an object exists. So when a single-PUT record ends without an object (discarded,
 * rejected, expired, or a confirmed upload deleted) while its URL may still work, the transition also stamps
 * `purgeAfter`; the sweeper deletes the key again once that time has passed, so a replayed PUT cannot leave an
 * object with no record behind.
 */
import type { UploadRecord } from './record.js'

/** A PUT that started just before its URL expired may still be arriving for a while. */
export const LATE_PUT_GRACE_MS = 10 * 60_000

/** The change that goes with a record ending without an object: the purge time, when its URL may still be used. */
export function purgeChange(record: UploadRecord, now: Date): { purgeAfter?: Date } {
  if (record.strategy !== 'single' || record.source !== 'api') return {}
  // Records from before urlExpiresAt existed: their URL died no later than the pending expiry.
  const urlDies = (record.urlExpiresAt ?? record.expiresAt).getTime()
  const purgeAfter = urlDies + LATE_PUT_GRACE_MS
  return purgeAfter > now.getTime() ? { purgeAfter: new Date(purgeAfter) } : {}
}
