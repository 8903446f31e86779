import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from './record.js'

/**
 * After a pending record was moved out of pending by this caller (discarded, rejected or expired): remove whatever
 * reached the bucket. Only the winner of the transition calls this; if it fails, `hoist doctor` finds the leftovers.
 */
export async function releaseStorage(deps: { store: ObjectStore }, record: UploadRecord): Promise<void> {
  if (record.multipart) await deps.store.abortMultipart(record.key, record.multipart.uploadId)
  // A multipart upload may have been completed before it was discarded; a single PUT may have landed.
  await deps.store.delete(record.key)
}
