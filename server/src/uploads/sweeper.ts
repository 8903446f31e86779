/**
 * The sweeper: pending uploads past their expiry go pending → expired by a claimed transition, then their object is
 * deleted or their multipart upload aborted. Safe with several API instances sweeping at once, and against a late
 * confirm: whichever transition lands first wins, the other sees the record moved and backs off.
 * It also purges the keys of records that ended without an object once their URL can no longer be used
 * (tombstone.ts), so a replayed PUT leaves nothing behind.
 */
import type { LedgerMaintenance } from '../storage/ledger.js'
import type { ServiceDeps } from './deps.js'
import { releaseStorage } from './release.js'
import { purgeChange } from './tombstone.js'

export interface SweepResult {
  expired: number
  /** Keys deleted again after their record ended (a PUT replayed after a delete or reject). */
  purged: number
  /** Records whose bucket clean-up failed (retried by the next sweep for purges; left for `hoist doctor` otherwise). */
  cleanupFailed: number
}

export interface SweeperDeps extends Pick<ServiceDeps, 'ledger' | 'store' | 'clock'> {
  maintenance: LedgerMaintenance
  onCleanupError?: (id: string, error: unknown) => void
}

export async function sweepExpired(deps: SweeperDeps, batchSize = 100): Promise<SweepResult> {
  const result: SweepResult = { expired: 0, purged: 0, cleanupFailed: 0 }
  const now = deps.clock()
  await expirePending(deps, now, batchSize, result)
  await purgeEnded(deps, now, batchSize, result)
  return result
}

async function expirePending(deps: SweeperDeps, now: Date, batchSize: number, result: SweepResult): Promise<void> {
  for (;;) {
    const due = await deps.maintenance.findExpired(now, batchSize)
    let movedThisBatch = 0
    for (const record of due) {
      const expired = await deps.ledger.transition(record._id, 'pending', {
        status: 'expired',
        ...purgeChange(record, now),
      })
      if (!expired) continue
      movedThisBatch++
      result.expired++
      try {
        await releaseStorage(deps, expired)
      } catch (error) {
        result.cleanupFailed++
        deps.onCleanupError?.(expired._id, error)
      }
    }
    // A short batch is the last one; a batch where others won every record means they are sweeping it.
    if (due.length < batchSize || movedThisBatch === 0) return
  }
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
