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
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { UploadLedger } from '../storage/ledger.js'
import type { UploadRecord } from './record.js'

/** An upload whose older neighbours fit waits for younger ones to withdraw while the total keeps moving… */
const STALLED_CHECKS = 3
/** …and never longer than this in all. */
const MAX_WAIT_MS = 10_000

/**
 * Inserts `record` and keeps it if the workspace stays within `quota`; otherwise withdraws it (the caller returned
 * nothing for it yet) and answers false.
 */
export async function admitWithinQuota(ledger: UploadLedger, record: UploadRecord, quota: number): Promise<boolean> {
  await ledger.insert(record)
  const deadline = Date.now() + MAX_WAIT_MS
  let previous = -1
  let stalled = 0
  for (let wait = 0; ; wait++) {
    const total = await ledger.usedBytes(record.workspaceId)
    if (total <= quota) return true
    // Younger presigns that do not fit withdraw within a few round trips; if the total stops moving, the excess is
    // older than us or admitted (a clock-skewed id), and waiting will not help.
    stalled = total === previous ? stalled + 1 : 0
    previous = total
    const olderAndMine = await ledger.usedBytes(record.workspaceId, record._id)
    if (olderAndMine > quota || stalled >= STALLED_CHECKS || Date.now() > deadline) break
    await sleep(Math.min(200, 10 * 2 ** wait) * (0.5 + Math.random() / 2))
  }
  await ledger.withdraw(record._id)
  return false
}
