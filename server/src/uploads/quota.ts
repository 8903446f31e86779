/**
 * Quota admission that holds across any number of API instances, on MongoDB and FerretDB v1 alike (whose `$inc` and
 * conditional updates are not atomic, so a usage counter cannot be trusted): **write, then check**. A presign inserts
 * its pending record first — from then on it counts against the workspace — and only then sums the workspace.
 *
 * Why that is exact: take the admitted upload whose (last) sum ran latest. Every other admitted record was inserted
 * before its own sum, so before this one: this sum saw them all, and it was within the quota. So the admitted total
 * never exceeds the quota. Near the limit, concurrent presigns see each other; the older ids (ULIDs sort by time)
 * keep their place and wait a moment for younger ones to withdraw, so the quota fills up exactly instead of everyone
 * refusing. The guarantee needs each sum to see every insert acknowledged before it began (one primary; on a failover
 * with rollback it can be exceeded by what was rolled back).
 *
 * Within one process admission is also exact — it never refuses an upload that fits — however slow the database
 * is: one process admits one upload per workspace at a time (two round trips; other workspaces go on in parallel).
 * Across instances the waiting below keeps refusals of uploads that fit rare, but two instances near the limit may
 * both refuse one that fits; they never admit more than the quota.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { UploadLedger } from '../storage/ledger.js'
import type { UploadRecord } from './record.js'

/**
 * An upload whose older neighbours fit waits for younger ones to withdraw while the total keeps moving: until it
 * has not moved for this long (time, not a count of checks: under load a withdrawal takes several round trips)…
 */
const STALLED_MS = 2_000
/** …and never longer than this in all. */
const MAX_WAIT_MS = 10_000

/** Admission for one process: one upload per workspace at a time. */
export class QuotaGate {
  private readonly queues = new Map<string, Promise<unknown>>()

  constructor(
    private readonly ledger: UploadLedger,
    private readonly quota: number,
  ) {}

  /**
   * Inserts `record` and keeps it if the workspace stays within the quota; otherwise withdraws it (the caller
   * returned nothing for it yet) and answers false.
   */
  admit(record: UploadRecord): Promise<boolean> {
    return this.inTurn(record.workspaceId, () => admitWithinQuota(this.ledger, record, this.quota))
  }

  private inTurn<T>(workspaceId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(workspaceId) ?? Promise.resolve()
    const mine = previous.then(task, task)
    const tail = mine.catch(() => undefined)
    this.queues.set(workspaceId, tail)
    void tail.then(() => {
      if (this.queues.get(workspaceId) === tail) this.queues.delete(workspaceId)
    })
    return mine
  }
}

/** Inserts `record`, waits for younger presigns to withdraw while the total moves, and keeps it if it fits. */
async function admitWithinQuota(ledger: UploadLedger, record: UploadRecord, quota: number): Promise<boolean> {
  await ledger.insert(record)
  const deadline = Date.now() + MAX_WAIT_MS
  let previous = -1
  let movedAt = Date.now()
  for (let wait = 0; ; wait++) {
    const total = await ledger.usedBytes(record.workspaceId)
    if (total <= quota) return true
    // Younger presigns that do not fit withdraw within a few round trips; if the total stops moving, the excess is
    // older than us or admitted (a clock-skewed id), and waiting will not help.
    if (total !== previous) movedAt = Date.now()
    previous = total
    const olderAndMine = await ledger.usedBytes(record.workspaceId, record._id)
    const stalled = Date.now() - movedAt > STALLED_MS
    if (olderAndMine > quota || stalled || Date.now() > deadline) break
    await sleep(Math.min(200, 10 * 2 ** wait) * (0.5 + Math.random() / 2))
  }
  await ledger.withdraw(record._id)
  return false
}
