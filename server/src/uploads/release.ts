import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from './record.js'

/** Every key a record owns in the bucket: its object and the image worker's variants of it. */
export function keysOf(record: UploadRecord): string[] {
  return [record.key, ...(record.variants ?? []).map((variant) => variant.key)]
}

/**
 * After a record was moved on by this caller (a pending upload discarded, rejected or expired; a confirmed one deleted):
 * remove whatever it has in the bucket. Only the winner of the transition calls this; if it fails, `hoist doctor`
 * finds the leftovers.
 */
export async function releaseStorage(deps: { store: ObjectStore }, record: UploadRecord): Promise<void> {
  // Aborting a multipart upload that was completed already is harmless (S3 answers NoSuchUpload, ignored).
  if (record.multipart) await deps.store.abortMultipart(record.key, record.multipart.uploadId)
  // A multipart upload may have been completed before it was discarded; a single PUT may have landed.
  await Promise.all(keysOf(record).map((key) => deps.store.delete(key)))
}
