/**
 * UploadLedger and LedgerMaintenance in memory, for unit tests of the services' race and failure paths. It keeps the
 * same contract as MongoLedger (test/contracts/ledger-contract.ts runs against both) and the same shape of
 * concurrency: a transition reads, claims (an atomic check-and-set, like a unique insert) and applies in separate
 * steps with the event loop turning in between, so concurrent callers interleave as they do against a server.
 * Each claim takes its workspace's next seq in the same atomic step, as MongoLedger's append does by racing on a
 * unique (workspaceId, seq).
 */
import { setImmediate as tick, setTimeout as sleep } from 'node:timers/promises'
import type { UploadStatus } from '../../protocol/src/uploads.js'
import { eventFields, type StoredEvent } from '../../server/src/events/stored-event.js'
import {
  DuplicateRecordError,
  STUCK_TRANSITION_MS,
  type ImageResult,
  type ImageResults,
  type LedgerMaintenance,
  type RecordUrls,
  type TransitionChanges,
  type UploadLedger,
  type UploadPageQuery,
} from '../../server/src/storage/ledger.js'
import { QUOTA_HOLDING_STATUSES, type UploadRecord } from '../../server/src/uploads/record.js'

export interface MemoryLedgerOptions {
  /** Waits between a won claim and its apply (a slow writer); the loser's settled() must wait it out. */
  applyDelayMs?: number
  /** How long settled() polls before giving up (MongoLedger: ~1.3 s). */
  settleWaitsMs?: number[]
  now?: () => number
}

const copy = (record: UploadRecord): UploadRecord => structuredClone(record)

export class MemoryLedger implements UploadLedger, LedgerMaintenance, ImageResults {
  private readonly records = new Map<string, UploadRecord>()
  /** The quota journal's state (quota-journal.ts): each opened workspace's total, and which uploads counted and ended. */
  private readonly quota = {
    totals: new Map<string, number>(),
    reserved: new Set<string>(),
    released: new Set<string>(),
  }
  /** Every transition's claim, which is its event (MongoLedger keeps them in upload_events). */
  readonly claims = new Map<string, StoredEvent>()
  private readonly now: () => number

  constructor(private readonly options: MemoryLedgerOptions = {}) {
    this.now = options.now ?? Date.now
  }

  async ensureIndexes(): Promise<void> {}

  async ping(): Promise<void> {}

  async insert(record: UploadRecord): Promise<void> {
    await tick()
    if (this.records.has(record._id) || [...this.records.values()].some((r) => r.key === record.key)) {
      throw new DuplicateRecordError('upload id or key')
    }
    this.records.set(record._id, copy(record))
  }

  async admit(record: UploadRecord, quota: number): Promise<boolean> {
    await tick()
    const total = this.quota.totals.get(record.workspaceId) ?? this.recordedBytes(record.workspaceId)
    if (total + record.size > quota) return false
    // Reserved in one step, as the journal's unique insert is atomic; the record follows after a turn.
    this.quota.totals.set(record.workspaceId, total + record.size)
    this.quota.reserved.add(record._id)
    try {
      await this.insert(record)
      return true
    } catch (error) {
      this.release(record)
      throw error
    }
  }

  async usedBytes(workspaceId: string): Promise<number> {
    await tick()
    return this.quota.totals.get(workspaceId) ?? this.recordedBytes(workspaceId)
  }

  private recordedBytes(workspaceId: string): number {
    let total = 0
    for (const r of this.records.values())
      if (r.workspaceId === workspaceId && QUOTA_HOLDING_STATUSES.includes(r.status)) total += r.size
    return total
  }

  /** Once per upload, and only if it counted: reserved, or recorded before its workspace's journal opened. */
  private release(record: UploadRecord): void {
    const total = this.quota.totals.get(record.workspaceId)
    if (total === undefined || this.quota.released.has(record._id)) return
    this.quota.released.add(record._id)
    this.quota.totals.set(record.workspaceId, total - record.size)
  }

  async get(workspaceId: string, id: string): Promise<UploadRecord | undefined> {
    await tick()
    const record = this.records.get(id)
    return record?.workspaceId === workspaceId ? copy(record) : undefined
  }

  async getById(id: string): Promise<UploadRecord | undefined> {
    await tick()
    const record = this.records.get(id)
    return record ? copy(record) : undefined
  }

  async findByKey(key: string): Promise<UploadRecord | undefined> {
    await tick()
    const record = [...this.records.values()].find((r) => r.key === key)
    return record ? copy(record) : undefined
  }

  async listPage({ workspaceId, statuses, beforeId, metadataPair, limit }: UploadPageQuery): Promise<UploadRecord[]> {
    await tick()
    return [...this.records.values()]
      .filter((r) => r.workspaceId === workspaceId && statuses.includes(r.status) && (!beforeId || r._id < beforeId))
      .filter((r) => !metadataPair || (r.metadataPairs ?? []).includes(metadataPair))
      .sort((a, b) => (a._id < b._id ? 1 : -1))
      .slice(0, limit)
      .map(copy)
  }

  async transition(id: string, from: UploadStatus, changes: TransitionChanges): Promise<UploadRecord | undefined> {
    const current = this.records.get(id)
    const snapshot = current && copy(current)
    await tick()
    if (snapshot?.status !== from) return undefined
    const claimKey = `${id}:${from}`
    if (this.claims.has(claimKey)) {
      await this.finishClaim(id, from)
      return undefined
    }
    this.claims.set(claimKey, this.claimOf(snapshot, from, changes, new Date(this.now())))
    await tick()
    if (this.options.applyDelayMs) await sleep(this.options.applyDelayMs)
    const claim = this.claims.get(claimKey)!
    // Not applied here: another attempt finished the claim (the same changes), and maybe moved on since.
    return this.apply(id, from, claim.changes as TransitionChanges) ?? this.getById(id)
  }

