import { MongoClient } from 'mongodb'
import t from 'tap'
import { MongoAttachmentStore } from '../../server/src/storage/mongo-attachments.js'
import { attachmentContract } from '../contracts/attachment-contract.js'
import { uniqueName } from '../helpers/hoist.js'
import { sharedStack } from '../helpers/stack.js'

const stack = await sharedStack(t)
const client = await new MongoClient(stack.mongoUri).connect()
const db = client.db(uniqueName('attachments').replace('-', '_'))
t.teardown(async () => {
  await db.dropDatabase()
  await client.close()
})
const store = new MongoAttachmentStore(db)
await store.ensureIndexes()

attachmentContract(t, store)
