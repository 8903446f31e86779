import { MongoClient, type MongoClientOptions } from 'mongodb'
import type { Config } from '../config.js'

/**
 * MongoDB's time budget, on every wait the driver has: choosing a server, connecting, a pooled connection, and the
 * server's silence on a command's socket (the driver then closes that connection). Driver 7 ignores `timeoutMS`
 * (its whole-operation limit, deprecated as a no-op), so the budget is set on each of these instead; a read or write
 * the driver retries once after a network error can take two of them.
 */
function clientOptions(timeoutMs: number): MongoClientOptions {
  return {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs,
    waitQueueTimeoutMS: timeoutMs,
    appName: 'hoist',
  }
}

/** The one way Hoist opens MongoDB (the API, the CLI and the dev stack alike); the caller closes it. */
export async function connectMongo(uri: Config['mongoUri'], timeoutMs: Config['mongoTimeoutMs']): Promise<MongoClient> {
  return new MongoClient(uri, clientOptions(timeoutMs)).connect()
}
