// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import type { LedgerMaintenance, UploadLedger } from '../storage/ledger.js'
import { connectMongo } from '../storage/mongo-client.js'
import { MongoLedger } from '../storage/mongo-ledger.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The request path's view of the ledger. */
    ledger: UploadLedger
    /** The same ledger, for the in-process sweeper. */
    ledgerMaintenance: LedgerMaintenance
  }
}

/** The MongoDB client and the upload ledger on it; indexes are created at start-up. */
export default fp(
  async (app) => {
    const client = await connectMongo(app.config.mongoUri)
    app.addHook('onClose', async () => {
      await client.close()
    })
    const ledger = new MongoLedger(client.db(app.config.mongoDbName))
    await ledger.ensureIndexes()
    app.decorate('ledger', ledger)
    app.decorate('ledgerMaintenance', ledger)
  },
  { name: 'hoist-mongo', dependencies: ['hoist-config'] },
)
