import type { UploadStatus } from '@hoist/protocol'
import type { Collection, Db } from 'mongodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { dependencyUnavailable } from '../errors.js'
import { appendEvent, WORKSPACE_SEQ_INDEX } from '../events/event-sequence.js'
import { eventFields, EVENTS_COLLECTION, type StoredEvent } from '../events/stored-event.js'
import { QUOTA_HOLDING_STATUSES, type UploadRecord } from '../uploads/record.js'
import {
  DuplicateRecordError,
  STUCK_TRANSITION_MS,
  type ImageResult,
  type RecordUrls,
  type ImageResults,
  type LedgerMaintenance,
  type TransitionChanges,
  type UploadLedger,
  type UploadPageQuery,
} from './ledger.js'
import { createMissingIndexes, isDuplicateKey, isMongoUnavailable, mongoCalls, type MongoCalls } from './mongo-call.js'
import { QuotaJournal } from './quota-journal.js'
import { boundedCollection, boundedCommand } from './answer-deadline.js'

export interface MongoLedgerOptions {
  /** A webhook receiver is configured: new events start out pending delivery. */
  webhooks: boolean
  /** Called after each event is written, so an in-process deliverer can send it at once. */
  onEvent?: () => void
}

/**
 * UploadLedger on MongoDB, portable to FerretDB v1 (no transactions, TTL or partial indexes). FerretDB v1 does not
 * apply a filtered update atomically (its SQLite backend reads, modifies and writes back: concurrent `$inc`s are
 * lost and several conditional updates can all "win"), while unique-key inserts are atomic on both servers.
 * So a transition is claimed by inserting a unique document, then applied; the quota is a journal of unique entries.
 */
export class MongoLedger implements UploadLedger, LedgerMaintenance, ImageResults {
  private readonly uploads: Collection<UploadRecord>
  private readonly events: Collection<StoredEvent>
  private readonly quota: QuotaJournal
  private readonly calls: MongoCalls

  constructor(
    private readonly db: Db,
    private readonly options: MongoLedgerOptions = { webhooks: false },
  ) {
    this.uploads = boundedCollection<UploadRecord>(db, 'uploads')
    this.events = boundedCollection<StoredEvent>(db, EVENTS_COLLECTION)
    this.quota = new QuotaJournal(db)
    this.calls = mongoCalls(db)
  }

  async ensureIndexes(): Promise<void> {
    await this.calls('ledger.ensureIndexes', async () => {
      await createMissingIndexes(this.uploads, [
        { key: { key: 1 }, name: 'key_unique', unique: true },
        // Listing a workspace newest first: ULID ids sort by creation time.
        { key: { workspaceId: 1, _id: -1 }, name: 'workspace_created' },
        // ?metadata.<key>=<value>: a multikey index on the workspace's pairs, newest first.
        { key: { workspaceId: 1, metadataPairs: 1, _id: -1 }, name: 'workspace_metadata' },
        // The sweeper's query: pending records past their expiry.
        { key: { status: 1, expiresAt: 1 }, name: 'status_expiry' },
        // The sweeper's purge of keys whose record ended while their URL still worked (no partial index on FerretDB).
        { key: { purgeAfter: 1 }, name: 'purge_after' },
      ])
      await createMissingIndexes(this.events, [
        { key: { uploadId: 1 }, name: 'upload' },
        // The feed: a workspace's events in order, optionally by delivery state (GET /v1/events?status=failed);
        // unique, it is also what appends race on, and the head lookup reads it backwards.
        WORKSPACE_SEQ_INDEX,
        { key: { workspaceId: 1, 'delivery.state': 1, seq: 1 }, name: 'workspace_delivery_seq' },
        { key: { claimedAt: 1 }, name: 'claimed_at' },
      ])
    })
    await this.quota.ensureIndexes()
  }

  ping(): Promise<void> {
    return this.calls('ledger.ping', async () => {
      await boundedCommand(this.db, { ping: 1 })
    })
  }

  insert(record: UploadRecord): Promise<void> {
    return this.calls('ledger.insert', async () => {
      try {
        await this.uploads.insertOne(record)
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateRecordError('upload id or key')
        throw error
      }
    })
  }

