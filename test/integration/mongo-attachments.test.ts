import t from 'tap'
import { MongoAttachmentStore } from '../../server/src/storage/mongo-attachments.js'
import { attachmentContract } from '../contracts/attachment-contract.js'
import { testDatabase } from '../helpers/database.js'

const { db } = await testDatabase(t, 'attachments')
const store = new MongoAttachmentStore(db)
await store.ensureIndexes()

attachmentContract(t, store)
