// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import type { MongoEventLog } from '../events/mongo-event-log.js'
import type { OutboxWorker } from '../events/outbox-worker.js'
import { scanWorker, type ScanWorkerOptions } from '../scan/scan-worker.js'
import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectStore, QuarantinedObjects } from '../storage/object-store.js'

/** The scan worker for a configuration, or undefined when scanning is off. */
function scanWorkerFor(
  config: Config,
  deps: { log: MongoEventLog; ledger: UploadLedger; store: ObjectStore & QuarantinedObjects },
  extra: Pick<ScanWorkerOptions, 'pollMs' | 'onAttempt'> = {},
): OutboxWorker | undefined {
  if (config.scan === 'off' || !config.clamdHost) return undefined
  return scanWorker({
    work: deps.log.work('scanning'),
    ledger: deps.ledger,
    store: deps.store,
    clamd: { host: config.clamdHost, port: config.clamdPort },
    timeoutMs: config.scanTimeoutSeconds * 1000,
    maxBytes: config.scanMaxBytes,
    oversize: config.scanOversize,
    retryDelaysSeconds: config.scanRetryDelaysSeconds,
    clock: () => new Date(),
    ...extra,
  })
}

/**
 * Malware scans beside the API (SCAN=clamav), woken by every event this process writes: an upload confirm put in
 * quarantine is scanned at once. Several API processes share the queue; each scan is claimed by one.
 */
export default fp(
  async (app) => {
    const worker = scanWorkerFor(app.config, { log: app.eventLog, ledger: app.ledger, store: app.objectStore })
    if (!worker) return
    const wake = (): void => worker.wake()
    app.eventSignals.on('written', wake)
    app.addHook('onReady', async () => worker.start())
    // Before the MongoDB client closes: a scan in flight finishes and records its outcome.
    app.addHook('preClose', async () => {
      app.eventSignals.off('written', wake)
      await worker.stop()
    })
  },
  { name: 'hoist-scan', dependencies: ['hoist-config', 'hoist-mongo', 'hoist-s3'] },
)