  async admit(record: UploadRecord, quota: number): Promise<boolean> {
    if (!(await this.quota.reserve(record, quota))) return false
    try {
      await this.insert(record)
      return true
    } catch (error) {
      // Not stored: the reservation goes back. When that is unknown (the database went away), it stays: a file counted
      // that does not exist costs the workspace a little room; one stored and not counted could pass the quota.
      const stored =
        error instanceof DuplicateRecordError ? undefined : await this.getById(record._id).catch(() => true)
      if (!stored) await this.quota.release(record).catch(() => undefined)
      throw error
    }
  }

  usedBytes(workspaceId: string): Promise<number> {
    return this.quota.used(workspaceId)
  }

  get(workspaceId: string, id: string): Promise<UploadRecord | undefined> {
    return this.calls('ledger.get', async () => (await this.uploads.findOne({ _id: id, workspaceId })) ?? undefined)
  }

  getById(id: string): Promise<UploadRecord | undefined> {
    return this.calls('ledger.getById', async () => (await this.uploads.findOne({ _id: id })) ?? undefined)
  }

  findByKey(key: string): Promise<UploadRecord | undefined> {
    return this.calls('ledger.findByKey', async () => (await this.uploads.findOne({ key })) ?? undefined)
  }

  listPage({ workspaceId, statuses, beforeId, metadataPair, limit }: UploadPageQuery): Promise<UploadRecord[]> {
    return this.calls('ledger.listPage', () =>
      this.uploads
        .find({
          workspaceId,
          status: { $in: [...statuses] },
          ...(beforeId ? { _id: { $lt: beforeId } } : {}),
          ...(metadataPair ? { metadataPairs: metadataPair } : {}),
        })
        .sort({ _id: -1 })
        .limit(limit)
        .toArray(),
    )
  }

  /**
   * Claim, then apply; each step is retried on its own (a retry of the whole would find its own claim and give up).
   * The claim is the event: it carries the record's view after the change, so the outbox and the change cannot part.
   * It is appended at the workspace's next seq; only a taken claim key (not a taken seq) means the transition is lost.
   */
  async transition(
    id: string,
    from: UploadStatus,
    changes: TransitionChanges,
    read?: UploadRecord,
  ): Promise<UploadRecord | undefined> {
    const current =
      from === 'pending' && read?._id === id
        ? read
        : await this.calls('ledger.getById', () => this.uploads.findOne({ _id: id }))
    // A record never returns to a status it left, so "it was in `from`, and nobody has claimed leaving `from`"
    // means it is still in `from`.
    if (current?.status !== from) return undefined
    const now = new Date()
    const applied = { ...changes, updatedAt: now }
    const claimed = await appendEvent(
      this.events,
      {
        _id: `${id}:${from}`,
        uploadId: id,
        from,
        changes: applied,
        ...eventFields(`upload.${changes.status}`, { ...current, ...applied }, now, this.options.webhooks),
      },
      this.calls,
    )
    if (!claimed) {
      // Lost to another writer's claim. Its changes are final (the claim is already the event), so they are applied
      // now rather than when that writer gets to it: a writer frozen between claim and apply would otherwise keep the
      // record in `from`, and every caller busy, until the doctor's stuck age.
      await this.finishClaim(id, from)
      return undefined
    }
    // Released before the change is applied: a writer that dies in between leaves a claim, whose finishing (by the
    // next attempt, or the doctor) releases (once: the entry is keyed by the upload) and applies.
    await this.releaseIfEnded(current, changes.status)
    const after = await this.applyClaimed(id, from, applied)
    this.options.onEvent?.()
    // Not applied here: another attempt finished the claim (the same changes), and maybe moved on since.
    return after ?? (await this.getById(id))
  }

  /**
   * Applies a claimed transition's changes only while the record is still in `from`. A stalled writer may apply
   * after another attempt finished its claim for it and the record moved on; the filter keeps that late write from
   * rolling the record back. Exact on MongoDB; FerretDB v1 applies a filtered update as its own read-then-write, which
   * narrows the window to one request inside the server.
   */
  applyClaimed(id: string, from: UploadStatus, changes: TransitionChanges): Promise<UploadRecord | undefined> {
    return this.calls(
      'ledger.transition',
      async () =>
        (await this.uploads.findOneAndUpdate(
          { _id: id, status: from },
          { $set: changes },
          { returnDocument: 'after' },
        )) ?? undefined,
    )
  }

