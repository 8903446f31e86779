/**
 * A deadline on every single MongoDB operation, whatever the driver does. Driver 7.9 can wait for ever on one: an
 * operation handed a pooled connection whose socket the server has just closed (destroyed, its 'close' event not yet
 * emitted) writes to that socket and waits for a 'drain' that never comes, and none of the legacy time options covers
 * a write. Seen in CI as a presign that never answered once FerretDB stopped (test/integration/reliability/faults.test.ts).
 * An operation given an AbortSignal stops waiting when it fires, and gives its connection back.
 */
import type { Collection, Db, Document } from 'mongodb'
import { dependencyUnavailable } from '../errors.js'
import { mongoBudgetMs } from './mongo-client.js'

/**
 * The collection methods that are one operation, by where their options go. A cursor (`find`, `aggregate`) is left
 * alone: its batches arrive while the caller works through them, so one deadline for the whole cursor would cut a
 * slow reader off, not a silent server.
 */
const OPTIONS_ARGUMENT = new Map<string, number>(
  Object.entries({
    insertOne: 1,
    insertMany: 1,
    bulkWrite: 1,
    updateOne: 2,
    updateMany: 2,
    replaceOne: 2,
    deleteOne: 1,
    deleteMany: 1,
    findOne: 1,
    findOneAndUpdate: 2,
    findOneAndReplace: 2,
    findOneAndDelete: 1,
    countDocuments: 1,
    estimatedDocumentCount: 0,
    distinct: 2,
    createIndex: 1,
    createIndexes: 1,
    dropIndex: 1,
  }),
)

/**
 * Runs `call` with a signal that fires once `ms` have passed without it settling; it then fails as MongoDB's timeout
 * (a 503) — at once, even if some path of the driver does not listen to the signal. `ms` of 0 means no deadline, as a
 * budget of 0 does.
 */
async function withinAnswerDeadline<T>(ms: number, call: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  if (!(ms > 0)) return call()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(`no answer within ${ms} ms`))
    }, ms)
  })
  try {
    return await Promise.race([call(controller.signal), silent])
  } catch (error) {
    if (!controller.signal.aborted) throw error
    throw dependencyUnavailable('MongoDB', new Error(`no answer within ${ms} ms`, { cause: error }), true)
  } finally {
    clearTimeout(timer)
  }
}

/** `collection`, with each single operation bounded by withinAnswerDeadline(`ms`). */
export function withAnswerDeadlines<T extends Document>(collection: Collection<T>, ms: number): Collection<T> {
  return new Proxy(collection, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      const at = typeof property === 'string' ? OPTIONS_ARGUMENT.get(property) : undefined
      if (at === undefined || typeof value !== 'function') return value
      return (...args: unknown[]) =>
        withinAnswerDeadline(ms, (signal) => {
          const given = [...args]
          if (signal) given[at] = { ...(given[at] as object | undefined), signal }
          return (value as (...args: unknown[]) => Promise<unknown>).apply(target, given)
        })
    },
  })
}

/** Twice MONGO_TIMEOUT_MS: the most one operation may take when the driver retries it once (mongo-client.ts). */
const answerDeadlineOf = (db: Db): number => 2 * mongoBudgetMs(db)

/** A store's collection on `db`, each single operation bounded by answerDeadlineOf(db). */
export function boundedCollection<T extends Document>(db: Db, name: string): Collection<T> {
  return withAnswerDeadlines(db.collection<T>(name), answerDeadlineOf(db))
}

/** `db.command(command)`, bounded by answerDeadlineOf(db). */
export function boundedCommand(db: Db, command: Document): Promise<Document> {
  return withinAnswerDeadline(answerDeadlineOf(db), (signal) => db.command(command, signal ? { signal } : {}))
}
