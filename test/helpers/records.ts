/** A pending upload record for tests of the ledger and the quota, created at `at` (its id carries that time). */
import { newUploadId } from '../../server/src/uploads/keys.js'
import type { UploadRecord } from '../../server/src/uploads/record.js'

export function sampleRecord(overrides: Partial<UploadRecord> = {}, at = Date.now()): UploadRecord {
  const id = overrides._id ?? newUploadId(new Date(at))
  const workspaceId = overrides.workspaceId ?? 'ws-contract'
  return {
    _id: id,
    workspaceId,
    userId: 'user',
    key: `uploads/${workspaceId}/${id}.png`,
    filename: 'a.png',
    contentType: 'image/png',
    kind: 'image',
    size: 100,
    status: 'pending',
    strategy: 'single',
    source: 'api',
    createdAt: new Date(at),
    updatedAt: new Date(at),
    expiresAt: new Date(at + 60_000),
    ...overrides,
  }
}
