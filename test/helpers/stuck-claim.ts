import type { Db } from 'mongodb'
import type { UploadStatus } from '../../protocol/src/uploads.js'
import { appendEvent } from '../../server/src/events/event-sequence.js'
import { eventFields, EVENTS_COLLECTION, type StoredEvent } from '../../server/src/events/stored-event.js'
import type { UploadRecord } from '../../server/src/uploads/record.js'

/** What a writer leaves behind if it dies between claiming a transition (its event) and applying it. */
export async function leaveStuckClaim(
  db: Db,
  uploadId: string,
  from: UploadStatus,
  to: Exclude<UploadStatus, 'pending'>,
  ageMs: number,
): Promise<void> {
  const record = await db.collection<UploadRecord>('uploads').findOne({ _id: uploadId })
  if (!record) throw new Error(`no record ${uploadId}`)
  const claimedAt = new Date(Date.now() - ageMs)
  const changes = { status: to, updatedAt: claimedAt }
  await appendEvent(db.collection<StoredEvent>(EVENTS_COLLECTION), {
    _id: `${uploadId}:${from}`,
    uploadId,
    from,
    changes,
    ...eventFields(`upload.${to}`, { ...record, ...changes }, claimedAt, false),
  })
}
