import type { Config } from '../../config.js'
import { UploadConfirmer } from '../../uploads/confirm.js'
import { sweepExpired } from '../../uploads/sweeper.js'
import { withDeployment } from '../deployment.js'

/** One sweep, for a cron job when SWEEP_INTERVAL_SECONDS=0 turns the API's own sweeper off. */
export function runSweepCommand(config: Config): Promise<number> {
  return withDeployment(config, async ({ ledger, store }) => {
    const result = await sweepExpired({
      ledger,
      maintenance: ledger,
      confirmer: new UploadConfirmer({ ledger, store, clock: () => new Date() }),
      store,
      clock: () => new Date(),
      onCleanupError: (id, error) => console.error(`upload ${id}: bucket clean-up failed: ${(error as Error).message}`),
    })
    console.log(
      `confirmed ${result.confirmed} upload(s) found in the bucket; expired ${result.expired} pending upload(s); purged ${result.purged} replayed key(s); ${result.cleanupFailed} failure(s)`,
    )
    return result.cleanupFailed > 0 ? 1 : 0
  })
}
