import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
} from 'mongodb'
import { dependencyUnavailable } from '../errors.js'
import type { UploadRecord, UploadStatus } from '../uploads/record.js'
import { DuplicateRecordError, type ListQuery, type UploadLedger } from './ledger.js'

interface UsageDocument {
  _id: string
  reservedBytes: number
}

const DUPLICATE_KEY = 11000

export function isMongoUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    (error instanceof MongoError && error.hasErrorLabel('RetryableWriteError'))
  )
}

/** Runs a driver call, turning "cannot reach MongoDB" into the API's 503. */
async function mongo<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (isMongoUnavailable(error)) throw dependencyUnavailable('MongoDB', error)
    throw error
  }
}

/**
 * UploadLedger on MongoDB. Only single-document atomic operations: it runs unchanged on MongoDB (Atlas) and on
 * FerretDB v1, which has no transactions, TTL or partial indexes.
 */
export class MongoLedger implements UploadLedger {
  private readonly uploads: Collection<UploadRecord>
  private readonly usage: Collection<UsageDocument>

  constructor(private readonly db: Db) {
    this.uploads = db.collection<UploadRecord>('uploads')
    this.usage = db.collection<UsageDocument>('workspace_usage')
  }

  ensureIndexes(): Promise<void> {
    return mongo(async () => {
      await this.uploads.createIndexes([
        { key: { key: 1 }, name: 'key_unique', unique: true },
        // Listing a workspace newest first: ULID ids sort by creation time.
        { key: { workspaceId: 1, _id: -1 }, name: 'workspace_created' },
        // The sweeper's query: pending records past their expiry.
        { key: { status: 1, expiresAt: 1 }, name: 'status_expiry' },
      ])
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
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw new DuplicateRecordError('upload id or key')
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

  list({ workspaceId, statuses, beforeId, limit }: ListQuery): Promise<UploadRecord[]> {
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

  transition(
    id: string,
    from: UploadStatus,
    changes: Partial<Omit<UploadRecord, '_id'>>,
  ): Promise<UploadRecord | undefined> {
    return mongo(async () => {
      const updated = await this.uploads.findOneAndUpdate(
        { _id: id, status: from },
        { $set: { ...changes, updatedAt: new Date() } },
        { returnDocument: 'after' },
      )
      return updated ?? undefined
    })
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

  reserveQuota(workspaceId: string, bytes: number, quota: number): Promise<boolean> {
    return mongo(async () => {
      try {
        await this.usage.updateOne({ _id: workspaceId }, { $setOnInsert: { reservedBytes: 0 } }, { upsert: true })
      } catch (error) {
        // Two first uploads of a workspace may race to create its counter: one insert wins, both go on.
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error
      }
      // One conditional increment: concurrent reservations cannot pass the quota together.
      const result = await this.usage.updateOne(
        { _id: workspaceId, reservedBytes: { $lte: quota - bytes } },
        { $inc: { reservedBytes: bytes } },
      )
      return result.modifiedCount === 1
    })
  }

  releaseQuota(workspaceId: string, bytes: number): Promise<void> {
    return mongo(async () => {
      await this.usage.updateOne({ _id: workspaceId }, { $inc: { reservedBytes: -bytes } })
    })
  }

  reservedBytes(workspaceId: string): Promise<number> {
    return mongo(async () => (await this.usage.findOne({ _id: workspaceId }))?.reservedBytes ?? 0)
  }

  setReservedBytes(workspaceId: string, bytes: number): Promise<void> {
    return mongo(async () => {
      await this.usage.updateOne({ _id: workspaceId }, { $set: { reservedBytes: bytes } }, { upsert: true })
    })
  }
}
