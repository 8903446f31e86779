import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
} from 'mongodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { dependencyUnavailable } from '../errors.js'
import type { UploadStatus } from '@hoist/protocol'
import { QUOTA_HOLDING_STATUSES, type UploadRecord } from '../uploads/record.js'
import {
  DuplicateRecordError,
  STUCK_TRANSITION_MS,
  type LedgerMaintenance,
  type RecordChanges,
  type UploadLedger,
  type UploadPageQuery,
} from './ledger.js'

/**
 * One document per status a record leaves: `_id` is `<uploadId>:<from>`. Inserting it is the claim that makes a
 * transition happen exactly once, and it stays as the audit trail of every change.
 */
interface TransitionDocument {
  _id: string
  uploadId: string
  from: UploadStatus
  changes: RecordChanges
  claimedAt: Date
}

const DUPLICATE_KEY = 11000

function isMongoUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    (error instanceof MongoError && error.hasErrorLabel('RetryableWriteError'))
  )
}

/**
 * Creates only the indexes that are missing, one at a time. FerretDB v1.24 drops the connection (a recovered
 * panic, "slice bounds out of range") when createIndexes names several indexes that already exist.
 */
async function createMissingIndexes<T extends Document>(
  collection: Collection<T>,
  indexes: IndexDescription[],
): Promise<void> {
  const existing = new Set(
    await collection
      .listIndexes()
      .toArray()
      .then((list) => list.map((index: { name?: unknown }) => String(index.name)))
      .catch((error: unknown) => {
        // A collection that does not exist yet has no indexes.
        if (error instanceof MongoServerError && error.codeName === 'NamespaceNotFound') return []
        throw error
      }),
  )
  for (const index of indexes) {
    if (!existing.has(index.name!)) await collection.createIndexes([index])
  }
}

const isDuplicateKey = (error: unknown): boolean => error instanceof MongoServerError && error.code === DUPLICATE_KEY

const WRITE_CONFLICT = 112

/**
 * A write the server refused before applying it, that will succeed if tried again: MongoDB's WriteConflict, and
 * FerretDB's SQLite "database is locked" (SQLITE_BUSY), which concurrent writers hit under load.
 */
export function isTransientWriteError(error: unknown): boolean {
  return (
    error instanceof MongoServerError &&
    (error.code === WRITE_CONFLICT ||
      error.hasErrorLabel('TransientTransactionError') ||
      /SQLITE_BUSY|database is locked/.test(error.message))
  )
}

const TRANSIENT_ATTEMPTS = 6

/**
 * Runs one driver call: retried (with jittered back-off, ~1 s in all) when the server refused it transiently,
 * and turned into the API's 503 when MongoDB cannot be reached or stays busy.
 */
async function mongo<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (isTransientWriteError(error) && attempt < TRANSIENT_ATTEMPTS) {
        await sleep(10 * 2 ** attempt * (0.5 + Math.random()))
        continue
      }
      if (isMongoUnavailable(error) || isTransientWriteError(error)) throw dependencyUnavailable('MongoDB', error)
      throw error
    }
  }
}

/**
 * UploadLedger on MongoDB, portable to FerretDB v1 (no transactions, TTL or partial indexes). FerretDB v1 does not
 * apply a filtered update atomically (its SQLite backend reads, modifies and writes back: concurrent `$inc`s are
 * lost and several conditional updates can all "win"), while unique-key inserts are atomic on both servers.
 * So a transition is claimed by inserting a unique document, then applied; the quota is summed from the records.
 */
export class MongoLedger implements UploadLedger, LedgerMaintenance {
  private readonly uploads: Collection<UploadRecord>
  private readonly transitions: Collection<TransitionDocument>

  constructor(private readonly db: Db) {
    this.uploads = db.collection<UploadRecord>('uploads')
    this.transitions = db.collection<TransitionDocument>('upload_transitions')
  }

  ensureIndexes(): Promise<void> {
    return mongo(async () => {
      await createMissingIndexes(this.uploads, [
        { key: { key: 1 }, name: 'key_unique', unique: true },
        // Listing a workspace newest first: ULID ids sort by creation time.
        { key: { workspaceId: 1, _id: -1 }, name: 'workspace_created' },
        // The sweeper's query: pending records past their expiry.
        { key: { status: 1, expiresAt: 1 }, name: 'status_expiry' },
        // The sweeper's purge of keys whose record ended while their URL still worked (no partial index on FerretDB).
        { key: { purgeAfter: 1 }, name: 'purge_after' },
        // The quota sum: a workspace's pending and confirmed sizes, answered from the index alone on MongoDB.
        { key: { workspaceId: 1, status: 1, size: 1 }, name: 'workspace_status_size' },
      ])
      await createMissingIndexes(this.transitions, [{ key: { uploadId: 1 }, name: 'upload' }])
    })
  }

  ping(): Promise<void> {
    return mongo(async () => {
      await this.db.command({ ping: 1 })
    })
  }

  insert(record: UploadRecord): Promise<void> {
    return mongo(async () => {
      try {
        await this.uploads.insertOne(record)
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateRecordError('upload id or key')
        throw error
      }
    })
  }

  get(workspaceId: string, id: string): Promise<UploadRecord | undefined> {
    return mongo(async () => (await this.uploads.findOne({ _id: id, workspaceId })) ?? undefined)
  }

