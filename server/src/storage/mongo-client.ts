import { MongoClient } from 'mongodb'
import type { Config } from '../config.js'

/** A stopped database must turn into a 503 within seconds, not the driver's default 30 s. */
const MONGO_CLIENT_OPTIONS = { serverSelectionTimeoutMS: 5_000, connectTimeoutMS: 5_000, appName: 'hoist' }

/** The one way Hoist opens MongoDB (the API, the CLI and the dev stack alike); the caller closes it. */
export async function connectMongo(uri: Config['mongoUri']): Promise<MongoClient> {
  return new MongoClient(uri, MONGO_CLIENT_OPTIONS).connect()
}
