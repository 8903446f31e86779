/**
 * The outbox, read: the pull feed (GET /v1/events), redelivery. (Attempts at delivery and processing: outbox-work.ts.)
 * Events are written by the ledger with the transition that causes them (stored-event.ts); events that are not
 * transitions (upload.processed) are appended here, each under a unique key so a retry cannot write it twice.
 *
 * Feed order is `seq`, the event's position in its workspace's gapless stream (event-sequence.ts): a reader that
 * resumes after N gets N + 1 next, once it is written, whatever the writers' clocks said.
 */
import type { DeliveryState } from '@hoist/protocol'
import type { Collection, Db, Filter } from 'mongodb'
import { createMissingIndexes, mongoCalls, type MongoCalls } from '../storage/mongo-call.js'
import { appendEvent, WORKSPACE_SEQ_INDEX } from './event-sequence.js'
import { OutboxWork, type Backlog, type WorkField } from './outbox-work.js'
import { EVENTS_COLLECTION, type StoredEvent } from './stored-event.js'
import { boundedCollection } from '../storage/answer-deadline.js'

export interface FeedPage {
  items: StoredEvent[]
  /** The seq of the last event returned (of `after` when none was). */
  nextCursor: number
}

export class MongoEventLog {
  private readonly events: Collection<StoredEvent>
  private readonly calls: MongoCalls

  constructor(private readonly db: Db) {
    this.events = boundedCollection<StoredEvent>(db, EVENTS_COLLECTION)
    this.calls = mongoCalls(db)
  }

  /** The queue of one kind of work on these events (webhook delivery, image processing). */
  work(field: WorkField): OutboxWork {
    return new OutboxWork(this.db, field)
  }

  async ensureIndexes(): Promise<void> {
    // Also made by MongoLedger.ensureIndexes: a process that only appends here (`hoist worker`) needs it as well.
    await this.calls('events.ensureIndexes', () => createMissingIndexes(this.events, [WORKSPACE_SEQ_INDEX]))
    await this.work('delivery').ensureIndexes()
    await this.work('processing').ensureIndexes()
    await this.work('scanning').ensureIndexes()
  }

  /** What waits in the outbox, by kind of work: webhook deliveries and image processing (see OutboxWork.backlog). */
  async backlog(timeoutMs: number): Promise<{ webhooks: Backlog; images: Backlog }> {
    const [webhooks, images] = await Promise.all([
      this.work('delivery').backlog(timeoutMs),
      this.work('processing').backlog(timeoutMs),
    ])
    return { webhooks, images }
  }

  /** A workspace's events after position `after` (0: from the start), in order; `state` keeps those in that state. */
  feed(workspaceId: string, query: { after?: number; limit: number; state?: DeliveryState }): Promise<FeedPage> {
    return this.calls('events.feed', async () => {
      const after = query.after ?? 0
      const items = await this.events
        .find({ workspaceId, seq: { $gt: after }, ...(query.state ? { 'delivery.state': query.state } : {}) })
        .sort({ seq: 1 })
        .limit(query.limit)
        .toArray()
      return { items, nextCursor: items.at(-1)?.seq ?? after }
    })
  }

  /** Writes an event that is not a transition (image processing); false when it was already written. */
  async append(event: Omit<StoredEvent, 'seq'>): Promise<boolean> {
    return (await appendEvent(this.events, event, this.calls)) !== undefined
  }

  get(eventId: string): Promise<StoredEvent | undefined> {
    return this.calls('events.get', async () => (await this.events.findOne({ eventId })) ?? undefined)
  }

  /** Puts events back in the queue: one by id, or every event of a workspace (or of all) since a time. */
  redeliver(filter: { eventId: string } | { since: Date; workspaceId?: string }, now: Date): Promise<number> {
    return this.calls('events.redeliver', async () => {
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
