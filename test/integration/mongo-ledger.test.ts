import { MongoClient } from 'mongodb'
import t from 'tap'
import { EVENTS_COLLECTION, type StoredEvent } from '../../server/src/events/stored-event.js'
import { MongoLedger } from '../../server/src/storage/mongo-ledger.js'
import { ledgerContract } from '../contracts/ledger-contract.js'
import { sampleRecord } from '../helpers/records.js'
import { leaveStuckClaim } from '../helpers/stuck-claim.js'
import { testDatabase } from '../helpers/database.js'

const { db, stack } = await testDatabase(t, 'ledger')
const ledger = new MongoLedger(db)
await ledger.ensureIndexes()
// A second writer with its own connections, as another API instance would have.
const otherClient = await new MongoClient(stack.mongoUri).connect()
t.teardown(() => otherClient.close())

t.test('MongoLedger keeps the ledger contract', async (t) => {
  ledgerContract(t, {
    make: async () => ledger,
    eventsOf: (_ledger, uploadId) =>
      db.collection<StoredEvent>(EVENTS_COLLECTION).find({ uploadId }).sort({ seq: 1 }).toArray(),
    eventsOfWorkspace: (_ledger, workspaceId) =>
      db.collection<StoredEvent>(EVENTS_COLLECTION).find({ workspaceId }).sort({ seq: 1 }).toArray(),
    secondWriter: async () => new MongoLedger(otherClient.db(db.databaseName)),
    leaveStuckClaim: (_ledger, uploadId, from, to, ageMs) => leaveStuckClaim(db, uploadId, from, to, ageMs),
    applyLate: (_ledger, uploadId, from, changes) => ledger.applyClaimed(uploadId, from, changes),
  })
})

t.test('a pending record the caller read is not read again by its transition; any other status is', async (t) => {
  const counted = await new MongoClient(stack.mongoUri, { monitorCommands: true }).connect()
  t.teardown(() => counted.close())
  const finds: string[] = []
  counted.on('commandStarted', (event) => {
    // Reads of the record; the append's head lookup (upload_events) is no read of it.
    if (event.commandName === 'find' && event.command.find === 'uploads') finds.push(event.command.find as string)
  })
  const countedLedger = new MongoLedger(counted.db(db.databaseName))
  const record = sampleRecord()
  await countedLedger.insert(record)
  const confirmed = await countedLedger.transition(record._id, 'pending', { status: 'confirmed', url: 'u' }, record)
  t.equal(confirmed?.status, 'confirmed')
  t.same(finds, [], 'no read of the record')
  await countedLedger.transition(record._id, 'confirmed', { status: 'deleted' }, confirmed)
  t.same(finds, ['uploads'], 'a confirmed record may have changed since (image results): read again')
})
