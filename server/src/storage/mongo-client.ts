import { MongoClient, MongoServerError } from 'mongodb'
import type { Config } from '../config.js'
import { isNetworkError } from '../net/network-errors.js'
import { oneLine, StartupError } from '../startup-error.js'

/** A stopped database must turn into a 503 within seconds, not the driver's default 30 s. */
const MONGO_CLIENT_OPTIONS = { serverSelectionTimeoutMS: 5_000, connectTimeoutMS: 5_000, appName: 'hoist' }

/** MongoDB's codes for a refused login: AuthenticationFailed, and Unauthorized from servers that say so instead. */
const AUTH_FAILURE_CODES = new Set([18, 13])

/** The one way Hoist opens MongoDB (the API, the CLI and the dev stack alike); the caller closes it. */
export async function connectMongo(uri: Config['mongoUri']): Promise<MongoClient> {
  return new MongoClient(uri, MONGO_CLIENT_OPTIONS).connect()
}

/**
 * connectMongo for the API's start-up: a failure is a StartupError naming MONGO_URI — malformed, login refused or
 * unreachable — in one line; the driver's own error (a ~100-line topology description) stays on `cause`.
 */
export async function connectMongoAtStartup(uri: Config['mongoUri']): Promise<MongoClient> {
  let client: MongoClient
  try {
    client = new MongoClient(uri, MONGO_CLIENT_OPTIONS)
  } catch (error) {
    // The driver parses the URI here: MongoParseError, or MongoRuntimeError for a host it cannot read.
    const problem = `not a valid MongoDB connection string: ${oneLine((error as Error).message, uri)}`
    throw new StartupError('MONGO_URI', problem, 78, { cause: error })
  }
  try {
    return await client.connect()
  } catch (error) {
    await client.close().catch(() => undefined)
    throw mongoConnectFailure(error, uri)
  }
}

/** Why connecting failed, as the one line start-up prints (exported for its unit test). */
export function mongoConnectFailure(error: unknown, uri: string): StartupError {
  const message = oneLine((error as Error).message ?? String(error), uri)
  const code = (error as { code?: unknown }).code
  if (error instanceof MongoServerError && typeof code === 'number' && AUTH_FAILURE_CODES.has(code)) {
    return new StartupError('MONGO_URI', `MongoDB refused the user name and password in it (${message})`, 78, {
      cause: error,
    })
  }
  const unreachable = (error as Error).name === 'MongoServerSelectionError' || isNetworkError(error)
  const problem = unreachable
    ? `no MongoDB server answered within ${MONGO_CLIENT_OPTIONS.serverSelectionTimeoutMS / 1000} s (${message}): ` +
      'check its host and port, and that the server runs'
    : `MongoDB could not be opened (${message})`
  return new StartupError('MONGO_URI', problem, 69, { cause: error })
}
