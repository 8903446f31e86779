import type { Principal } from './principal.js'
import type { Config } from '../config.js'
import type { CountTransition } from '../metrics/observers.js'
import { UploadNotFound } from '../errors.js'
import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from './record.js'

/** What every upload service works with. */
export interface ServiceDeps {
  config: Config
  ledger: UploadLedger
  store: ObjectStore
  /** Every time a service stamps or compares comes from here: tests pass their own. */
  clock: () => Date
  /** Told of each transition this process makes (the metrics); absent: nothing is counted. */
  countTransition?: CountTransition
}

/**
 * The caller's upload, or UPLOAD_NOT_FOUND: another workspace's upload is indistinguishable from a missing one, and
 * a deleted upload is gone (its record stays for the audit list `?status=deleted` and the sweeper), except to a
 * repeated DELETE, which finds it and has nothing left to do.
 */
export async function findOwned(
  ledger: UploadLedger,
  principal: Principal,
  id: string,
  { deleted }: { deleted: 'gone' | 'found' } = { deleted: 'gone' },
): Promise<UploadRecord> {
  const record = await ledger.get(principal.workspaceId, id)
  if (!record || (record.status === 'deleted' && deleted === 'gone')) throw new UploadNotFound(id)
  return record
}