  getById(id: string): Promise<UploadRecord | undefined> {
    return mongo(async () => (await this.uploads.findOne({ _id: id })) ?? undefined)
  }

  findByKey(key: string): Promise<UploadRecord | undefined> {
    return mongo(async () => (await this.uploads.findOne({ key })) ?? undefined)
  }

  listPage({ workspaceId, statuses, beforeId, limit }: UploadPageQuery): Promise<UploadRecord[]> {
    return mongo(() =>
      this.uploads
        .find({
          workspaceId,
          status: { $in: [...statuses] },
          ...(beforeId ? { _id: { $lt: beforeId } } : {}),
        })
        .sort({ _id: -1 })
        .limit(limit)
        .toArray(),
    )
  }

  /** Each step is retried on its own: a retry of the whole would find its own claim and give up. */
  async transition(id: string, from: UploadStatus, changes: RecordChanges): Promise<UploadRecord | undefined> {
    const current = await mongo(() => this.uploads.findOne({ _id: id }, { projection: { status: 1 } }))
    // A record never returns to a status it left, so "it was in `from`, and nobody has claimed leaving `from`"
    // means it is still in `from`.
    if (current?.status !== from) return undefined
    const now = new Date()
    const claim: TransitionDocument = {
      _id: `${id}:${from}`,
      uploadId: id,
      from,
      changes: { ...changes, updatedAt: now },
      claimedAt: now,
    }
    try {
      await mongo(() => this.transitions.insertOne(claim))
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
      await this.completeStuckTransition(id, from)
      return undefined
    }
    return (
      (await mongo(() =>
        this.uploads.findOneAndUpdate({ _id: id }, { $set: claim.changes }, { returnDocument: 'after' }),
      )) ?? undefined
    )
  }

  async settled(id: string, from: UploadStatus): Promise<UploadRecord | undefined> {
    for (let wait = 10; wait <= 640; wait *= 2) {
      const record = await this.getById(id)
      if (record?.status !== from) return record
      await sleep(wait)
    }
    return undefined
  }

  findExpired(now: Date, limit: number): Promise<UploadRecord[]> {
    return mongo(() =>
      this.uploads
        .find({ status: 'pending', expiresAt: { $lt: now } })
        .sort({ expiresAt: 1 })
        .limit(limit)
        .toArray(),
    )
  }

  findPurgeDue(now: Date, limit: number): Promise<UploadRecord[]> {
    return mongo(() =>
      this.uploads
        .find({ purgeAfter: { $lte: now } })
        .sort({ purgeAfter: 1 })
        .limit(limit)
        .toArray(),
    )
  }

  clearPurge(id: string): Promise<void> {
    return mongo(async () => {
      await this.uploads.updateOne({ _id: id }, { $unset: { purgeAfter: '' } })
    })
  }

  async *scan(statuses: readonly UploadStatus[]): AsyncIterable<UploadRecord> {
    const cursor = this.uploads.find({ status: { $in: [...statuses] } }).sort({ _id: 1 })
    try {
      for await (const record of cursor) yield record
    } catch (error) {
      if (isMongoUnavailable(error)) throw dependencyUnavailable('MongoDB', error)
      throw error
    } finally {
      await cursor.close()
    }
  }

  usedBytes(workspaceId: string, upToId?: string): Promise<number> {
    return mongo(async () => {
      const [sum] = await this.uploads
        .aggregate<{ total: number }>([
          {
            $match: {
              workspaceId,
              status: { $in: [...QUOTA_HOLDING_STATUSES] },
              ...(upToId ? { _id: { $lte: upToId } } : {}),
            },
          },
          { $group: { _id: null, total: { $sum: '$size' } } },
        ])
        .toArray()
      return sum?.total ?? 0
    })
  }

  withdraw(id: string): Promise<void> {
    return mongo(async () => {
      await this.uploads.deleteOne({ _id: id, status: 'pending' })
    })
  }

  findStuckTransitions(olderThan: Date): Promise<{ uploadId: string; from: UploadStatus }[]> {
    return mongo(async () => {
      const stuck: { uploadId: string; from: UploadStatus }[] = []
      for await (const claim of this.transitions.find({ claimedAt: { $lt: olderThan } })) {
        const record = await this.uploads.findOne({ _id: claim.uploadId }, { projection: { status: 1 } })
        if (record?.status === claim.from) stuck.push({ uploadId: claim.uploadId, from: claim.from })
      }
      return stuck
    })
  }

  /**
   * Finishes a claimed transition whose writer died before applying it. Only claims older than
   * STUCK_TRANSITION_MS qualify, so a live writer that is merely slow is never overtaken.
   */
  completeStuckTransition(uploadId: string, from: UploadStatus): Promise<boolean> {
    return mongo(async () => {
      const claim = await this.transitions.findOne({ _id: `${uploadId}:${from}` })
      if (!claim || Date.now() - claim.claimedAt.getTime() < STUCK_TRANSITION_MS) return false
      const record = await this.uploads.findOne({ _id: uploadId }, { projection: { status: 1 } })
      if (record?.status !== from) return false
      await this.uploads.updateOne({ _id: uploadId }, { $set: claim.changes })
      return true
    })
  }
}
