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
   * The one way a record changes: applies `changes` only if the record is still in `from`, and only once across
   * every concurrent caller (exactly one wins). Returns the record after the change, or undefined if another
   * writer moved it first.
   */
  transition(id: string, from: UploadStatus, changes: Partial<Omit<UploadRecord, '_id'>>): Promise<UploadRecord | undefined>
  /**
   * The record once no transition out of `from` is half-done: a writer that just won a transition applies it
   * within milliseconds, so a loser waits for that instead of reporting the old status. undefined if it stays.
   */
  settled(id: string, from: UploadStatus): Promise<UploadRecord | undefined>
  /** Pending records whose expiry is before `now`, oldest first. */
  findExpired(now: Date, limit: number): Promise<UploadRecord[]>
  /** Ended records whose key must be deleted again (`purgeAfter` before `now`), oldest first. */
  findPurgeDue(now: Date, limit: number): Promise<UploadRecord[]>
  /** The key of this ended record was deleted again: nothing left to purge. */
  clearPurge(id: string): Promise<void>
  /** Every record in the given statuses, in id order (for reconciliation). */
  scan(statuses: readonly UploadStatus[]): AsyncIterable<UploadRecord>
  /** Bytes the workspace holds: the sizes of its pending and confirmed uploads (only ids up to `upToId`, if given). */
  usedBytes(workspaceId: string, upToId?: string): Promise<number>
  /** Removes a pending record that was never handed out (its quota admission was refused). */
  withdraw(id: string): Promise<void>
  /** Transitions claimed but never applied (a writer died in between), older than `olderThan`. */
  findStuckTransitions(olderThan: Date): Promise<{ uploadId: string; from: UploadStatus }[]>
  /** Applies a stuck transition's recorded changes (doctor --fix). */
  completeStuckTransition(uploadId: string, from: UploadStatus): Promise<boolean>
}
