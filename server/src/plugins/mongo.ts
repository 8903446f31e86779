// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import { MongoClient } from 'mongodb'
import type { UploadLedger } from '../storage/ledger.js'
import { MongoLedger } from '../storage/mongo-ledger.js'

declare module 'fastify' {
  interface FastifyInstance {
    ledger: UploadLedger
  }
}

/** A stopped database must turn into a 503 within seconds, not the driver's default 30 s. */
export const MONGO_CLIENT_OPTIONS = { serverSelectionTimeoutMS: 5_000, connectTimeoutMS: 5_000, appName: 'hoist' }

/** The MongoDB client and the upload ledger on it; indexes are created at start-up. */
export default fp(
  async (app) => {
    const client = new MongoClient(app.config.mongoUri, MONGO_CLIENT_OPTIONS)
    await client.connect()
    app.addHook('onClose', async () => {
      await client.close()
    })
    const ledger = new MongoLedger(client.db(app.config.mongoDbName))
    await ledger.ensureIndexes()
    app.decorate('ledger', ledger)
  },
  { name: 'hoist-mongo', dependencies: ['hoist-config'] },
)
