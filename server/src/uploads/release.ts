import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from './record.js'
import { purgeChange } from './tombstone.js'

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

/**
 * Deletes a confirmed (or quarantined) upload: its objects (the file and its variants) first, then the record, so a failure in between
 * leaves a record to retry. `reason` goes on the record and so into its `upload.deleted` event (`unreferenced` when
 * `hoist gc` deleted it). Returns the record after, or undefined when another writer moved it first.
 */
export async function deleteConfirmed(
  deps: { ledger: UploadLedger; store: ObjectStore; clock: () => Date },
  record: UploadRecord,
  reason?: string,
): Promise<UploadRecord | undefined> {
  const deleted = keysOf(record)
  await Promise.all(deleted.map((key) => deps.store.delete(key)))
  const after = await deps.ledger.transition(record._id, record.status, {
    status: 'deleted',
    ...(reason ? { reason } : {}),
    ...purgeChange(record, deps.clock()),
  })
  // Variants the image worker recorded after our read: it saw the upload still confirmed, so it keeps them.
  const late = after ? keysOf(after).filter((key) => !deleted.includes(key)) : []
  await Promise.all(late.map((key) => deps.store.delete(key)))
  return after
}
