/**
 * The outbox, read: the pull feed (GET /v1/events), redelivery. (Attempts at delivery and processing: outbox-work.ts.) Events are written by the ledger with the transition that causes them (stored-event.ts); events that
 * are not transitions (upload.processed) are appended here, each under a unique key so a retry cannot write it twice.
 *
 * Feed order is `seq`, a ULID taken at the write. A reader only sees events older than FEED_SETTLE_MS, so an event
 * whose write is still in flight cannot be skipped by a reader that already went past its seq; a write slower than
 * that moves its event to a fresh seq (see `settle`).
 */
import type { DeliveryState } from '@hoist/protocol'
import type { Collection, Db, Filter } from 'mongodb'
import { decodeTime } from 'ulid'
import { isDuplicateKey, mongo } from '../storage/mongo-call.js'
import { OutboxWork, type WorkField } from './outbox-work.js'
import { EVENTS_COLLECTION, newSeq, seqFloor, ZERO_SEQ, type StoredEvent } from './stored-event.js'

/** How long a new event stays out of the feed, so writes still in flight settle first. */
const FEED_SETTLE_MS = 2_000

export interface FeedPage {
  items: StoredEvent[]
  nextCursor: string
}

export class MongoEventLog {
  private readonly events: Collection<StoredEvent>

  constructor(private readonly db: Db) {
    this.events = db.collection<StoredEvent>(EVENTS_COLLECTION)
  }

  /** The queue of one kind of work on these events (webhook delivery, image processing). */
  work(field: WorkField): OutboxWork {
    return new OutboxWork(this.db, field)
  }

  async ensureIndexes(): Promise<void> {
    await this.work('delivery').ensureIndexes()
    await this.work('processing').ensureIndexes()
  }

  /** A workspace's settled events after `after`, in order; `state` keeps only events in that delivery state. */
  feed(
    workspaceId: string,
    query: { after?: string; limit: number; state?: DeliveryState },
    now: Date,
  ): Promise<FeedPage> {
    return mongo(async () => {
      const after = query.after ?? ZERO_SEQ
      const items = await this.events
        .find({
          workspaceId,
          seq: { $gt: after, $lt: seqFloor(now.getTime() - FEED_SETTLE_MS) },
          ...(query.state ? { 'delivery.state': query.state } : {}),
        })
        .sort({ seq: 1 })
        .limit(query.limit)
        .toArray()
      return { items, nextCursor: items.at(-1)?.seq ?? after }
    })
  }

  /** Writes an event that is not a transition (image processing); false when it was already written. */
  append(event: StoredEvent): Promise<boolean> {
    return mongo(async () => {
      try {
        await this.events.insertOne(event)
      } catch (error) {
        if (isDuplicateKey(error)) return false
        throw error
      }
      await settleEvent(this.events, event)
      return true
    })
  }

  get(eventId: string): Promise<StoredEvent | undefined> {
    return mongo(async () => (await this.events.findOne({ eventId })) ?? undefined)
  }

  /** Puts events back in the queue: one by id, or every event of a workspace (or of all) since a time. */
  redeliver(filter: { eventId: string } | { since: Date; workspaceId?: string }, now: Date): Promise<number> {
    return mongo(async () => {
      const match: Filter<StoredEvent> =
        'eventId' in filter
          ? { eventId: filter.eventId }
          : { claimedAt: { $gte: filter.since }, ...(filter.workspaceId ? { workspaceId: filter.workspaceId } : {}) }
      const matched = await this.events.find(match, { projection: { _id: 1, delivery: 1 } }).toArray()
      for (const event of matched) {
        // Attempts keep counting (their claims are unique); the retry schedule starts again from here.
        const attempts = event.delivery.attempts
        await this.events.updateOne(
          { _id: event._id },
          { $set: { delivery: { state: 'pending', attempts, scheduleStart: attempts, nextAttemptAt: now } } },
        )
      }
      return matched.length
    })
  }
}

/**
 * After an event's write: if it took longer than half the settle time, a reader may already have passed its seq, so
 * the event moves to a fresh one (a reader that saw it in between sees it twice: the feed is at-least-once; event ids
 * let consumers deduplicate).
 */
export async function settleEvent(
  events: Collection<StoredEvent>,
  event: Pick<StoredEvent, '_id' | 'seq'>,
): Promise<void> {
  const written = Date.now()
  if (written - decodeTime(event.seq) <= FEED_SETTLE_MS / 2) return
  await mongo(() => events.updateOne({ _id: event._id }, { $set: { seq: newSeq(new Date(written)) } }))
}
