/**
 * Quota leases: a busy workspace's presigns admitted without summing the workspace each time. FerretDB v1 answers
 * every filtered read but `_id` equality by scanning the whole collection, so a sum per presign made presigning
 * cost grow with the number of uploads stored (27 presigns/s against ~900/s without the sum, `npm run bench --
 * presign` on PostgreSQL). Instead, an instance that sees a workspace busy sets aside a share of its headroom as a
 * lease — a document in its own small collection, admitted like an upload (insert, then check that everything still
 * fits) — and admits the next presigns from it in memory, at the cost of their own insert only.
 *
 * Why the quota still holds: while a lease lives, every sum counts its full size, and the uploads admitted from it
 * never exceed that size; the lease is deleted only after every insert admitted from it has completed, so from then
 * on sums see those uploads instead. So the argument of quota.ts applies with each lease standing in for its uploads.
 * The lease's document expires LEASE_TTL_MS after it was taken, and readers ignore it from then on, while its holder
 * stops using it after LEASE_USE_MS: the instances' clocks must agree to within the difference (almost two minutes).
 *
 * The price: bytes leased but not used count as used for everyone else until the lease is returned (at most
 * LEASE_USE_MS), so near the quota another instance may refuse an upload that fits. A lease takes at most
 * 1/LEASE_SHARE of the headroom its instance saw, and none is taken once the headroom is smaller than the upload.
 *
 * A lease used up or past its time while the workspace is still busy is renewed at once, and presigns wait for the
 * renewal (one sum) instead of each summing the workspace: on FerretDB a burst of concurrent sums of a large
 * collection took longer than a shutdown may.
 */
import { randomUUID } from 'node:crypto'
import type { UploadLedger } from '../storage/ledger.js'
import type { UploadRecord } from './record.js'

const LEASE_SHARE = 8
const LEASE_USE_MS = 10_000
const LEASE_TTL_MS = 120_000
/** A workspace with two admissions this close together is busy enough for a lease to pay off. */
const BUSY_WINDOW_MS = 10_000
/** Workspaces whose last admission is remembered at once; beyond that the oldest are forgotten. */
const MAX_REMEMBERED = 10_000

interface HeldLease {
  id: string
  workspaceId: string
  bytes: number
  remaining: number
  usableUntil: number
  /** Inserts admitted from the lease and not yet acknowledged: the lease is deleted only once there are none. */
  inFlight: number
  drained?: () => void
  timer: NodeJS.Timeout
}

export class QuotaLeases {
  private readonly held = new Map<string, HeldLease>()
  private readonly acquiring = new Map<string, Promise<void>>()
  private readonly returning = new Map<string, Set<Promise<void>>>()
  private readonly lastAdmitted = new Map<string, number>()
  private closed = false

  /** `totalOf` sums a workspace with its leases, to check a lease against the quota once inserted. */
  constructor(
    private readonly ledger: UploadLedger,
    private readonly now: () => number,
    private readonly quota: number,
    private readonly totalOf: (workspaceId: string) => Promise<number>,
  ) {}

  /** Inserts `record` if this instance holds a lease for its workspace with room for it; false otherwise. */
  async admit(record: UploadRecord): Promise<boolean> {
    const { workspaceId } = record
    const lease = await this.reserve(workspaceId, record.size)
    if (!lease) return false
    this.remember(workspaceId, this.now())
    try {
      await this.ledger.insert(record)
      return true
    } finally {
      if (--lease.inFlight === 0) lease.drained?.()
    }
  }

  /** After an upload was admitted with `headroom` bytes to spare: takes a lease if the workspace is busy. */
  async afterAdmission(workspaceId: string, uploadSize: number, headroom: number): Promise<void> {
    const now = this.now()
    const busy = this.isBusy(workspaceId, now)
    this.remember(workspaceId, now)
    const bytes = Math.floor(headroom / LEASE_SHARE)
    if (busy && bytes >= uploadSize) await this.startAcquiring(workspaceId, bytes)
  }

  /** Returns every lease this instance holds for the workspace, and waits until they are deleted. */
  async returnAll(workspaceId: string): Promise<void> {
    await this.acquiring.get(workspaceId)
    const lease = this.held.get(workspaceId)
    if (lease) this.giveBack(lease, { renew: false })
    await Promise.all([...(this.returning.get(workspaceId) ?? [])])
  }