  recordImage(id: string, result: ImageResult): Promise<UploadRecord | undefined> {
    return this.calls(
      'ledger.recordImage',
      async () =>
        (await this.uploads.findOneAndUpdate({ _id: id }, { $set: result }, { returnDocument: 'after' })) ?? undefined,
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
    return this.calls('ledger.findExpired', () =>
      this.uploads
        .find({ status: 'pending', expiresAt: { $lt: now } })
        .sort({ expiresAt: 1 })
        .limit(limit)
        .toArray(),
    )
  }

  findPurgeDue(now: Date, limit: number): Promise<UploadRecord[]> {
    return this.calls('ledger.findPurgeDue', () =>
      this.uploads
        .find({ purgeAfter: { $lte: now } })
        .sort({ purgeAfter: 1 })
        .limit(limit)
        .toArray(),
    )
  }

  replaceUrls(id: string, expected: RecordUrls, urls: RecordUrls): Promise<boolean> {
    return this.calls('ledger.replaceUrls', async () => {
      // The variants array is compared whole, as it was read.
      const filter = {
        _id: id,
        url: expected.url ?? { $exists: false },
        variants: expected.variants ?? { $exists: false },
      }
      const set = { ...(urls.url ? { url: urls.url } : {}), ...(urls.variants ? { variants: urls.variants } : {}) }
      return (await this.uploads.updateOne(filter, { $set: set })).matchedCount === 1
    })
  }

  clearPurge(id: string): Promise<void> {
    return this.calls('ledger.clearPurge', async () => {
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

  /** A transition out of the statuses that hold quota gives the bytes back. */
  private async releaseIfEnded(record: UploadRecord, to: UploadStatus): Promise<void> {
    if (QUOTA_HOLDING_STATUSES.includes(record.status) && !QUOTA_HOLDING_STATUSES.includes(to))
      await this.quota.release(record)
  }

  findStuckTransitions(olderThan: Date): Promise<{ uploadId: string; from: UploadStatus }[]> {
    return this.calls('ledger.findStuckTransitions', async () => {
      const stuck: { uploadId: string; from: UploadStatus }[] = []
      // Every transition's claim stays as its event: look at them in batches, against their records in one query each.
      const claims = this.events.find(
        { claimedAt: { $lt: olderThan }, from: { $exists: true } },
        { projection: { uploadId: 1, from: 1 } },
      )
      for (let batch = await nextBatch(claims); batch.length > 0; batch = await nextBatch(claims)) {
        const records = await this.uploads
          .find({ _id: { $in: batch.map((claim) => claim.uploadId) } }, { projection: { status: 1 } })
          .toArray()
        const statusOf = new Map(records.map((record) => [record._id, record.status]))
        for (const claim of batch)
          if (statusOf.get(claim.uploadId) === claim.from) stuck.push({ uploadId: claim.uploadId, from: claim.from! })
      }
      return stuck
    })
  }

  /** The doctor's fix: finishes a claim left unapplied for STUCK_TRANSITION_MS, a writer that died. */
  completeStuckTransition(uploadId: string, from: UploadStatus): Promise<boolean> {
    return this.finishClaim(uploadId, from, STUCK_TRANSITION_MS)
  }

  /**
   * Applies a claimed transition's changes for its writer, if the record is still in `from` (and, for the doctor,
   * the claim is at least `minAgeMs` old). The same changes whoever applies them; the writer's own later apply is
   * filtered on `from`, and the quota is released once (keyed by the upload).
   */
  private finishClaim(uploadId: string, from: UploadStatus, minAgeMs = 0): Promise<boolean> {
    return this.calls('ledger.finishClaim', async () => {
      const claim = await this.events.findOne({ _id: `${uploadId}:${from}` })
      if (!claim?.changes) return false
      // Only the doctor asks for an age, and only its own clock judges it.
      if (minAgeMs > 0 && Date.now() - claim.claimedAt.getTime() < minAgeMs) return false
      const record = await this.uploads.findOne({ _id: uploadId })
      if (record?.status !== from) return false
      await this.releaseIfEnded(record, claim.changes.status!)
      return (await this.uploads.updateOne({ _id: uploadId, status: from }, { $set: claim.changes })).matchedCount === 1
    })
  }
}

async function nextBatch<T>(cursor: AsyncIterable<T> & { tryNext(): Promise<T | null> }, size = 500): Promise<T[]> {
  const batch: T[] = []
  for (let item = await cursor.tryNext(); item; item = batch.length < size ? await cursor.tryNext() : null)
    batch.push(item)
  return batch
}
