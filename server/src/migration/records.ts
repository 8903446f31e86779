/** A confirmed upload record for each migrated object, unique by key: the API lists and serves it like any upload. */
import { DuplicateRecordError } from '../storage/ledger.js'
import { newUploadId } from '../uploads/keys.js'
import type { UploadRecord } from '../uploads/record.js'
import { legacyTypeOf } from './content-types.js'
import type { MigrationOptions } from './migrate.js'
import type { ManifestEntry } from './move-files.js'
import type { MigrationReport } from './report.js'

/** Records a verified object (or, dry, counts the record it would create). */
export async function recordFile(
  options: MigrationOptions,
  key: string,
  entry: ManifestEntry,
  report: MigrationReport,
): Promise<void> {
  if (options.dryRun) {
    if (await options.ledger.findByKey(key)) report.records.existing++
    else report.records.created++
    return
  }
  const now = new Date()
  const type = legacyTypeOf(entry.path)
  const record: UploadRecord = {
    _id: newUploadId(now),
    workspaceId: options.workspaceId,
    userId: 'migration',
    key,
    filename: entry.path.split('/').pop()!,
    contentType: type.contentType,
    kind: type.kind,
    size: entry.size,
    status: 'confirmed',
    strategy: 'single',
    url: options.store.publicUrl(key),
    source: 'migration',
    legacyPath: entry.path,
    createdAt: now,
    updatedAt: now,
    expiresAt: now,
    confirmedAt: now,
  }
  // The key's unique index answers "exists already" in the same round trip: no lookup first. The files are the
  // workspace's already: they count against its quota, but no quota keeps them out.
  try {
    await options.ledger.admit(record, Infinity)
    report.records.created++
  } catch (error) {
    if (!(error instanceof DuplicateRecordError)) throw error
    report.records.existing++
  }
}
