/**
 * The app's own database, as `hoist migrate` and `hoist gc` take it: `--mongo-uri` is its server (default: an
 * environment variable, else Hoist's MONGO_URI) and `--db` its name — or a MongoDB URI naming both.
 */
import type { Db, MongoClient } from 'mongodb'
import { connectMongo } from '../storage/mongo-client.js'
import { UsageError } from './command.js'

export interface AppDatabaseArgs {
  /** --db: a database name, or a mongodb:// (mongodb+srv://) URI that names one. */
  db?: string | undefined
  /** --mongo-uri */
  mongoUri?: string | undefined
  /** The server when neither says: e.g. LEGACY_MONGO_URI, else MONGO_URI. */
  defaultUri: string
}

const isUri = (text: string): boolean => /^mongodb(\+srv)?:\/\//.test(text)

/** Runs `work` on the app's database; reuses Hoist's client when the app's server is the same one. */
export async function withAppDatabase<T>(
  args: AppDatabaseArgs,
  hoist: { uri: string; client: MongoClient; timeoutMs: number },
  work: (db: Db) => Promise<T>,
): Promise<T> {
  const uri = args.db && isUri(args.db) ? args.db : (args.mongoUri ?? args.defaultUri)
  const client = uri === hoist.uri ? hoist.client : await connectMongo(uri, hoist.timeoutMs)
  try {
    // The driver reports 'test' when the URI names no database.
    const uriDbName = client.options.dbName === 'test' && !/\/test(\?|$)/.test(uri) ? undefined : client.options.dbName
    const name = args.db && !isUri(args.db) ? args.db : uriDbName
    if (!name) throw new UsageError('--db <name> is required (the URI names no database)')
    return await work(client.db(name))
  } finally {
    if (client !== hoist.client) await client.close()
  }
}
