import type { Db, MongoClient } from 'mongodb'
import type { Config } from '../config.js'
import { connectMongo } from '../storage/mongo-client.js'
import { MongoLedger } from '../storage/mongo-ledger.js'
import { openObjectStore } from '../storage/open-object-store.js'
import type { S3ObjectStore } from '../storage/s3-object-store.js'

export interface Deployment {
  ledger: MongoLedger
  store: S3ObjectStore
  mongo: MongoClient
  db: Db
}

/** Opens what the API opens (the ledger on MongoDB, the object store on S3) for one command, then closes it. */
export async function withDeployment<T>(config: Config, work: (deployment: Deployment) => Promise<T>): Promise<T> {
  const mongo = await connectMongo(config.mongoUri, config.mongoTimeoutMs)
  const store = openObjectStore(config)
  try {
    const db = mongo.db(config.mongoDbName)
    return await work({ ledger: new MongoLedger(db, { webhooks: Boolean(config.webhookUrl) }), store, mongo, db })
  } finally {
    await mongo.close()
    store.close()
  }
}