  async recordImage(id: string, result: ImageResult): Promise<UploadRecord | undefined> {
    await tick()
    const record = this.records.get(id)
    if (!record) return undefined
    Object.assign(record, structuredClone(result))
    return copy(record)
  }

  async settled(id: string, from: UploadStatus): Promise<UploadRecord | undefined> {
    for (const wait of this.options.settleWaitsMs ?? [10, 20, 40, 80, 160, 320, 640]) {
      const record = await this.getById(id)
      if (record?.status !== from) return record
      await sleep(wait)
    }
    return undefined
  }

  async findExpired(now: Date, limit: number): Promise<UploadRecord[]> {
    await tick()
    return [...this.records.values()]
      .filter((r) => r.status === 'pending' && r.expiresAt < now)
      .sort((a, b) => a.expiresAt.getTime() - b.expiresAt.getTime())
      .slice(0, limit)
      .map(copy)
  }

  async findPurgeDue(now: Date, limit: number): Promise<UploadRecord[]> {
    await tick()
    return [...this.records.values()]
      .filter((r) => r.purgeAfter !== undefined && r.purgeAfter <= now)
      .sort((a, b) => a.purgeAfter!.getTime() - b.purgeAfter!.getTime())
      .slice(0, limit)
      .map(copy)
  }

  async clearPurge(id: string): Promise<void> {
    await tick()
    delete this.records.get(id)?.purgeAfter
  }

  async replaceUrls(id: string, expected: RecordUrls, urls: RecordUrls): Promise<boolean> {
    await tick()
    const record = this.records.get(id)
    if (!record) return false
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
    if (!same(record.url, expected.url) || !same(record.variants, expected.variants)) return false
    this.records.set(id, { ...record, ...structuredClone(urls) })
    return true
  }

  async *scan(statuses: readonly UploadStatus[]): AsyncIterable<UploadRecord> {
    for (const id of [...this.records.keys()].sort()) {
      const record = this.records.get(id)
      if (record && statuses.includes(record.status)) yield copy(record)
    }
  }

  async findStuckTransitions(olderThan: Date): Promise<{ uploadId: string; from: UploadStatus }[]> {
    await tick()
    return [...this.claims.values()]
      .filter((claim) => claim.claimedAt < olderThan && this.records.get(claim.uploadId)?.status === claim.from)
      .map(({ uploadId, from }) => ({ uploadId, from: from! }))
  }

  completeStuckTransition(uploadId: string, from: UploadStatus): Promise<boolean> {
    return this.finishClaim(uploadId, from, STUCK_TRANSITION_MS)
  }

  private async finishClaim(uploadId: string, from: UploadStatus, minAgeMs = 0): Promise<boolean> {
    await tick()
    const claim = this.claims.get(`${uploadId}:${from}`)
    if (!claim) return false
    if (minAgeMs > 0 && this.now() - claim.claimedAt.getTime() < minAgeMs) return false
    return this.apply(uploadId, from, claim.changes as TransitionChanges) !== undefined
  }

  /** What a writer that dies between claiming a transition and applying it leaves behind. */
  leaveStuckClaim(uploadId: string, from: UploadStatus, changes: TransitionChanges, ageMs: number): void {
    this.claims.set(
      `${uploadId}:${from}`,
      this.claimOf(this.records.get(uploadId)!, from, changes, new Date(this.now() - ageMs)),
    )
  }

  /** The events written for one upload, in feed order. */
  eventsOf(uploadId: string): StoredEvent[] {
    return [...this.claims.values()].filter((claim) => claim.uploadId === uploadId).sort((a, b) => a.seq - b.seq)
  }

  /** Every event of a workspace, in feed order. */
  eventsOfWorkspace(workspaceId: string): StoredEvent[] {
    return [...this.claims.values()].filter((claim) => claim.workspaceId === workspaceId).sort((a, b) => a.seq - b.seq)
  }

  private claimOf(record: UploadRecord, from: UploadStatus, changes: TransitionChanges, now: Date): StoredEvent {
    const applied = { ...changes, updatedAt: now }
    const event = eventFields(`upload.${changes.status}`, { ...record, ...applied }, now, false)
    const seq = 1 + Math.max(0, ...this.eventsOfWorkspace(record.workspaceId).map((claim) => claim.seq))
    return { _id: `${record._id}:${from}`, uploadId: record._id, from, changes: applied, ...event, seq }
  }

  /** Applies a claimed transition's changes while the record is still in `from` (see MongoLedger.applyClaimed). */
  async applyClaimed(id: string, from: UploadStatus, changes: TransitionChanges): Promise<UploadRecord | undefined> {
    await tick()
    return this.apply(id, from, changes)
  }

  private apply(id: string, from: UploadStatus, changes: TransitionChanges): UploadRecord | undefined {
    const record = this.records.get(id)
    if (record?.status !== from) return undefined
    if (QUOTA_HOLDING_STATUSES.includes(record.status) && !QUOTA_HOLDING_STATUSES.includes(changes.status))
      this.release(record)
    for (const [field, value] of Object.entries(changes)) {
      if (value === undefined) delete (record as unknown as Record<string, unknown>)[field]
      else (record as unknown as Record<string, unknown>)[field] = value
    }
    return copy(record)
  }
}
