// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import { sweepExpired } from '../uploads/sweeper.js'

/** Runs the sweeper inside the API every SWEEP_INTERVAL_SECONDS (0: off), never two sweeps at once. */
export default fp(
  async (app) => {
    const intervalMs = app.config.sweepIntervalSeconds * 1000
    if (intervalMs === 0) return
    let running: Promise<unknown> | undefined
    const tick = (): void => {
      if (running) return
      running = sweepExpired({
        ledger: app.ledger,
        maintenance: app.ledgerMaintenance,
        confirmer: app.confirmer,
        store: app.objectStore,
        clock: () => new Date(),
        ...(app.metrics ? { countTransition: app.metrics.countTransition } : {}),
        onCleanupError: (id, error) =>
          app.log.warn({ err: error, uploadId: id }, 'expired upload: bucket clean-up failed'),
      })
        .then((result) => {
          if (result.confirmed + result.expired + result.purged > 0)
            app.log.info(result, 'swept pending uploads past their expiry')
        })
        .catch((error: unknown) => app.log.warn({ err: error }, 'sweep failed; will retry'))
        .finally(() => {
          running = undefined
        })
    }
    const timer = setInterval(tick, intervalMs)
    timer.unref()
    app.addHook('onClose', async () => {
      clearInterval(timer)
      await running
    })
  },
  { name: 'hoist-sweeper', dependencies: ['hoist-config', 'hoist-mongo', 'hoist-s3', 'hoist-uploads'] },
)
