// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { webhookDeliverer, type DelivererOptions } from '../events/deliverer.js'
import type { MongoEventLog } from '../events/mongo-event-log.js'
import type { OutboxWorker } from '../events/outbox-worker.js'

/** The deliverer for a configuration, or undefined when no webhook receiver is configured. */
export function delivererFor(
  config: Config,
  log: MongoEventLog,
  extra: Pick<DelivererOptions, 'pollMs' | 'onAttempt' | 'observer'> = {},
): OutboxWorker | undefined {
  if (!config.webhookUrl || !config.webhookSecret) return undefined
  return webhookDeliverer({
    work: log.work('delivery'),
    url: config.webhookUrl,
    secret: config.webhookSecret,
    allowLoopback: config.webhookAllowLoopback,
    timeoutMs: config.webhookTimeoutSeconds * 1000,
    retryDelaysSeconds: config.webhookRetryDelaysSeconds,
    clock: () => new Date(),
    ...extra,
  })
}

/** Webhook delivery beside the API (EVENT_DELIVERY=api, the default), woken by every event this process writes. */
export default fp(
  async (app) => {
    if (app.config.eventDelivery !== 'api') return
    const { metrics } = app
    const deliverer = delivererFor(
      app.config,
      app.eventLog,
      metrics ? { observer: metrics.dependencies, onAttempt: metrics.countDelivery } : {},
    )
    if (!deliverer) return
    const wake = (): void => deliverer.wake()
    app.eventSignals.on('written', wake)
    app.addHook('onReady', async () => deliverer.start())
    // Before the MongoDB client closes: an attempt in flight finishes and records its outcome.
    app.addHook('preClose', async () => {
      app.eventSignals.off('written', wake)
      await deliverer.stop()
    })
  },
  { name: 'hoist-events', dependencies: ['hoist-config', 'hoist-mongo', 'hoist-metrics'] },
)
