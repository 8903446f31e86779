/**
 * How Hoist calls MongoDB: every driver call through `mongo()` (transient refusals retried, an unreachable server turned
 * into the API's 503), indexes created only when missing. Shared by the ledger and the event log.
 */
import {
  MongoDriverError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
} from 'mongodb'
import { setTimeout as sleep } from 'node:timers/promises'
import { dependencyUnavailable, isDependencyTimeout } from '../errors.js'
import { observed, type DependencyObserver } from '../metrics/observers.js'
import { isNetworkError } from '../net/network-errors.js'
import { mongoBudgetMs } from './mongo-client.js'

const DUPLICATE_KEY = 11000

/**
 * The time budget (MONGO_TIMEOUT_MS) was spent: a command's socket stayed silent, no pooled connection came free, or
 * no server answered its monitor in time (a frozen one does not refuse connections, it just never answers).
 */
function isMongoTimeout(error: unknown): boolean {
  if (error instanceof MongoNetworkTimeoutError) return true
  if (error instanceof MongoDriverError && error.name === 'MongoWaitQueueTimeoutError') return true
  // A pool cleared because another operation on it spent the budget (the driver's PoolClearedError): the same silence.
  if (error instanceof MongoNetworkError && error.cause !== undefined) return isMongoTimeout(error.cause)
  if (error instanceof MongoServerSelectionError) {
    const servers = [...(error.reason?.servers.values() ?? [])]
    return servers.length > 0 && servers.every((server) => isMongoTimeout(server.error))
  }
  return false
}

export function isMongoUnavailable(error: unknown): boolean {
  return (
    isMongoTimeout(error) ||
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    (error instanceof MongoError && error.hasErrorLabel('RetryableWriteError')) ||
    isNetworkError(error)
  )
}

/**
 * Creates only the indexes that are missing, one at a time. FerretDB v1.24 drops the connection (a recovered
 * panic, "slice bounds out of range") when createIndexes names several indexes that already exist.
 */
export async function createMissingIndexes<T extends Document>(
  collection: Collection<T>,
  indexes: IndexDescription[],
): Promise<void> {
  const existing = new Set(
    await collection
      .listIndexes()
      .toArray()
      .then((list) => list.map((index: { name?: unknown }) => String(index.name)))
      .catch((error: unknown) => {
        // A collection that does not exist yet has no indexes.
        if (error instanceof MongoServerError && error.codeName === 'NamespaceNotFound') return []
        throw error
      }),
  )
  for (const index of indexes) {
    if (!existing.has(index.name!)) await collection.createIndexes([index])
  }
}

export const isDuplicateKey = (error: unknown): boolean =>
  error instanceof MongoServerError && error.code === DUPLICATE_KEY

const WRITE_CONFLICT = 112

/**
 * A write the server refused before applying it, that will succeed if tried again: MongoDB's WriteConflict, and
 * FerretDB's SQLite "database is locked" (SQLITE_BUSY), which concurrent writers hit under load.
 */
export function isTransientWriteError(error: unknown): boolean {
  return (
    error instanceof MongoServerError &&
    (error.code === WRITE_CONFLICT ||
      error.hasErrorLabel('TransientTransactionError') ||
      /SQLITE_BUSY|database is locked/.test(error.message))
  )
}

const TRANSIENT_ATTEMPTS = 6

/**
 * Runs one driver call: retried (with jittered back-off, ~1 s in all) when the server refused it transiently,
 * and turned into the API's 503 when MongoDB cannot be reached or stays busy.
 */
export async function mongo<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (isTransientWriteError(error) && attempt < TRANSIENT_ATTEMPTS) {
        await sleep(10 * 2 ** attempt * (0.5 + Math.random()))
        continue
      }
      if (isMongoUnavailable(error) || isTransientWriteError(error))
        throw dependencyUnavailable('MongoDB', error, isMongoTimeout(error))
      throw error
    }
  }
}

/** One named driver call through mongo(), measured: `operation` is a fixed name (`uploads.insert`), never data. */
export interface MongoCalls {
  <T>(operation: string, call: () => Promise<T>): Promise<T>
  /** MONGO_TIMEOUT_MS, as the client was made with it (its socket timeout; 0: none), for waits of our own. */
  readonly budgetMs: number
}

const observers = new WeakMap<Db, DependencyObserver>()

/**
 * From now on, every call made through `mongoCalls(db)` reports its duration (and whether it spent MONGO_TIMEOUT_MS)
 * to `observer`. Kept beside the Db, not in a global: tests run many apps, each with its own metrics, in one process.
 */
export function observeMongo(db: Db, observer: DependencyObserver): void {
  observers.set(db, observer)
}

/** mongo(), for the stores on `db`: each call named, and measured once `observeMongo(db, …)` was called. */
export function mongoCalls(db: Db): MongoCalls {
  return Object.assign(
    <T>(operation: string, call: () => Promise<T>): Promise<T> =>
      observed(observers.get(db), 'mongodb', operation, isDependencyTimeout, () => mongo(call)),
    { budgetMs: mongoBudgetMs(db) },
  )
}
