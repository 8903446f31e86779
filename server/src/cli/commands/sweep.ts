import { defineCommand } from '../command.js'

export default defineCommand({
  usage: 'sweep',
  help: `One sweep, for a cron job when SWEEP_INTERVAL_SECONDS=0 turns the API's own sweeper off: pending uploads past
their expiry are confirmed when their file is in the bucket and verifies, expired otherwise; keys of uploads that
ended while their URL still worked are deleted again once it is dead.`,
  options: {},
  async run(_parsed, config) {
    const { UploadConfirmer } = await import('../../uploads/confirm.js')
    const { sweepExpired } = await import('../../uploads/sweeper.js')
    const { withDeployment } = await import('../deployment.js')
    return withDeployment(await config(), async ({ ledger, store }) => {
      const result = await sweepExpired({
        ledger,
        maintenance: ledger,
        confirmer: new UploadConfirmer({ ledger, store, clock: () => new Date() }),
        store,
        clock: () => new Date(),
        onCleanupError: (id, error) => console.error(`upload ${id}: ${(error as Error).message}`),
      })
      console.log(
        `confirmed ${result.confirmed} upload(s) found in the bucket; expired ${result.expired} pending upload(s); purged ${result.purged} replayed key(s); ${result.cleanupFailed} failure(s)`,
      )
      return result.cleanupFailed > 0 ? 1 : 0
    })
  },
})
