/**
 * Attempt leases are renewed by the process that holds them while the attempt runs: a slow but alive holder is never
 * duplicated however long it takes, and an attempt whose holder stopped renewing is recorded as lost and made again.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { appendEvent } from '../../../server/src/events/event-sequence.js'
import { MongoEventLog } from '../../../server/src/events/mongo-event-log.js'
import { OutboxWorker, type AttemptOutcome } from '../../../server/src/events/outbox-worker.js'
import { eventFields, EVENTS_COLLECTION, type StoredEvent } from '../../../server/src/events/stored-event.js'
import { sampleRecord } from '../../helpers/records.js'
import { testDatabase } from '../../helpers/database.js'

const LEASE_MS = 1_000

const { db } = await testDatabase(t, 'leases')
const log = new MongoEventLog(db)
await log.ensureIndexes()
const work = log.work('delivery')
const events = db.collection<StoredEvent>(EVENTS_COLLECTION)

async function pendingEvent(): Promise<StoredEvent> {
  const record = sampleRecord({ status: 'confirmed' })
  const stored = await appendEvent(events, {
    _id: `${record._id}:pending`,
    uploadId: record._id,
    ...eventFields('upload.confirmed', record, new Date(), true),
  })
  return stored!
}

function worker(attempt: (event: StoredEvent) => Promise<AttemptOutcome>): OutboxWorker {
  return new OutboxWorker({
    work,
    attempt,
    retryDelaysSeconds: [0.05, 0.05],
    leaseMs: LEASE_MS,
    clock: () => new Date(),
  })
}

t.test('a holder slower than its lease, but alive, is never duplicated', async (t) => {
  const event = await pendingEvent()
  let started!: () => void
  const slowStarted = new Promise<void>((resolve) => (started = resolve))
  const slow = worker(async () => {
    started()
    await sleep(LEASE_MS * 3)
    return { state: 'delivered', lastStatus: 200 }
  })
  let otherAttempts = 0
  const other = worker(async () => {
    otherAttempts++
    return { state: 'delivered', lastStatus: 200 }
  })
  const slowPass = slow.runOnce()
  await slowStarted
  for (let elapsed = 0; elapsed < LEASE_MS * 3; elapsed += 50) {
    await other.runOnce()
    await sleep(50)
  }
  t.equal(await slowPass, 1, 'the slow holder made its attempt')
  t.equal(otherAttempts, 0, 'nobody else made one meanwhile')
  const delivery = (await events.findOne({ _id: event._id }))!.delivery
  t.match(delivery, { state: 'delivered', attempts: 1 })
  t.equal(delivery.lastError, undefined, 'and it was never recorded as lost')
})

t.test('an attempt whose holder stopped renewing is recorded as lost, then made again', async (t) => {
  const event = await pendingEvent()
  // What a process leaves when it dies right after claiming: a claim nobody renews.
  const claimedAt = new Date()
  t.ok(await work.claim(event, 1, claimedAt, new Date(claimedAt.getTime() + LEASE_MS)))
  const made: string[] = []
  const survivor = worker(async (attempted) => {
    made.push(attempted.eventId)
    return { state: 'delivered', lastStatus: 200 }
  })
  await survivor.runOnce()
  t.equal((await events.findOne({ _id: event._id }))!.delivery.lastError, undefined, 'not lost while the lease runs')
  await sleep(LEASE_MS + 100)
  // The event is due again once its lease has run out: the survivor records the loss, then makes attempt 2.
  for (let pass = 0; pass < 20 && made.length === 0; pass++) {
    await survivor.runOnce()
    await sleep(50)
  }
  t.same(made, [event.eventId], 'made again, once')
  t.match((await events.findOne({ _id: event._id }))!.delivery, { state: 'delivered', attempts: 2 })
})
