import { MongoClient, type Db } from 'mongodb'
import type { Test } from 'tap'
import type { Stack } from '../../infra/stack/index.js'
import { uniqueName } from './hoist.js'
import { sharedStack } from './stack.js'

/** A database of the test file's own on the stack's MongoDB-wire server, dropped (and its client closed) at the end. */
export async function testDatabase(t: Test, prefix: string): Promise<{ db: Db; stack: Stack }> {
  const stack = await sharedStack(t)
  const client = await new MongoClient(stack.mongoUri).connect()
  const db = client.db(uniqueName(prefix).replace('-', '_'))
  t.teardown(async () => {
    await db.dropDatabase()
    await client.close()
  })
  return { db, stack }
}
