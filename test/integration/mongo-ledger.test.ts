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

t.test(
  'an append starts after the last seq this process appended; one another process took is stepped over',
  async (t) => {
    const counted = await new MongoClient(stack.mongoUri, { monitorCommands: true }).connect()
    t.teardown(() => counted.close())
    const headLookups: unknown[] = []
    counted.on('commandStarted', (event) => {
      if (event.commandName === 'find' && event.command.find === EVENTS_COLLECTION && event.command.sort)
        headLookups.push(event.command.sort)
    })
    const countedLedger = new MongoLedger(counted.db(db.databaseName))
    const workspaceId = `ws-seq-memory-${Date.now()}`
    const [first, second, third] = [1, 2, 3].map(() => sampleRecord({ workspaceId }))
    for (const record of [first!, second!, third!]) await countedLedger.insert(record)
    await countedLedger.transition(first!._id, 'pending', { status: 'confirmed', url: 'u' }, first)
    t.equal(headLookups.length, 1, "the workspace's first append reads its head")
    await countedLedger.transition(second!._id, 'pending', { status: 'confirmed', url: 'u' }, second)
    t.equal(headLookups.length, 1, 'the next one does not: it knows seq 1 exists')
    // Another process appends seq 3 meanwhile.
    const events = db.collection<StoredEvent>(EVENTS_COLLECTION)
    const taken = await events.findOne({ workspaceId, seq: 2 })
    await events.insertOne({ ...taken!, _id: 'another-process:pending', eventId: 'evt_another', seq: 3 })
    await countedLedger.transition(third!._id, 'pending', { status: 'confirmed', url: 'u' }, third)
    const seqs = (await events.find({ workspaceId }).sort({ seq: 1 }).toArray()).map((event) => event.seq)
    t.same(seqs, [1, 2, 3, 4], 'the taken position made it read the head again: no gap, no duplicate')
  },
)
