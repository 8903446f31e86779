/**
 * An upload record as the API leaves it once confirmed (a single-PUT PNG in workspace `bench`), for the benchmarks
 * that fill the ledger straight through the driver: thousands of uploads through the API would take minutes.
 */
import type { Stack } from '../infra/stack/index.js'
import { newUploadId, objectKey } from '../server/src/uploads/keys.js'
import type { UploadRecord } from '../server/src/uploads/record.js'

/** The ledger's collection (storage/mongo-ledger.ts). */
export const UPLOADS_COLLECTION = 'uploads'

export function confirmedRecord(stack: Stack, bucket: string, confirmedAt: Date): UploadRecord {
  const id = newUploadId(confirmedAt)
  const key = objectKey('uploads/', 'bench', id, 'png', confirmedAt)
  return {
    _id: id,
    workspaceId: 'bench',
    userId: 'bench',
    key,
    filename: 'shot.png',
    metadataPairs: [],
    contentType: 'image/png',
    kind: 'image',
    size: 68,
    status: 'confirmed',
    strategy: 'single',
    url: `${stack.s3.endpoint}/${bucket}/${key}`,
    confirmedBy: 'client',
    etag: '"9a0364b9e99bb480dd25e1f0284c8555"',
    source: 'api',
    createdAt: confirmedAt,
    updatedAt: confirmedAt,
    expiresAt: confirmedAt,
    confirmedAt,
  }
}
