/**
 * The sweeper: pending uploads past their expiry go pending → expired by a conditional update, then their object
 * is deleted or their multipart upload aborted. Safe with several API instances sweeping at once, and against a
 * late confirm: whichever transition lands first wins, the other sees the record moved and backs off.
 */
import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectStore } from '../storage/object-store.js'
import { releaseStorage } from './release.js'

export interface SweepResult {
  expired: number
  /** Expired records whose bucket clean-up failed (left for `hoist doctor`). */
  cleanupFailed: number
}

export interface SweeperDeps {
  ledger: UploadLedger
  store: ObjectStore
  now?: () => Date
  onCleanupError?: (id: string, error: unknown) => void
}

export async function sweepExpired(deps: SweeperDeps, batchSize = 100): Promise<SweepResult> {
  const result: SweepResult = { expired: 0, cleanupFailed: 0 }
  const now = (deps.now ?? (() => new Date()))()
  for (;;) {
    const due = await deps.ledger.findExpired(now, batchSize)
    let movedThisBatch = 0
    for (const record of due) {
      const expired = await deps.ledger.transition(record._id, 'pending', { status: 'expired' })
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
    if (due.length < batchSize || movedThisBatch === 0) return result
  }
}