  /** On shutdown: returns every lease, and takes no more. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([...this.acquiring.values()])
    for (const lease of [...this.held.values()]) this.giveBack(lease, { renew: false })
    await Promise.all([...this.returning.values()].flatMap((set) => [...set]))
  }

  /**
   * Takes `size` bytes from the workspace's lease and counts an insert in flight on it, in the same step as checking
   * it has room (no await in between: nothing can give it back or take the room meanwhile). Waits for a lease being
   * taken or renewed rather than sum the workspace. The bytes stay taken even if the insert fails: one that timed
   * out may still have landed.
   */
  private async reserve(workspaceId: string, size: number): Promise<HeldLease | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      await this.acquiring.get(workspaceId)
      const lease = this.held.get(workspaceId)
      if (lease && this.hasRoom(lease, size)) {
        lease.remaining -= size
        lease.inFlight++
        return lease
      }
      if (lease) this.giveBack(lease, { renew: true })
      if (!this.acquiring.has(workspaceId)) return undefined
    }
    return undefined
  }

  private hasRoom(lease: HeldLease, size: number): boolean {
    return lease.remaining >= size && this.now() < lease.usableUntil
  }

  private isBusy(workspaceId: string, now: number): boolean {
    const previous = this.lastAdmitted.get(workspaceId)
    return previous !== undefined && now - previous < BUSY_WINDOW_MS
  }

  private remember(workspaceId: string, now: number): void {
    this.lastAdmitted.delete(workspaceId)
    this.lastAdmitted.set(workspaceId, now)
    if (this.lastAdmitted.size > MAX_REMEMBERED) this.lastAdmitted.delete(this.lastAdmitted.keys().next().value!)
  }

  /** Takes a lease unless one is held or being taken (or the instance is closing); resolves once that is settled. */
  private startAcquiring(workspaceId: string, bytes: number): Promise<void> {
    const pending = this.acquiring.get(workspaceId)
    if (pending) return pending
    if (this.closed || this.held.has(workspaceId)) return Promise.resolve()
    const acquiring = this.acquire(workspaceId, bytes).finally(() => this.acquiring.delete(workspaceId))
    this.acquiring.set(workspaceId, acquiring)
    return acquiring
  }

  private async acquire(workspaceId: string, bytes: number): Promise<void> {
    const now = this.now()
    const id = randomUUID()
    try {
      await this.ledger.insertLease({ _id: id, workspaceId, bytes, expiresAt: new Date(now + LEASE_TTL_MS) })
      if ((await this.totalOf(workspaceId)) > this.quota) {
        await this.ledger.deleteLease(id)
        return
      }
    } catch {
      // A lease is an optimisation: without one, presigns sum the workspace. One that may have been written
      // expires by itself.
      await this.ledger.deleteLease(id).catch(() => undefined)
      return
    }
    const lease: HeldLease = {
      id,
      workspaceId,
      bytes,
      remaining: bytes,
      usableUntil: now + LEASE_USE_MS,
      inFlight: 0,
      timer: setTimeout(() => this.giveBack(lease, { renew: true }), LEASE_USE_MS),
    }
    lease.timer.unref()
    this.held.set(workspaceId, lease)
  }

  /**
   * Stops admitting from the lease and deletes it once its inserts have completed; with `renew`, takes the next one
   * at once (same size: the check after its insert decides) if the workspace is still busy.
   */
  private giveBack(lease: HeldLease, { renew }: { renew: boolean }): void {
    if (this.held.get(lease.workspaceId) !== lease) return
    this.held.delete(lease.workspaceId)
    clearTimeout(lease.timer)
    // Awaited by the presigns that need it; a renewal that fails only means they sum.
    if (renew && this.isBusy(lease.workspaceId, this.now())) void this.startAcquiring(lease.workspaceId, lease.bytes)
    const drained = lease.inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (lease.drained = resolve))
    const returned = drained
      .then(() => this.ledger.deleteLease(lease.id))
      // Not deleted (the database is unreachable): it expires, and readers ignore it from then on.
      .catch(() => undefined)
      .finally(() => {
        const set = this.returning.get(lease.workspaceId)
        set?.delete(returned)
        if (set?.size === 0) this.returning.delete(lease.workspaceId)
      })
    const set = this.returning.get(lease.workspaceId) ?? new Set()
    set.add(returned)
    this.returning.set(lease.workspaceId, set)
  }
}
