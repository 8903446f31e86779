import { MongoClient, type Db } from 'mongodb'
import type { Config } from '../config.js'
import { MONGO_CLIENT_OPTIONS } from '../plugins/mongo.js'
import { createObjectStore } from '../plugins/s3.js'
import type { S3Client } from '@aws-sdk/client-s3'
import { MongoLedger } from '../storage/mongo-ledger.js'
import type { S3ObjectStore } from '../storage/s3-object-store.js'

export interface Deployment {
  ledger: MongoLedger
  store: S3ObjectStore
  s3: S3Client
  mongo: MongoClient
  db: Db
}

/** Opens what the API opens (the ledger on MongoDB, the object store on S3) for one command, then closes it. */
export async function withDeployment<T>(config: Config, work: (deployment: Deployment) => Promise<T>): Promise<T> {
  const mongo = await new MongoClient(config.mongoUri, MONGO_CLIENT_OPTIONS).connect()
  const { store, client } = createObjectStore(config)
  try {
    const db = mongo.db(config.mongoDbName)
    return await work({ ledger: new MongoLedger(db), store, s3: client, mongo, db })
  } finally {
    await mongo.close()
    client.destroy()
  }
}
