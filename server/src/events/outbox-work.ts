/**
 * Work done on outbox events — webhook delivery (`delivery`), image processing (`processing`) and malware scans
 * (`scanning`) — by any number of processes at once: each attempt is claimed by exactly one of them (a unique insert,
 * atomic on MongoDB and FerretDB alike), leased while it runs so others do not pick the event up — the lease renewed by its holder as long as the
 * attempt runs — and recorded when it ends. A process that dies mid-attempt loses nothing: once its lease has run
 * out unrenewed, the next one records the attempt as lost and goes on.
 */
import type { Collection, Db, Filter } from 'mongodb'
import { createMissingIndexes, isDuplicateKey, mongoCalls, type MongoCalls } from '../storage/mongo-call.js'
import { ATTEMPTS_COLLECTION, EVENTS_COLLECTION, type StoredEvent, type StoredWork } from './stored-event.js'
import { boundedCollection } from '../storage/answer-deadline.js'

export type WorkField = 'delivery' | 'processing' | 'scanning'

/** Events waiting for one kind of work. */
export interface Backlog {
  pending: number
  /** When the oldest of them was written (absent: none waits). */
  oldestPendingAt?: Date
}

interface AttemptClaim {
  _id: string
  eventId: string
  claimedAt: Date
  /** The lease: renewed by the holder while the attempt runs (claims from before renewals have none). */
  heldUntil?: Date
}

export class OutboxWork {
  private readonly events: Collection<StoredEvent>
  private readonly attempts: Collection<AttemptClaim>
  private readonly calls: MongoCalls

  constructor(
    db: Db,
    readonly field: WorkField,
  ) {
    this.events = boundedCollection<StoredEvent>(db, EVENTS_COLLECTION)
    this.attempts = boundedCollection<AttemptClaim>(db, ATTEMPTS_COLLECTION)
    this.calls = mongoCalls(db)
  }

  ensureIndexes(): Promise<void> {
    return this.calls('outbox.ensureIndexes', async () => {
      await createMissingIndexes(this.attempts, [{ key: { eventId: 1 }, name: 'event' }])
      await createMissingIndexes(this.events, [
        { key: { [`${this.field}.state`]: 1, [`${this.field}.nextAttemptAt`]: 1 }, name: `${this.field}_due` },
        // The backlog's age: the oldest event still pending this work.
        { key: { [`${this.field}.state`]: 1, claimedAt: 1 }, name: `${this.field}_pending_age` },
      ])
    })
  }

  /** Events whose next attempt is due, oldest first. */
  due(now: Date, limit: number): Promise<StoredEvent[]> {
    return this.calls('outbox.due', () =>
      this.events
        .find({
          [`${this.field}.state`]: 'pending',
          [`${this.field}.nextAttemptAt`]: { $lte: now },
        } as Filter<StoredEvent>)
        .sort({ [`${this.field}.nextAttemptAt`]: 1 })
        .limit(limit)
        .toArray(),
    )
  }

  /**
   * How much of this work waits: the events pending it (due or waiting for a retry), and when the oldest of them was
   * written. Each query may run `timeoutMs` on the server (for /metrics and `hoist doctor`: a figure, never a hang).
   */
  backlog(timeoutMs: number): Promise<Backlog> {
    return this.calls('outbox.backlog', async () => {
      const pending = { [`${this.field}.state`]: 'pending' } as Filter<StoredEvent>
      const [count, oldest] = await Promise.all([
        this.events.countDocuments(pending, { maxTimeMS: timeoutMs }),
        this.events.findOne(pending, { sort: { claimedAt: 1 }, projection: { claimedAt: 1 }, maxTimeMS: timeoutMs }),
      ])
      return { pending: count, ...(oldest ? { oldestPendingAt: oldest.claimedAt } : {}) }
    })
  }

  /** The event's state for this kind of work (undefined: none to do). */
  stateOf(event: StoredEvent): StoredWork | undefined {
    return event[this.field]
  }

  /** Claims attempt `attempt`: exactly one caller wins it, and the event is leased until `leaseUntil`. */
  claim(event: StoredEvent, attempt: number, now: Date, leaseUntil: Date): Promise<boolean> {
    return this.calls('outbox.claim', async () => {
      try {
        await this.attempts.insertOne({
          _id: this.claimId(event.eventId, attempt),
          eventId: event.eventId,
          claimedAt: now,
          heldUntil: leaseUntil,
        })
      } catch (error) {
        if (isDuplicateKey(error)) return false
        throw error
      }
      await this.events.updateOne({ _id: event._id }, { $set: { [`${this.field}.nextAttemptAt`]: leaseUntil } })
      return true
    })
  }

  /**
   * The holder's heartbeat: attempt `attempt` stays leased until `leaseUntil`. Plain updates are enough (FerretDB
   * does not apply conditional ones atomically): only the holder writes its claim's lease.
   */
  renew(event: StoredEvent, attempt: number, leaseUntil: Date): Promise<void> {
    return this.calls('outbox.renew', async () => {
      await this.attempts.updateOne({ _id: this.claimId(event.eventId, attempt) }, { $set: { heldUntil: leaseUntil } })
      await this.events.updateOne({ _id: event._id }, { $set: { [`${this.field}.nextAttemptAt`]: leaseUntil } })
    })
  }

  /** Until when attempt `attempt` is leased (a claim without a renewable lease: `leaseMs` after it); undefined if unclaimed. */
  heldUntil(eventId: string, attempt: number, leaseMs: number): Promise<Date | undefined> {
    return this.calls('outbox.heldUntil', async () => {
      const claim = await this.attempts.findOne({ _id: this.claimId(eventId, attempt) })
      if (!claim) return undefined
      return claim.heldUntil ?? new Date(claim.claimedAt.getTime() + leaseMs)
    })
  }

  /** Records how an attempt ended. Only its claimant (or, once its lease is long gone, a recoverer) calls this. */
  finish(event: StoredEvent, state: StoredWork): Promise<void> {
    return this.calls('outbox.finish', async () => {
      await this.events.updateOne({ _id: event._id }, { $set: { [this.field]: state } })
    })
  }

  private claimId(eventId: string, attempt: number): string {
    return `${eventId}:${this.field}:${attempt}`
  }
}
