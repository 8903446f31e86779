/** Where withAnswerDeadlines puts its signal, and what a call that never answers becomes. */
import type { Collection } from 'mongodb'
import t from 'tap'
import { DependencyUnavailable, isDependencyTimeout } from '../../server/src/errors.js'
import { withAnswerDeadlines } from '../../server/src/storage/answer-deadline.js'

/** A stand-in for the driver's collection that records each call's arguments and answers as `answer` says. */
function recording(answer: (args: unknown[]) => Promise<unknown> = () => Promise.resolve('answered')) {
  const calls: { method: string; args: unknown[] }[] = []
  const method =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push({ method: name, args })
      return answer(args)
    }
  const fake = {
    updateOne: method('updateOne'),
    findOne: method('findOne'),
    estimatedDocumentCount: method('estimatedDocumentCount'),
    find: method('find'),
    collectionName: 'fake',
  }
  return { collection: fake as unknown as Collection<{ _id: string; n?: number }>, calls }
}

const signalOf = (options: unknown): unknown => (options as { signal?: unknown } | undefined)?.signal

t.test('the signal joins the options where each method takes them, keeping the ones given', async (t) => {
  const { collection, calls } = recording()
  const bounded = withAnswerDeadlines(collection, 1_000)
  t.equal(await bounded.updateOne({ _id: 'a' }, { $set: { n: 1 } }, { upsert: true }), 'answered')
  await bounded.findOne()
  await bounded.estimatedDocumentCount()
  const [update, findOne, count] = calls
  t.same(update!.args.slice(0, 2), [{ _id: 'a' }, { $set: { n: 1 } }])
  t.equal((update!.args[2] as { upsert: boolean }).upsert, true, 'upsert kept')
  t.ok(signalOf(update!.args[2]) instanceof AbortSignal, 'updateOne: third argument')
  t.ok(signalOf(findOne!.args[1]) instanceof AbortSignal, 'findOne without a filter: second argument')
  t.ok(signalOf(count!.args[0]) instanceof AbortSignal, 'estimatedDocumentCount: first argument')
  t.equal(bounded.collectionName, 'fake', 'properties pass through')
})

t.test('a cursor is left alone: one deadline would cut off a slow reader', async (t) => {
  const { collection, calls } = recording()
  await (withAnswerDeadlines(collection, 1_000).find as unknown as (filter: object) => Promise<unknown>)({})
  t.same(calls[0]!.args, [{}], 'no signal added')
})

t.test('a call that never answers fails as MongoDB timing out, and its signal tells the driver', async (t) => {
  const { collection, calls } = recording(() => new Promise(() => undefined))
  const error = await withAnswerDeadlines(collection, 50)
    .findOne({ _id: 'a' })
    .catch((error: unknown) => error)
  t.ok(error instanceof DependencyUnavailable, String(error))
  t.ok(isDependencyTimeout(error))
  t.equal((signalOf(calls[0]!.args[1]) as AbortSignal).aborted, true)
})

t.test("a failure before the deadline is the driver's own", async (t) => {
  const refused = new Error('E11000 duplicate key')
  const { collection } = recording(() => Promise.reject(refused))
  await t.rejects(withAnswerDeadlines(collection, 1_000).findOne({}), refused)
})
