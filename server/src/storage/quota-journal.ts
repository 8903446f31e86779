/**
 * The workspace quota as a running total that cannot be overdrawn, on MongoDB and FerretDB v1 alike (whose `$inc` and
 * conditional updates are not atomic, so a counter cannot be trusted): an append-only journal per workspace. Each
 * entry is the workspace's total after one change, at position `seq` = the head's + 1, and a unique
 * `(workspaceId, seq)` index lets only one writer append after a given head. So every reservation is checked against
 * the exact total before it, and the total never passes the quota, however many instances write and whatever their
 * clocks say. Entry ids name the change (`reserve:<upload id>`, `release:<upload id>`), so a retried change is
 * found, never applied twice.
 *
 * A workspace's first entry, `opening:<workspace>`, holds the bytes its records held before the journal existed
 * (uploads made before this version). A record without a reservation of its own is one of those, and is released on
 * its end only once the opening exists, which counted it.
 */
import type { Collection, Db } from 'mongodb'
import { dependencyUnavailable } from '../errors.js'
import { QUOTA_HOLDING_STATUSES, type UploadRecord } from '../uploads/record.js'
import { createMissingIndexes, isDuplicateKey, mongoCalls, type MongoCalls } from './mongo-call.js'
import { WaitingLine } from './waiting-line.js'
import { boundedCollection } from './answer-deadline.js'

export const QUOTA_JOURNAL_COLLECTION = 'quota_journal'

interface JournalEntry {
  _id: string
  workspaceId: string
  seq: number
  /** The workspace's bytes after this entry. */
  total: number
  /** What this entry added (a negative number for a release). */
  bytes: number
}

type Counted = Pick<UploadRecord, '_id' | 'workspaceId' | 'size'>

/** Appends that lose this many races in a row give up with a 503 (each lost race means another append succeeded). */
const MAX_APPEND_RACES = 200

export class QuotaJournal {
  private readonly journal: Collection<JournalEntry>
  private readonly uploads: Collection<UploadRecord>
  private readonly line = new WaitingLine()
  /**
   * The last entry this instance wrote or read, per workspace: appending after it needs no head lookup (a sort that
   * FerretDB v1 applies to every entry of the workspace). If another instance appended since, the insert finds the
   * position taken and the head is read; if it succeeds, this entry was the head, so its total is the true total.
   */
  private readonly heads = new Map<string, JournalEntry>()

  private readonly calls: MongoCalls

  constructor(db: Db) {
    this.calls = mongoCalls(db)
    this.journal = boundedCollection<JournalEntry>(db, QUOTA_JOURNAL_COLLECTION)
    this.uploads = boundedCollection<UploadRecord>(db, 'uploads')
  }

  ensureIndexes(): Promise<void> {
    return this.calls('quota.ensureIndexes', () =>
      createMissingIndexes(this.journal, [
        { key: { workspaceId: 1, seq: -1 }, name: 'workspace_seq_unique', unique: true },
      ]),
    )
  }

  /** The bytes the workspace holds. */
  used(workspaceId: string): Promise<number> {
    return this.calls(
      'quota.used',
      async () => (await this.head(workspaceId))?.total ?? (await this.recordedBytes(workspaceId)),
    )
  }

  /** Adds `upload.size` to the workspace's total if the sum stays within `quota`; false (and nothing changed) if not. */
  reserve(upload: Counted, quota: number): Promise<boolean> {
    return this.inTurn(upload.workspaceId, async () => {
      const id = `reserve:${upload._id}`
      const appended = await this.append(upload.workspaceId, id, (total) =>
        total + upload.size <= quota ? upload.size : undefined,
      )
      // Declined: unless a first attempt of this same reservation was applied before its answer was lost.
      return appended || (await this.calls('quota.reserve', () => this.journal.findOne({ _id: id }))) !== null
    })
  }

