import { MongoClient } from 'mongodb'
import type { Config } from '../../config.js'
import { MONGO_CLIENT_OPTIONS } from '../../plugins/mongo.js'
import { createObjectStore } from '../../plugins/s3.js'
import { MongoLedger } from '../../storage/mongo-ledger.js'
import { sweepExpired } from '../../uploads/sweeper.js'

/** One sweep, for a cron job when SWEEP_INTERVAL_SECONDS=0 turns the API's own sweeper off. */
export async function runSweepCommand(config: Config): Promise<number> {
  const mongo = await new MongoClient(config.mongoUri, MONGO_CLIENT_OPTIONS).connect()
  const { store, client } = createObjectStore(config)
  try {
    const result = await sweepExpired({
      ledger: new MongoLedger(mongo.db(config.mongoDbName)),
      store,
      onCleanupError: (id, error) => console.error(`upload ${id}: bucket clean-up failed: ${(error as Error).message}`),
    })
    console.log(`expired ${result.expired} pending upload(s); ${result.cleanupFailed} clean-up failure(s)`)
    return result.cleanupFailed > 0 ? 1 : 0
  } finally {
    await mongo.close()
    client.destroy()
  }
}
