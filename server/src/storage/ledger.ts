/**
 * The upload ledger: where records live. Services depend on this interface; MongoLedger implements it, and
 * test/contracts/ledger-contract.ts is the contract every implementation must pass.
 */
import type { UploadRecord, UploadStatus } from '../uploads/record.js'

export interface ListQuery {
  workspaceId: string
  statuses: readonly UploadStatus[]
  /** Only records with ids below this one (ids sort by creation time): the cursor of the page before. */
  beforeId?: string
  limit: number
}

export class DuplicateRecordError extends Error {
  constructor(what: string) {
    super(`duplicate ${what}`)
    this.name = 'DuplicateRecordError'
  }
}

export interface UploadLedger {
  /** Creates the indexes the queries below rely on; safe to call at every start. */
  ensureIndexes(): Promise<void>
  ping(): Promise<void>
  /** Throws DuplicateRecordError when the id or key exists. */
  insert(record: UploadRecord): Promise<void>
  get(workspaceId: string, id: string): Promise<UploadRecord | undefined>
  /** Unscoped lookup, for the sweeper and the doctor only. */
  getById(id: string): Promise<UploadRecord | undefined>
  findByKey(key: string): Promise<UploadRecord | undefined>
  list(query: ListQuery): Promise<UploadRecord[]>
  /**
   * The one way a record changes: applies `changes` only if the record is still in `from` (a conditional
   * update, atomic on a single document). Returns the record after the change, or undefined if another writer
   * moved it first.
   */
  transition(id: string, from: UploadStatus, changes: Partial<Omit<UploadRecord, '_id'>>): Promise<UploadRecord | undefined>
  /** Pending records whose expiry is before `now`, oldest first. */
  findExpired(now: Date, limit: number): Promise<UploadRecord[]>
  /** Every record in the given statuses, in id order (for reconciliation). */
  scan(statuses: readonly UploadStatus[]): AsyncIterable<UploadRecord>

  /** Adds `bytes` to the workspace's reserved bytes iff the total stays within `quota`. */
  reserveQuota(workspaceId: string, bytes: number, quota: number): Promise<boolean>
  releaseQuota(workspaceId: string, bytes: number): Promise<void>
  reservedBytes(workspaceId: string): Promise<number>
  /** Resets the counters to the sum of sizes of quota-holding records (doctor --fix). */
  setReservedBytes(workspaceId: string, bytes: number): Promise<void>
}
