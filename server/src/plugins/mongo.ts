// The FastifyInstance.config declaration.
import type {} from './config.js'
import { EventEmitter } from 'node:events'
import fp from 'fastify-plugin'
import { MongoEventLog } from '../events/mongo-event-log.js'
import type { LedgerMaintenance, UploadLedger } from '../storage/ledger.js'
import { observeMongo } from '../storage/mongo-call.js'
import { connectMongoAtStartup } from '../storage/mongo-client.js'
import { MongoLedger } from '../storage/mongo-ledger.js'
import type { AttachmentStore } from '../storage/attachments.js'
import { MongoAttachmentStore } from '../storage/mongo-attachments.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The request path's view of the ledger. */
    ledger: UploadLedger
    /** The same ledger, for the in-process sweeper. */
    ledgerMaintenance: LedgerMaintenance
    /** Which of the app's records use each upload. */
    attachments: AttachmentStore
    /** The upload events outbox: the feed, and the deliverer's queue. */
    eventLog: MongoEventLog
    /** Emits 'written' after each event this process writes (wakes the in-process deliverer). */
    eventSignals: EventEmitter
  }
}

/** The MongoDB client, and the upload ledger and event log on it; indexes are created at start-up. */
export default fp(
  async (app) => {
    const client = await connectMongoAtStartup(app.config.mongoUri, app.config.mongoTimeoutMs)
    app.addHook('onClose', async () => {
      await client.close()
    })
    const db = client.db(app.config.mongoDbName)
    if (app.metrics) observeMongo(db, app.metrics.dependencies)
    const signals = new EventEmitter()
    const ledger = new MongoLedger(db, {
      webhooks: Boolean(app.config.webhookUrl),
      onEvent: () => signals.emit('written'),
    })
    const eventLog = new MongoEventLog(db)
    app.metrics?.readBacklogFrom((timeoutMs) => eventLog.backlog(timeoutMs), app.config.mongoTimeoutMs)
    await ledger.ensureIndexes()
    await eventLog.ensureIndexes()
    const attachments = new MongoAttachmentStore(db)
    await attachments.ensureIndexes()
    app.decorate('attachments', attachments)
    app.decorate('ledger', ledger)
    app.decorate('ledgerMaintenance', ledger)
    app.decorate('eventLog', eventLog)
    app.decorate('eventSignals', signals)
  },
  { name: 'hoist-mongo', dependencies: ['hoist-config', 'hoist-metrics'] },
)
