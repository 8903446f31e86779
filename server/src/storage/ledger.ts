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
  /** Throws DuplicateRecordError when the id or key exists. The record does not count against the quota: see admit. */
  insert(record: UploadRecord): Promise<void>
  /**
   * Inserts `record` if its workspace's bytes stay within `quota` with it (Infinity: always), counting it from then on
   * until a transition ends it; false, and nothing stored, if it does not fit. Exact across any number of instances,
   * with no clock involved (quota-journal.ts). Throws DuplicateRecordError when the id or key exists.
   */
  admit(record: UploadRecord, quota: number): Promise<boolean>
  get(workspaceId: string, id: string): Promise<UploadRecord | undefined>
  /** Unscoped lookup, for code that already holds the record's id from a scoped read (or from the sweeper). */
  getById(id: string): Promise<UploadRecord | undefined>
  findByKey(key: string): Promise<UploadRecord | undefined>
  listPage(query: UploadPageQuery): Promise<UploadRecord[]>
  /**
   * The one way a record changes: applies `changes` only if the record is still in `from`, and only once across
   * every concurrent caller (exactly one wins), writing the `upload.<status>` event with it. Returns the record after
   * the change, or undefined if another writer moved it first (a writer that claimed the move and has not applied it
   * yet has its changes applied for it: they are final). `read`, the record as the caller read it, spares
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
  /** The bytes the workspace's pending and confirmed uploads hold, as the quota counts them. */
  usedBytes(workspaceId: string): Promise<number>
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
  /**
   * Sets a record's public URLs (`hoist move`: the keys stay, the store and its base URL change) only if they are
   * still `expected`, so an image result recorded meanwhile is never overwritten: the caller reads again. Not a
   * transition (the status stays, no event). True when applied.
   */
  replaceUrls(id: string, expected: RecordUrls, urls: RecordUrls): Promise<boolean>
}

/** A record's public URLs: its object's, and its image variants'. */
export type RecordUrls = Pick<UploadRecord, 'url' | 'variants'>

/**
 * A claim this old whose record never changed belongs to a writer that died with no attempt since to finish it:
 * the doctor lists and finishes those. (Any transition that loses to a claim finishes it at once.) Finishing is safe
 * whatever the clocks say: a late apply of the same claim is filtered on the status it left.
 */
export const STUCK_TRANSITION_MS = 30_000
