import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from './record.js'

/**
 * After a pending record was moved out of pending by this caller (discarded, rejected or expired): remove
 * whatever reached the bucket and give the reserved bytes back. Only the winner of the transition calls this.
 */
export async function releaseStorage(
  deps: { ledger: UploadLedger; store: ObjectStore },
  record: UploadRecord,
): Promise<void> {
  // The record has left pending for good: its bytes stop counting even if the bucket clean-up below fails
  // (`hoist doctor` finds objects left behind by such a failure).
  await deps.ledger.releaseQuota(record.workspaceId, record.size)
  if (record.multipart) await deps.store.abortMultipart(record.key, record.multipart.uploadId)
  // A multipart upload may have been completed before it was discarded; a single PUT may have landed.
  await deps.store.delete(record.key)
}
