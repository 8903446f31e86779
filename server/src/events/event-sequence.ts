/**
 * The append to a workspace's event stream: each event takes the workspace's next position (`seq` = highest + 1) by
 * optimistic concurrency. Two unique keys guard the insert, and a unique insert is atomic on MongoDB and FerretDB
 * alike: `_id` (the transition's claim: taken means the transition is someone else's) and `(workspaceId, seq)`
 * (taken means another writer appended first: read the head again and retry). An event at N + 1 is only written by
 * a writer that saw N, so a reader going by position never passes a gap that fills in later; no clock is involved.
 */
import type { Collection } from 'mongodb'
import { dependencyUnavailable } from '../errors.js'
import { isDuplicateKey, mongo, type MongoCalls } from '../storage/mongo-call.js'
import { WaitingLine } from '../storage/waiting-line.js'
import type { StoredEvent } from './stored-event.js'

/** Appends that lose this many races in a row give up with a 503 (each lost race means another append succeeded). */
const MAX_APPEND_RACES = 200

/** The unique index the appends race on; the head lookup reads it backwards. */
export const WORKSPACE_SEQ_INDEX = {
  key: { workspaceId: 1, seq: -1 },
  name: 'workspace_seq_unique',
  unique: true,
} as const

/**
 * The workspace's highest seq, 0 before its first event. `$gte: 1` matches numbers only (queries compare within a
 * type), so an event from before numbered seqs (a ULID string) is never taken for the head.
 */
async function headSeq(events: Collection<StoredEvent>, workspaceId: string): Promise<number> {
  const head = await events.findOne(
    { workspaceId, seq: { $gte: 1 } },
    { sort: { seq: -1 }, projection: { _id: 0, seq: 1 } },
  )
  return head?.seq ?? 0
}

/**
 * Inserts `event` at its workspace's next seq. Returns the event as stored, or undefined when its `_id` is already
 * another event's (a transition someone else claimed, an upload.processed already written). `calls`: the store's
 * measured mongo() (mongo-call.ts).
 */
export function appendEvent(
  events: Collection<StoredEvent>,
  event: Omit<StoredEvent, 'seq'>,
  calls: MongoCalls = Object.assign(<T>(_operation: string, call: () => Promise<T>) => mongo(call), { budgetMs: 0 }),
): Promise<StoredEvent | undefined> {
  const key = `${events.dbName}.${event.workspaceId}`
  return line.run(key, calls.budgetMs, async () => {
    const stored = await append(calls, events, event, lastSeqs.get(key))
    if (stored) remember(key, Math.max(lastSeqs.get(key) ?? 0, stored.seq))
    return stored
  })
}

/**
 * Appends of this process to one workspace wait in one line — other processes still race, and the unique index
 * settles it. Each append starts after the last seq this process appended to the workspace: that seq exists (events
 * are never deleted), so trying the next one keeps the stream gapless without reading the head. If another process
 * appended since, the position is taken and the head is read.
 */
const line = new WaitingLine()
const lastSeqs = new Map<string, number>()
/** Bounded: forgetting a workspace costs one head lookup. */
const MAX_REMEMBERED = 10_000

function remember(key: string, seq: number): void {
  if (!lastSeqs.has(key) && lastSeqs.size >= MAX_REMEMBERED) lastSeqs.clear()
  lastSeqs.set(key, seq)
}

function append(
  calls: MongoCalls,
  events: Collection<StoredEvent>,
  event: Omit<StoredEvent, 'seq'>,
  previousSeq: number | undefined,
): Promise<StoredEvent | undefined> {
  // One driver call as far as mongo() is concerned: a transient failure retries the whole append, which then finds
  // its own event if the failed insert had in fact been applied.
  return calls('upload_events.append', async () => {
    let seq = previousSeq === undefined ? (await headSeq(events, event.workspaceId)) + 1 : previousSeq + 1
    for (let race = 0; race < MAX_APPEND_RACES; race++) {
      const stored: StoredEvent = { ...event, seq }
      try {
        await events.insertOne(stored)
        return stored
      } catch (error) {
        if (!isDuplicateKey(error)) throw error
      }
      // Which key was taken? Servers word duplicate-key errors differently; the claim itself answers.
      const holder = await events.findOne({ _id: event._id }, { projection: { eventId: 1, seq: 1 } })
      if (holder) return holder.eventId === event.eventId ? { ...event, seq: holder.seq } : undefined
      seq = (await headSeq(events, event.workspaceId)) + 1
    }
    throw dependencyUnavailable('MongoDB', new Error(`${MAX_APPEND_RACES} appends in a row lost the race for a seq`))
  })
}
