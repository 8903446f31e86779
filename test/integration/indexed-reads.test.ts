/**
 * The MongoDB-wire server answers a filtered read on an indexed field from the index, as MongoDB does: its cost
 * barely grows with the collection. FerretDB v1 on PostgreSQL needs the stack's help for this
 * (infra/stack/ferretdb-gin-twins.sql; without it, 50,000 documents made these reads ~16 times slower than 1,000).
 */
import { MongoClient, type Collection } from 'mongodb'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import { uniqueName } from '../helpers/hoist.js'
import { sharedStack } from '../helpers/stack.js'

interface Item {
  _id: string
  tag: string
  payload: string
}

const SMALL = 1_000
const LARGE = 50_000
const CALLS = 200
const BATCH = 5_000

const stack = await sharedStack(t)
const client = new MongoClient(stack.mongoUri)
t.teardown(() => client.close())
const db = client.db(uniqueName('indexed').replace('-', '_'))
t.teardown(() => db.dropDatabase())

async function filled(name: string, count: number): Promise<Collection<Item>> {
  const collection = db.collection<Item>(name)
  await collection.createIndex({ tag: 1 })
  for (let start = 0; start < count; start += BATCH) {
    const items: Item[] = []
    for (let i = start; i < Math.min(count, start + BATCH); i++)
      items.push({ _id: `item-${i}`, tag: `tag-${i}`, payload: 'x'.repeat(100) })
    await collection.insertMany(items, { ordered: false })
  }
  return collection
}

/**
 * The lower quartile of `read`'s milliseconds on each collection, calls interleaved so that load from elsewhere hits
 * both alike. Load only adds time, and on a busy machine it moved the median by 2× (CI: 5.74 against 2.82 ms); the
 * lower quartile is what a read costs when nothing interferes, and a scan (~16× at 50,000) shows in it all the same.
 */
async function lowerQuartiles(
  collections: Collection<Item>[],
  read: (collection: Collection<Item>, i: number) => Promise<Item | null>,
): Promise<number[]> {
  const times = collections.map((): number[] => [])
  for (let call = -20; call < CALLS; call++) {
    for (const [n, collection] of collections.entries()) {
      const i = Math.abs(call * 7919) % SMALL
      const began = performance.now()
      const found = await read(collection, i)
      if (call >= 0) times[n]!.push(performance.now() - began)
      if (found?._id !== `item-${i}`) throw new Error(`read ${i} found ${found?._id}`)
    }
  }
  return times.map((list) => list.sort((a, b) => a - b)[Math.floor(list.length / 4)]!)
}

const collections = [await filled('small', SMALL), await filled('large', LARGE)]

t.test(`findOne by _id costs about the same on ${LARGE} documents as on ${SMALL}`, async (t) => {
  const [small, large] = await lowerQuartiles(collections, (collection, i) => collection.findOne({ _id: `item-${i}` }))
  t.ok(large! <= 2 * small!, `lower quartile ${large!.toFixed(2)} ms on ${LARGE}, ${small!.toFixed(2)} ms on ${SMALL}`)
})

t.test(`findOne by an indexed field costs about the same on ${LARGE} documents as on ${SMALL}`, async (t) => {
  const [small, large] = await lowerQuartiles(collections, (collection, i) => collection.findOne({ tag: `tag-${i}` }))
  t.ok(large! <= 2 * small!, `lower quartile ${large!.toFixed(2)} ms on ${LARGE}, ${small!.toFixed(2)} ms on ${SMALL}`)
})
