/**
 * Events as the outbox stores them (collection `upload_events`). A transition's claim — the unique document whose
 * insert makes the change happen exactly once — *is* its event: written with the state change that causes it, in the
 * same insert, so there is no change without its event and no event without its change.
 */
import type {
  Delivery,
  DeliveryError,
  DeliveryState,
  EventType,
  UploadEvent,
  UploadStatus,
  UploadView,
} from '@hoist/protocol'
import { monotonicFactory } from 'ulid'
import { randomFractionFromPool } from '../random-pool.js'
import type { RecordChanges } from '../storage/ledger.js'
import { PREVIEWED_KINDS } from '../uploads/media-types.js'
import { metadataOf } from '../uploads/metadata.js'
import type { UploadTraceFields } from '../telemetry/upload-tracing.js'
import { toView, type UploadRecord } from '../uploads/record.js'

export const EVENTS_COLLECTION = 'upload_events'
/** Claims of delivery and processing attempts (outbox-work.ts). */
export const ATTEMPTS_COLLECTION = 'event_attempts'

/** `delivered` ends webhook delivery, `processed` ends image processing, `scanned` ends a malware scan. */
export type WorkState = DeliveryState | 'processed' | 'scanned'

/** The state of one kind of work on an event (delivery to the webhook, image processing): attempts and outcome. */
export interface StoredWork {
  state: WorkState
  attempts: number
  nextAttemptAt?: Date
  lastStatus?: number
  lastError?: string
  deliveredAt?: Date
  /** Attempts made before the last redelivery: the retry schedule counts from here. */
  scheduleStart?: number
}

export type StoredDelivery = StoredWork & { state: DeliveryState }

/** Carries its upload's `traceparent` (tracing on): delivery and image processing continue the upload's trace. */
export interface StoredEvent extends UploadTraceFields {
  /** The claim key: `<uploadId>:<status left>` for a transition, `<uploadId>:processed` for image processing. */
  _id: string
  uploadId: string
  workspaceId: string
  userId: string
  /** Transitions only: the status the record left, and the changes that made the new one. */
  from?: UploadStatus
  changes?: RecordChanges
  claimedAt: Date
  eventId: string
  type: EventType
  /** The event's position in its workspace's stream: 1, 2, 3… with no gap, taken at the append (event-sequence.ts). */
  seq: number
  /** The record's view after the change, its metadata apart: FerretDB refuses field names with dots (metadata.ts). */
  data: Omit<UploadView, 'metadata'>
  metadataPairs: string[]
  delivery: StoredDelivery
  /** Images, PDFs and videos, once confirmed: making their (preview's) variants (the image worker). */
  processing?: StoredWork
  /** Quarantined uploads: their malware scan (scan/scan-worker.ts). */
  scanning?: StoredWork
}

const nextUlid = monotonicFactory(randomFractionFromPool)

/**
 * The event fields of a new outbox document, for a record as the change leaves it; its seq is taken when it is
 * appended. The event id is a ULID: unique, and telling roughly when, but no part of the order.
 */
export function eventFields(
  type: EventType,
  record: UploadRecord,
  now: Date,
  webhooks: boolean,
): Omit<StoredEvent, '_id' | 'uploadId' | 'from' | 'changes' | 'seq'> {
  const { metadata: _kept_as_pairs, ...data } = toView(record)
  return {
    workspaceId: record.workspaceId,
    userId: record.userId,
    claimedAt: now,
    eventId: `evt_${nextUlid(now.getTime())}`,
    type,
    data,
    metadataPairs: record.metadataPairs ?? [],
    ...(record.traceparent ? { traceparent: record.traceparent } : {}),
    delivery: webhooks
      ? { state: 'pending', attempts: 0, nextAttemptAt: now }
      : { state: 'not-configured', attempts: 0 },
    // A confirmed image, PDF or video waits for the image worker (a queue: a worker started later processes the backlog).
    ...(type === 'upload.confirmed' && PREVIEWED_KINDS.includes(record.kind) && record.source === 'api'
      ? { processing: { state: 'pending' as const, attempts: 0, nextAttemptAt: now } }
      : {}),
    // A quarantined upload waits for its scan the same way (scanning off, the queue waits for a scanner).
    ...(type === 'upload.quarantined'
      ? { scanning: { state: 'pending' as const, attempts: 0, nextAttemptAt: now } }
      : {}),
  }
}

export function toWireEvent(stored: StoredEvent): UploadEvent {
  return {
    id: stored.eventId,
    type: stored.type,
    timestamp: stored.claimedAt.toISOString(),
    workspaceId: stored.workspaceId,
    userId: stored.userId,
    data: { ...stored.data, metadata: metadataOf(stored.metadataPairs) },
  }
}

/** The class of a stored failure: its text may hold WEBHOOK_URL (with a token in its query) or a resolved address. */
function deliveryErrorClass(delivery: StoredDelivery): DeliveryError {
  if (delivery.lastStatus !== undefined) return 'the receiver answered with an error status'
  if (/no answer within|timed? ?out/i.test(delivery.lastError ?? '')) return 'the receiver did not answer in time'
  if (/attempt was lost/.test(delivery.lastError ?? '')) return 'the attempt was interrupted'
  return 'the receiver could not be reached'
}

/** A delivery as a workspace sees it (GET /v1/events): `lastError` only as a class (`hoist events list` has it all). */
export function toWireDelivery(delivery: StoredDelivery): Delivery {
  return {
    state: delivery.state,
    attempts: delivery.attempts,
    ...(delivery.state === 'pending' && delivery.nextAttemptAt
      ? { nextAttemptAt: delivery.nextAttemptAt.toISOString() }
      : {}),
    ...(delivery.lastStatus !== undefined ? { lastStatus: delivery.lastStatus } : {}),
    ...(delivery.lastError ? { lastError: deliveryErrorClass(delivery) } : {}),
    ...(delivery.deliveredAt ? { deliveredAt: delivery.deliveredAt.toISOString() } : {}),
  }
}
