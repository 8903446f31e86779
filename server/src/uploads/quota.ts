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
 * is: near the quota, one process admits one upload per workspace at a time (see QuotaGate). Across instances the
 * waiting below keeps refusals of uploads that fit rare, but two instances near the limit may both refuse one that
 * fits; they never admit more than the quota.
 *
 * Far from the quota a presign does not sum the whole workspace: an upper bound from a remembered sum plus the
 * recent uploads (usage-estimate.ts) is enough to admit, so a presign's cost does not grow with the workspace's
 * history. The exact sum runs only when that bound says "over". A busy workspace goes further: its presigns are
 * admitted from a lease of quota this instance set aside, with no sum at all (quota-leases.ts). Every sum here
 * counts the workspace's leases as used.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { UploadLedger } from '../storage/ledger.js'
import { QuotaLeases } from './quota-leases.js'
import type { UploadRecord } from './record.js'
import { UsageEstimate } from './usage-estimate.js'

/**
 * An upload whose older neighbours fit waits for younger ones to withdraw while the total keeps moving: until it
 * has not moved for this long (time, not a count of checks: under load a withdrawal takes several round trips)…
 */
const STALLED_MS = 2_000
/** …and never longer than this in all. */
const MAX_WAIT_MS = 10_000

/** One workspace's admissions in this process. */
interface WorkspaceTurns {
  /** Optimistic admissions between their insert and their verdict. */
  optimistic: number
  /** Resolves the next time `optimistic` falls to 0. */
  settled?: { promise: Promise<void>; resolve: () => void }
  /** Admissions waiting for their turn, and the last of them. */
  queued: number
  tail: Promise<unknown>
}

/**
 * Admission for one process. Far from the quota, presigns are admitted in parallel (insert, sum, done). Once one
 * finds the workspace over, it withdraws and queues; from then until the queue is empty every presign for that
 * workspace queues too, and each in turn waits for the optimistic ones already started to settle before it inserts
 * and sums: what it sees is settled, so it never refuses an upload that fits. Queued presigns also return this
 * instance's lease first, so that it does not count against them.
 */
export class QuotaGate {
  private readonly workspaces = new Map<string, WorkspaceTurns>()
  private readonly usage: UsageEstimate
  private readonly leases: QuotaLeases

  constructor(
    private readonly ledger: UploadLedger,
    private readonly quota: number,
    private readonly now: () => number = Date.now,
  ) {
    this.usage = new UsageEstimate(ledger, now)
    this.leases = new QuotaLeases(ledger, now, quota, (workspaceId) => this.atLeastUsed(workspaceId))
  }

  /** Returns this instance's leases (on shutdown). */
  close(): Promise<void> {
    return this.leases.close()
  }

  /**
   * Inserts `record` and keeps it if the workspace stays within the quota; otherwise withdraws it (the caller
   * returned nothing for it yet) and answers false.
   */
  async admit(record: UploadRecord): Promise<boolean> {
    const turns = this.turnsOf(record.workspaceId)
    if (turns.queued === 0 && (await this.leases.admit(record))) return true
    // Checked again after the lease's await: once a presign has queued, none may start optimistically.
    if (turns.queued === 0) {
      turns.optimistic++
      try {
        await this.ledger.insert(record)
        // The fast bound first (a sum of recent uploads only); the exact sum only when the bound says "over".
        const bound = await this.atLeastUsed(record.workspaceId)
        if (bound <= this.quota) {
          await this.leases.afterAdmission(record.workspaceId, record.size, this.quota - bound)
          return true
        }
        if ((await totalUsed(this.ledger, record.workspaceId, this.now)) <= this.quota) return true
        await this.ledger.withdraw(record._id)
      } finally {
        if (--turns.optimistic === 0) {
          turns.settled?.resolve()
          if (turns.queued === 0) this.workspaces.delete(record.workspaceId)
        }
      }
    }
    return this.inTurn(record.workspaceId, turns, async () => {
      while (turns.optimistic > 0) await this.settledPromise(turns)
      await this.leases.returnAll(record.workspaceId)
      return admitWithinQuota(this.ledger, record, this.quota, this.now)
    })
  }

  private async atLeastUsed(workspaceId: string): Promise<number> {
    const [uploads, leased] = await Promise.all([
      this.usage.atLeastUsed(workspaceId),
      this.ledger.leasedBytes(workspaceId, new Date(this.now())),
    ])
    return uploads + leased
  }

  private turnsOf(workspaceId: string): WorkspaceTurns {
    let turns = this.workspaces.get(workspaceId)
    if (!turns) {
      turns = { optimistic: 0, queued: 0, tail: Promise.resolve() }
      this.workspaces.set(workspaceId, turns)
    }
    return turns
  }

  private settledPromise(turns: WorkspaceTurns): Promise<void> {
    if (!turns.settled) {
      let resolve: () => void = () => undefined
      const promise = new Promise<void>((r) => (resolve = r))
      turns.settled = {
        promise,
        resolve: () => {
          turns.settled = undefined
          resolve()
        },
      }
    }
    return turns.settled.promise
  }

  private async inTurn<T>(workspaceId: string, turns: WorkspaceTurns, task: () => Promise<T>): Promise<T> {
    // Synchronously after the optimistic attempt (which may have just forgotten the workspace): nothing came between.
    this.workspaces.set(workspaceId, turns)
    turns.queued++
    const mine = turns.tail.then(task, task)
    turns.tail = mine.catch(() => undefined)
    try {
      return await mine
    } finally {
      turns.queued--
      if (turns.queued === 0 && turns.optimistic === 0) this.workspaces.delete(workspaceId)
    }
  }
}

/** The bytes a workspace's uploads hold, or `upTo` an id, plus its leases. */
async function totalUsed(ledger: UploadLedger, workspaceId: string, now: () => number, upTo?: string): Promise<number> {
  const [uploads, leased] = await Promise.all([
    ledger.usedBytes(workspaceId, upTo ? { upTo } : {}),
    ledger.leasedBytes(workspaceId, new Date(now())),
  ])
  return uploads + leased
}

/** Inserts `record`, waits for younger presigns to withdraw while the total moves, and keeps it if it fits. */
async function admitWithinQuota(
  ledger: UploadLedger,
  record: UploadRecord,
  quota: number,
  now: () => number,
): Promise<boolean> {
  await ledger.insert(record)
  const deadline = Date.now() + MAX_WAIT_MS
  let previous = -1
  let movedAt = Date.now()
  for (let wait = 0; ; wait++) {
    const total = await totalUsed(ledger, record.workspaceId, now)
    if (total <= quota) return true
    // Younger presigns that do not fit withdraw within a few round trips; if the total stops moving, the excess is
    // older than us or admitted (a clock-skewed id), and waiting will not help.
    if (total !== previous) movedAt = Date.now()
    previous = total
    // Other instances' leases count here too: waiting would not make them younger.
    const olderAndMine = await totalUsed(ledger, record.workspaceId, now, record._id)
    const stalled = Date.now() - movedAt > STALLED_MS
    if (olderAndMine > quota || stalled || Date.now() > deadline) break
    await sleep(Math.min(200, 10 * 2 ** wait) * (0.5 + Math.random() / 2))
  }
  await ledger.withdraw(record._id)
  return false
}
