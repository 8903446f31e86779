import type { Principal } from './principal.js'
import type { Config } from '../config.js'
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
}

/** The caller's upload, or UPLOAD_NOT_FOUND: another workspace's upload is indistinguishable from a missing one. */
export async function findOwned(ledger: UploadLedger, principal: Principal, id: string): Promise<UploadRecord> {
  const record = await ledger.get(principal.workspaceId, id)
  if (!record) throw new UploadNotFound(id)
  return record
}
