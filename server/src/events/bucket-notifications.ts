/**
 * S3 bucket notifications that an object was created, from the two sources Hoist documents: MinIO's webhook target
 * (the S3 event format: `Records[]`, keys URL-encoded) and AWS S3 → EventBridge → API destination (`detail-type:
 * "Object Created"`). The schemas name only the fields Hoist reads; the rest of these external formats is ignored.
 */
import { Type, type Static } from 'typebox'

const BucketObjectSchema = Type.Object({
  bucket: Type.Object({ name: Type.String({ maxLength: 255 }) }),
  object: Type.Object({
    key: Type.String({ minLength: 1, maxLength: 4096 }),
    size: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
})

const S3RecordSchema = Type.Object({
  eventName: Type.String({ maxLength: 100 }),
  eventTime: Type.String({ maxLength: 64 }),
  s3: BucketObjectSchema,
})

/** MinIO's webhook target, and S3's own event notifications (SNS, SQS, Lambda). */
const S3EventSchema = Type.Object({ Records: Type.Array(S3RecordSchema, { minItems: 1, maxItems: 100 }) })

/** S3 → EventBridge → API destination. */
const EventBridgeSchema = Type.Object({
  'detail-type': Type.String({ maxLength: 100 }),
  time: Type.String({ maxLength: 64 }),
  detail: BucketObjectSchema,
})

export const BucketNotificationSchema = Type.Union([S3EventSchema, EventBridgeSchema], {
  description: "An S3 event notification (MinIO's webhook target) or an EventBridge 'Object Created' event",
})
export type BucketNotification = Static<typeof BucketNotificationSchema>

export interface ObjectCreated {
  bucket: string
  key: string
  time: Date
  /** Not an object-created event (a delete, a test event): nothing to do. */
  ignored?: string
}

/** The objects a notification says were created, with their keys decoded. */
export function objectsCreated(notification: BucketNotification): ObjectCreated[] {
  if ('Records' in notification) {
    return notification.Records.map((record) => ({
      bucket: record.s3.bucket.name,
      // S3 and MinIO send keys form-encoded: '+' for a space, %XX for the rest.
      key: decodeKey(record.s3.object.key),
      time: new Date(record.eventTime),
      ...(/(^|:)ObjectCreated:/.test(record.eventName)
        ? {}
        : { ignored: `not an object-created event (${record.eventName})` }),
    }))
  }
  return [
    {
      bucket: notification.detail.bucket.name,
      key: notification.detail.object.key,
      time: new Date(notification.time),
      ...(notification['detail-type'] === 'Object Created'
        ? {}
        : { ignored: `not an object-created event (${notification['detail-type']})` }),
    },
  ]
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '))
  } catch {
    return key
  }
}
