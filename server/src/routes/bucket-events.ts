/**
 * POST /v1/bucket-events: the bucket says an object was created, so the matching pending upload is confirmed at once
 * (`confirmedBy: "bucket-event"`) — an upload whose tab closed right after its PUT ends confirmed without waiting for
 * the sweeper. Authenticated by BUCKET_EVENTS_TOKEN (`Authorization: Bearer …`); a notification older than
 * BUCKET_EVENTS_MAX_AGE_SECONDS, for another bucket or outside the key prefix changes nothing (control 26). Replays are
 * harmless: confirm verifies the object itself and is idempotent.
 *
 * Every authenticated notification gets a 200 with one outcome per object — MinIO retries a non-2xx answer forever
 * and queues everything behind it — except when MongoDB or the bucket is unreachable (503: it should retry).
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { NotUploadedYet, Unauthorized, UploadBusy, UploadNotPending, UploadRejected } from '../errors.js'
import { BucketNotificationSchema, objectsCreated, type ObjectCreated } from '../events/bucket-notifications.js'
import { errorResponses } from './error-responses.js'

const OutcomeSchema = Type.Object({
  key: Type.String(),
  outcome: Type.Union([
    Type.Literal('confirmed'),
    Type.Literal('quarantined'),
    Type.Literal('already-settled'),
    Type.Literal('rejected'),
    Type.Literal('busy'),
    Type.Literal('ignored'),
  ]),
  reason: Type.Optional(Type.String()),
})
type Outcome = Static<typeof OutcomeSchema>

/** A clock this far ahead of ours still counts as now; further is a forgery or a broken clock. */
const CLOCK_SKEW_MS = 60_000

const bucketEventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const token = app.config.bucketEventsToken
  if (!token) return
  const expected = Buffer.from(`Bearer ${token}`)

  app.addHook('onRequest', async (request) => {
    const given = Buffer.from(request.headers.authorization ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new Unauthorized('bucket notifications carry Authorization: Bearer <BUCKET_EVENTS_TOKEN>')
    }
  })

  const settle = async (created: ObjectCreated): Promise<Outcome> => {
    const { key } = created
    const ignored = (reason: string): Outcome => ({ key, outcome: 'ignored', reason })
    if (created.ignored) return ignored(created.ignored)
    if (created.bucket !== app.config.s3Bucket) return ignored('another bucket')
    if (!key.startsWith(app.config.s3KeyPrefix)) return ignored('outside S3_KEY_PREFIX')
    const age = Date.now() - created.time.getTime()
    if (Number.isNaN(age) || age > app.config.bucketEventsMaxAgeSeconds * 1000 || age < -CLOCK_SKEW_MS) {
      return ignored('stale or undated notification (the sweeper still finds the object)')
    }
    const record = await app.ledger.findByKey(key)
    if (!record) return ignored('no upload has this key')
    try {
      const { view, confirmedNow } = await app.confirmer.confirmRecord(record, 'bucket-event')
      if (!confirmedNow) return { key, outcome: 'already-settled' }
      // With scanning on, accepted means quarantined: published only once the scan finds it clean.
      return { key, outcome: view.status === 'quarantined' ? 'quarantined' : 'confirmed' }
    } catch (error) {
      if (error instanceof UploadRejected) return { key, outcome: 'rejected', reason: error.message }
      if (error instanceof UploadBusy) return { key, outcome: 'busy' }
      if (error instanceof UploadNotPending) return { key, outcome: 'already-settled', reason: error.message }
      if (error instanceof NotUploadedYet) return ignored('the object is not complete in the bucket yet')
      throw error
    }
  }

  app.post(
    '',
    {
      schema: {
        operationId: 'receiveBucketEvents',
        summary: 'S3 notifications that objects were created (MinIO webhook target, or AWS S3 via EventBridge)',
        tags: ['bucket'],
        body: BucketNotificationSchema,
        response: { 200: Type.Object({ results: Type.Array(OutcomeSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const results: Outcome[] = []
      for (const created of objectsCreated(request.body)) results.push(await settle(created))
      return { results }
    },
  )
}

export default bucketEventRoutes
