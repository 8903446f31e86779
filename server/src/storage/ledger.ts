/**
 * The upload ledger: where records live. The API's request path depends on UploadLedger; the sweeper, the doctor and
 * set-up also need LedgerMaintenance. MongoLedger implements both (as does MemoryLedger, for fast unit tests), and
 * test/contracts/ledger-contract.ts is the contract every implementation must pass.
 */
import type { UploadStatus } from '@hoist/protocol'
import type { UploadRecord } from '../uploads/record.js'

/** One page of a workspace's records, newest first. */
export interface UploadPageQuery {
  workspaceId: string
  statuses: readonly UploadStatus[]
  /** Only records with ids below this one (ids sort by creation time): the cursor of the page before. */
  beforeId?: string
  /** Only records carrying this metadata pair (`key=value`). */
  metadataPair?: string
  limit: number
}

export class DuplicateRecordError extends Error {
  constructor(what: string) {
    super(`duplicate ${what}`)
    this.name = 'DuplicateRecordError'
  }
}

/** A record's changes, as a transition applies them. */
export type RecordChanges = Partial<Omit<UploadRecord, '_id'>>

/** A transition always moves the record to a new status (and so makes an `upload.<status>` event). */
export type TransitionChanges = RecordChanges & { status: Exclude<UploadStatus, 'pending'> }

export interface UploadLedger {
  ping(): Promise<void>
  /** Throws DuplicateRecordError when the id or key exists. */
  insert(record: UploadRecord): Promise<void>
  /** Removes a pending record that was never handed out (its quota admission was refused). */
  withdraw(id: string): Promise<void>
  get(workspaceId: string, id: string): Promise<UploadRecord | undefined>
  /** Unscoped lookup, for code that already holds the record's id from a scoped read (or from the sweeper). */
  getById(id: string): Promise<UploadRecord | undefined>
  findByKey(key: string): Promise<UploadRecord | undefined>
  listPage(query: UploadPageQuery): Promise<UploadRecord[]>
  /**
   * The one way a record changes: applies `changes` only if the record is still in `from`, and only once across
   * every concurrent caller (exactly one wins), writing the `upload.<status>` event with it. Returns the record after
   * the change, or undefined if another writer moved it first. `read`, the record as the caller read it, spares
   * reading a pending record again: nothing but a transition changes one, so while leaving `pending` is unclaimed it is
   * still exactly that (records in other statuses are read again: image results are recorded on confirmed ones).
   */
  transition(
    id: string,
    from: UploadStatus,
    changes: TransitionChanges,
    read?: UploadRecord,
  ): Promise<UploadRecord | undefined>
  /**
   * The record once no transition out of `from` is half-done: a writer that just won a transition applies it
   * within milliseconds, so a loser waits for that instead of reporting the old status. undefined if it stays.
   */
  settled(id: string, from: UploadStatus): Promise<UploadRecord | undefined>
  /**
   * Bytes the workspace holds: the sizes of its pending, quarantined and confirmed uploads — only ids up to `upTo` and/or after
   * `after`, if given.
   */
  usedBytes(workspaceId: string, range?: IdRange): Promise<number>
  /** Sets quota bytes aside for one API instance (see quota-leases.ts); they count until deleted or expired. */
  insertLease(lease: QuotaLease): Promise<void>
  deleteLease(id: string): Promise<void>
  /** The bytes of the workspace's leases that have not expired by `now`. */
  leasedBytes(workspaceId: string, now: Date): Promise<number>
}

/** Quota bytes one API instance set aside for a workspace, so its presigns need not sum the workspace each time. */
export interface QuotaLease {
  _id: string
  workspaceId: string
  bytes: number
  /** After this, every reader ignores the lease (its holder stopped using it long before) and the sweeper deletes it. */
  expiresAt: Date
}

/** Where MongoLedger keeps the leases: a small collection, so summing a workspace's leases is cheap on FerretDB too. */
export const LEASES_COLLECTION = 'quota_leases'

/** A range of upload ids (ULIDs, so a range of creation times): `after` exclusive, `upTo` inclusive. */
export interface IdRange {
  after?: string
  upTo?: string
}

/** What the image worker records on a confirmed upload (not a status change: no transition, no claim). */
export type ImageResult = Pick<UploadRecord, 'image' | 'variants' | 'processingError' | 'processedAt'>

export interface ImageResults {
  /** Records the worker's result on the upload; the record after, or undefined when there is none. */
  recordImage(id: string, result: ImageResult): Promise<UploadRecord | undefined>
}

export interface LedgerMaintenance {
  /** Creates the indexes the queries rely on; safe to call at every start. */
  ensureIndexes(): Promise<void>
  /** Pending records whose expiry is before `now`, oldest first. */
  findExpired(now: Date, limit: number): Promise<UploadRecord[]>
  /** Deletes the leases that expired before `now` (their holders are gone); answers how many. */
  deleteExpiredLeases(now: Date): Promise<number>
  /** Ended records whose key must be deleted again (`purgeAfter` before `now`), oldest first. */
  findPurgeDue(now: Date, limit: number): Promise<UploadRecord[]>
  /** The key of this ended record was deleted again: nothing left to purge. */
  clearPurge(id: string): Promise<void>
  /** Every record in the given statuses, in id order (for reconciliation). */
  scan(statuses: readonly UploadStatus[]): AsyncIterable<UploadRecord>
  /** Transitions claimed but never applied (a writer died in between), older than `olderThan`. */
  findStuckTransitions(olderThan: Date): Promise<{ uploadId: string; from: UploadStatus }[]>
  /** Applies a stuck transition's recorded changes (doctor --fix). */
  completeStuckTransition(uploadId: string, from: UploadStatus): Promise<boolean>
}

/** A claim this old whose record never changed belongs to a writer that died; it is safe to finish. */
export const STUCK_TRANSITION_MS = 30_000
