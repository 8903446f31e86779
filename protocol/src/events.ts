/**
 * Upload events: every change of an upload record (quarantined, confirmed, rejected, expired, deleted; processed once
 * its image variants exist) is one event, delivered to WEBHOOK_URL (Standard Webhooks) and readable from GET /v1/events.
 */
import { Type, type Static } from 'typebox'
import { UploadViewSchema } from './uploads.js'

export const EventTypeSchema = Type.Union([
  Type.Literal('upload.quarantined'),
  Type.Literal('upload.confirmed'),
  Type.Literal('upload.rejected'),
  Type.Literal('upload.expired'),
  Type.Literal('upload.deleted'),
  Type.Literal('upload.processed'),
])
export type EventType = Static<typeof EventTypeSchema>

/** An event id: `evt_` and a ULID. It is the webhook-id of every delivery attempt, so receivers can deduplicate. */
export const EVENT_ID_PATTERN = '^evt_[0-9A-HJKMNP-TV-Z]{26}$'

/** The payload, as webhooks deliver it and the feed lists it (the Standard Webhooks shape, plus id and workspace). */
export const UploadEventSchema = Type.Object(
  {
    id: Type.String({ pattern: EVENT_ID_PATTERN }),
    type: EventTypeSchema,
    timestamp: Type.String({ format: 'date-time', description: 'When the change happened' }),
    workspaceId: Type.String(),
    userId: Type.String({ description: 'Who uploaded: the `sub` of the token that started the upload' }),
    data: UploadViewSchema,
  },
  { $id: 'UploadEvent' },
)
export type UploadEvent = Static<typeof UploadEventSchema>

export const DeliveryStateSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('delivered'),
  Type.Literal('failed'),
  Type.Literal('not-configured'),
])
export type DeliveryState = Static<typeof DeliveryStateSchema>

/**
 * Why the last attempt failed, as a class only: the detail (the receiver's URL and address, the raw error) is the
 * operator's, shown by `hoist events list`, never to a workspace.
 */
export const DeliveryErrorSchema = Type.Union([
  Type.Literal('the receiver answered with an error status'),
  Type.Literal('the receiver did not answer in time'),
  Type.Literal('the receiver could not be reached'),
  Type.Literal('the attempt was interrupted'),
])
export type DeliveryError = Static<typeof DeliveryErrorSchema>

export const DeliverySchema = Type.Object({
  state: DeliveryStateSchema,
  attempts: Type.Integer(),
  nextAttemptAt: Type.Optional(Type.String({ format: 'date-time' })),
  lastStatus: Type.Optional(Type.Integer({ description: 'The receiver’s last HTTP status' })),
  lastError: Type.Optional(DeliveryErrorSchema),
  deliveredAt: Type.Optional(Type.String({ format: 'date-time' })),
})
export type Delivery = Static<typeof DeliverySchema>

/**
 * A feed page stops at this many bytes of events, before `limit`: an event can reach ~50 KB (16 metadata values of
 * 512 characters, each escaped to 6 bytes in the worst case), so 500 of them would be a 25 MB answer. The first event
 * is always included, so a reader always makes progress.
 */
export const FEED_PAGE_BYTES = 1024 * 1024

export const EventListQuerySchema = Type.Object(
  {
    after: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,14})$',
        description: 'nextCursor of the previous page: the feed goes on with the event after that one',
      }),
    ),
    limit: Type.Integer({
      minimum: 1,
      maximum: 500,
      default: 100,
      description: `At most this many events; fewer when they would pass ${FEED_PAGE_BYTES / 1024 / 1024} MiB of JSON`,
    }),
    status: Type.Optional(DeliveryStateSchema),
  },
  { additionalProperties: false },
)
export type EventListQuery = Static<typeof EventListQuerySchema>

export const EventListSchema = Type.Object({
  items: Type.Array(Type.Object({ event: UploadEventSchema, delivery: DeliverySchema })),
  nextCursor: Type.String({
    description: 'Pass as `after` to read on; the same when there is nothing new yet',
    pattern: '^(0|[1-9][0-9]{0,14})$',
  }),
})
export type EventList = Static<typeof EventListSchema>