  /** Gives back what `upload` held, once; nothing if it never counted (see the module comment). */
  release(upload: Counted): Promise<void> {
    return this.inTurn(upload.workspaceId, async () => {
      const counted = await this.calls('quota.release', () =>
        this.journal.findOne(
          { _id: { $in: [`reserve:${upload._id}`, `opening:${upload.workspaceId}`] } },
          { projection: { _id: 1 } },
        ),
      )
      if (counted) await this.append(upload.workspaceId, `release:${upload._id}`, () => -upload.size)
    })
  }

  /**
   * Appends entry `id` with the bytes `change(total)` gives (undefined: declined) at the next position. True once the
   * entry is stored (now, or by an earlier attempt).
   */
  private append(workspaceId: string, id: string, change: (total: number) => number | undefined): Promise<boolean> {
    return this.calls('quota.append', async () => {
      let head = this.heads.get(workspaceId)
      let fresh = false
      for (let race = 0; race < MAX_APPEND_RACES; race++) {
        if (!head) [head, fresh] = [(await this.head(workspaceId)) ?? (await this.open(workspaceId)), true]
        const bytes = change(head.total)
        if (bytes === undefined) {
          // Declined against a remembered head: another instance may have released bytes since. Judge the true one.
          if (fresh) return false
          head = undefined
          continue
        }
        const entry = { _id: id, workspaceId, seq: head.seq + 1, total: head.total + bytes, bytes }
        try {
          await this.journal.insertOne(entry)
          this.remember(entry)
          return true
        } catch (error) {
          if (!isDuplicateKey(error)) throw error
        }
        // Which key was taken: this entry's own id (stored already), or the position (another writer was first).
        if (await this.journal.findOne({ _id: id }, { projection: { _id: 1 } })) return true
        head = undefined
      }
      throw dependencyUnavailable('MongoDB', new Error(`${MAX_APPEND_RACES} quota entries in a row lost the race`))
    })
  }

  /**
   * One workspace's journal changes through this instance wait in one line (waiting-line.ts): racing each other would
   * only make all but one retry. Other instances still race, and the unique index settles it.
   */
  private inTurn<T>(workspaceId: string, run: () => Promise<T>): Promise<T> {
    return this.line.run(workspaceId, this.calls.budgetMs, run)
  }

  private async head(workspaceId: string): Promise<JournalEntry | undefined> {
    const head = (await this.journal.findOne({ workspaceId }, { sort: { seq: -1 } })) ?? undefined
    if (head) this.remember(head)
    return head
  }

  private remember(entry: JournalEntry): void {
    // Bounded: forgetting costs one head lookup.
    if (this.heads.size >= 10_000) this.heads.clear()
    this.heads.set(entry.workspaceId, entry)
  }

  /** The workspace's first entry: what its records hold already. Another writer's opening, if it was first. */
  private async open(workspaceId: string): Promise<JournalEntry> {
    const total = await this.recordedBytes(workspaceId)
    const opening = { _id: `opening:${workspaceId}`, workspaceId, seq: 1, total, bytes: total }
    try {
      await this.journal.insertOne(opening)
      this.remember(opening)
      return opening
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
      return (await this.head(workspaceId))!
    }
  }

  /**
   * The sizes of the workspace's live records: read once per workspace (or while it has no entry yet), a batch at a
   * time. One aggregation would answer only when the whole sum is done: over a large workspace its socket stays silent
   * past MONGO_TIMEOUT_MS, the call fails, and so does every retry (on FerretDB v1, 100,000 records took 7.4 s; read
   * in batches, 9.8 s with no answer more than 0.14 s apart).
   */
  private async recordedBytes(workspaceId: string): Promise<number> {
    let total = 0
    const sizes = this.uploads.find(
      { workspaceId, status: { $in: [...QUOTA_HOLDING_STATUSES] } },
      { projection: { _id: 0, size: 1 }, batchSize: 1_000 },
    )
    for await (const { size } of sizes) total += size
    return total
  }
}
