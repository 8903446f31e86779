import { MongoClient, MongoServerError, type Db, type MongoClientOptions } from 'mongodb'
import type { Config } from '../config.js'
import { isNetworkError } from '../net/network-errors.js'
import { oneLine, StartupError } from '../startup-error.js'

/**
 * MongoDB's time budget, on each wait the driver has an option for: choosing a server, connecting, a pooled
 * connection, and the server's silence on a command's socket (the driver then closes that connection). Driver 7
 * ignores `timeoutMS` (its whole-operation limit, deprecated as a no-op), so the budget is set on each of these
 * instead; a read or write the driver retries once after a network error can take two of them, and answer-deadline.ts
 * holds every operation to that, for the wait no option covers.
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

/** MONGO_TIMEOUT_MS, as the client behind `db` was made with it (its socket timeout; 0: none). */
export const mongoBudgetMs = (db: Db): number => db.client.options.socketTimeoutMS ?? 0

/** MongoDB's codes for a refused login: AuthenticationFailed, and Unauthorized from servers that say so instead. */
const AUTH_FAILURE_CODES = new Set([18, 13])

/** The one way Hoist opens MongoDB (the API, the CLI and the dev stack alike); the caller closes it. */
export async function connectMongo(uri: Config['mongoUri'], timeoutMs: Config['mongoTimeoutMs']): Promise<MongoClient> {
  return new MongoClient(uri, clientOptions(timeoutMs)).connect()
}

/**
 * connectMongo for the API's start-up: a failure is a StartupError naming MONGO_URI — malformed, login refused or
 * unreachable — in one line; the driver's own error (a ~100-line topology description) stays on `cause`.
 */
export async function connectMongoAtStartup(
  uri: Config['mongoUri'],
  timeoutMs: Config['mongoTimeoutMs'],
): Promise<MongoClient> {
  let client: MongoClient
  try {
    client = new MongoClient(uri, clientOptions(timeoutMs))
  } catch (error) {
    // The driver parses the URI here: MongoParseError, or MongoRuntimeError for a host it cannot read.
    const problem = `not a valid MongoDB connection string: ${oneLine((error as Error).message, uri)}`
    throw new StartupError('MONGO_URI', problem, 78, { cause: error })
  }
  try {
    return await client.connect()
  } catch (error) {
    await client.close().catch(() => undefined)
    throw mongoConnectFailure(error, uri, timeoutMs)
  }
}

/** Why connecting failed, as the one line start-up prints (exported for its unit test). */
export function mongoConnectFailure(error: unknown, uri: string, timeoutMs: number): StartupError {
  const message = oneLine((error as Error).message ?? String(error), uri)
  const code = (error as { code?: unknown }).code
  if (error instanceof MongoServerError && typeof code === 'number' && AUTH_FAILURE_CODES.has(code)) {
    return new StartupError('MONGO_URI', `MongoDB refused the user name and password in it (${message})`, 78, {
      cause: error,
    })
  }
  const unreachable = (error as Error).name === 'MongoServerSelectionError' || isNetworkError(error)
  const problem = unreachable
    ? `no MongoDB server answered within ${timeoutMs / 1000} s (${message}): ` +
      'check its host and port, and that the server runs'
    : `MongoDB could not be opened (${message})`
  return new StartupError('MONGO_URI', problem, 69, { cause: error })
}
