import { MongoClient } from 'mongodb'
import t from 'tap'
import { MongoLedger } from '../../server/src/storage/mongo-ledger.js'
import { ledgerContract, sampleRecord } from '../contracts/ledger-contract.js'
import { uniqueName } from '../helpers/hoist.js'
import { leaveStuckClaim } from '../helpers/stuck-claim.js'
import { sharedStack } from '../helpers/stack.js'

const stack = await sharedStack(t)
const client = await new MongoClient(stack.mongoUri).connect()
const db = client.db(uniqueName('ledger').replace('-', '_'))
t.teardown(async () => {
  await db.dropDatabase()
  await client.close()
})
const ledger = new MongoLedger(db)
await ledger.ensureIndexes()

t.test('MongoLedger keeps the ledger contract', async (t) => {
  ledgerContract(t, async () => ledger)
})

t.test('a transition whose writer died after claiming is finished by the next attempt once it is old', async (t) => {
  const record = sampleRecord()
  await ledger.insert(record)
  await leaveStuckClaim(db, record._id, 'pending', 'expired', 60_000)
  t.same(await ledger.findStuckTransitions(new Date(Date.now() - 30_000)), [{ uploadId: record._id, from: 'pending' }])
  t.equal(await ledger.transition(record._id, 'pending', { status: 'confirmed' }), undefined, 'the dead writer had won')
  t.equal((await ledger.getById(record._id))?.status, 'expired', 'and its change is now applied')
  t.same(await ledger.findStuckTransitions(new Date()), [])
})
