/**
 * The sweeper, for pending uploads past their expiry. Before expiring one it looks in the bucket: a file that was
 * uploaded but never confirmed (the tab closed after the PUT) and passes confirm's verification is confirmed
 * (`confirmedBy: "sweeper"`; quarantined first when it went to a quarantine key, see scan/scan-worker.ts); only what
 * is missing or incomplete expires — pending → expired by a claimed transition, then its object is deleted or its multipart upload aborted. A record it cannot check (the bucket unreachable) is
 * left for the next sweep. Safe with several sweepers at once and against a late confirm: one transition wins.
 * It also purges the keys of records that ended without an object once their URL can no longer be used
 * (tombstone.ts), so a replayed PUT leaves nothing behind.
 */
import { DependencyUnavailable, NotUploadedYet, UploadRejected } from '../errors.js'
import type { LedgerMaintenance } from '../storage/ledger.js'
import type { UploadConfirmer } from './confirm.js'
import type { ServiceDeps } from './deps.js'
import type { UploadRecord } from './record.js'
import { releaseStorage } from './release.js'
import { purgeChange } from './tombstone.js'

export interface SweepResult {
  /** Uploaded but never confirmed by the client: verified in the bucket and confirmed by the sweeper. */
  confirmed: number
  expired: number
  /** Keys deleted again after their record ended (a PUT replayed after a delete or reject). */
  purged: number
  /** Records whose bucket check or clean-up failed (retried by the next sweep; leftovers are for `hoist doctor`). */
  cleanupFailed: number
}

export interface SweeperDeps extends Pick<ServiceDeps, 'ledger' | 'store' | 'clock' | 'countTransition'> {
  maintenance: LedgerMaintenance
  confirmer: UploadConfirmer
  onCleanupError?: (id: string, error: unknown) => void
}

export async function sweepExpired(deps: SweeperDeps, batchSize = 100): Promise<SweepResult> {
  const result: SweepResult = { confirmed: 0, expired: 0, purged: 0, cleanupFailed: 0 }
  const now = deps.clock()
  await settleExpired(deps, now, batchSize, result)
  await purgeEnded(deps, now, batchSize, result)
  return result
}

async function settleExpired(deps: SweeperDeps, now: Date, batchSize: number, result: SweepResult): Promise<void> {
  const skipped = new Set<string>()
  for (;;) {
    const due = (await deps.maintenance.findExpired(now, batchSize + skipped.size)).filter(
      (record) => !skipped.has(record._id),
    )
    let movedThisBatch = 0
    for (const record of due.slice(0, batchSize)) {
      const outcome = await settleOne(deps, record, now, result)
      if (outcome === 'moved') movedThisBatch++
      else if (outcome === 'skipped') skipped.add(record._id)
    }
    // A short batch is the last one; a batch where others won every record means they are sweeping it.
    if (due.length < batchSize || movedThisBatch === 0) return
  }
}

async function settleOne(
  deps: SweeperDeps,
  record: UploadRecord,
  now: Date,
  result: SweepResult,
): Promise<'moved' | 'lost' | 'skipped'> {
  try {
    const { confirmedNow } = await deps.confirmer.confirmRecord(record, 'sweeper')
    if (!confirmedNow) return 'lost'
    result.confirmed++
    return 'moved'
  } catch (error) {
    if (error instanceof DependencyUnavailable) {
      // Never expire what cannot be checked: the file may well be there.
      result.cleanupFailed++
      deps.onCleanupError?.(record._id, error)
      return 'skipped'
    }
    // Rejected (its bytes failed verification) or moved on by another writer: nothing left for the sweeper to do.
    if (error instanceof UploadRejected) return 'moved'
    if (!(error instanceof NotUploadedYet)) return 'lost'
  }
  const expired = await deps.ledger.transition(
    record._id,
    'pending',
    { status: 'expired', ...purgeChange(record, now) },
    record,
  )
  if (!expired) return 'lost'
  result.expired++
  deps.countTransition?.('expired', 'sweeper')
  try {
    await releaseStorage(deps, expired)
  } catch (error) {
    result.cleanupFailed++
    deps.onCleanupError?.(expired._id, error)
  }
  return 'moved'
}

async function purgeEnded(deps: SweeperDeps, now: Date, batchSize: number, result: SweepResult): Promise<void> {
  // One batch per sweep is plenty (purges are rare); a failed delete keeps its purgeAfter and is retried next time.
  for (const record of await deps.maintenance.findPurgeDue(now, batchSize)) {
    try {
      // Deleting twice (another sweeper) is harmless; the key belongs to this record alone.
      await deps.store.delete(record.key)
      await deps.maintenance.clearPurge(record._id)
      result.purged++
    } catch (error) {
      result.cleanupFailed++
      deps.onCleanupError?.(record._id, error)
    }
  }
}
