import type { Db } from 'mongodb'
import type { UploadStatus } from '../../protocol/src/uploads.js'

/** What a writer leaves behind if it dies between claiming a transition and applying it. */
export async function leaveStuckClaim(
  db: Db,
  uploadId: string,
  from: UploadStatus,
  to: UploadStatus,
  ageMs: number,
): Promise<void> {
  await db.collection<{ _id: string; [field: string]: unknown }>('upload_transitions').insertOne({
    _id: `${uploadId}:${from}`,
    uploadId,
    from,
    changes: { status: to, updatedAt: new Date() },
    claimedAt: new Date(Date.now() - ageMs),
  })
}
