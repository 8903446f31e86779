/**
 * `hoist doctor`: reconciles the bucket with the ledger. The invariant it checks: every confirmed record has its
 * object with the recorded size; no object or open multipart upload outlives its record (beyond a grace period,
 * so uploads in progress are never touched); no transition is stuck half-done.
 *
 * `--fix` repairs only what is safe: it deletes orphan objects, aborts orphan multipart uploads, and finishes stuck
 * transitions. A confirmed record whose object is missing or differs cannot be repaired from here (the bytes are
 * gone): it is reported for a person to decide. So is a private object (bucket/private-keys.ts) that anyone can read:
 * what grants it (an ACL, a wider bucket policy, a CDN's access) is outside Hoist's keys.
 */
import { STUCK_TRANSITION_MS, type LedgerMaintenance } from '../storage/ledger.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from '../uploads/record.js'
import { assertScoped } from '../bucket/scope.js'
import { keysOf } from '../uploads/release.js'
import { isPrivateKey } from '../bucket/private-keys.js'
import { mapConcurrent } from '../concurrency.js'
import type { AnonymousReadProbe } from './anonymous-read.js'

/** Private objects asked about per run (the first listed): a sample, so a large bucket is not crawled by HTTP. */
export const PRIVATE_PROBE_LIMIT = 200

export interface DoctorOptions {
  maintenance: LedgerMaintenance
  store: ObjectStore
  keyPrefix: string
  /** Objects and multipart uploads younger than this are left alone (an upload may be under way). */
  graceMs: number
  fix: boolean
  /** --fix with an empty keyPrefix would delete every unknown object in the bucket: refused unless this is set. */
  wholeBucket?: boolean
  /** Asks whether anyone can read a private object; without it, private objects are not checked. */
  anonymousRead?: AnonymousReadProbe
  now?: Date
}

export interface DoctorReport {
  checked: {
    confirmedRecords: number
    pendingRecords: number
    objects: number
    multipartUploads: number
    privateObjects: number
  }
  missingObjects: { id: string; key: string }[]
  sizeMismatches: { id: string; key: string; recorded: number; stored: number }[]
  orphanObjects: { key: string; size: number; lastModified: string }[]
  orphanMultipartUploads: { key: string; uploadId: string }[]
  stuckTransitions: { uploadId: string; from: string }[]
  /** Private objects an unsigned request could read, and the URL that served each. */
  publiclyReadablePrivateObjects: { key: string; url: string }[]
  fixed: { deletedObjects: number; abortedMultipartUploads: number; completedTransitions: number }
  /** True when nothing is wrong (after --fix: nothing is left that it could not fix). */
  clean: boolean
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  if (options.fix)
    assertScoped(options.keyPrefix, options.wholeBucket ?? false, 'delete unknown objects (doctor --fix)')
  const now = options.now ?? new Date()
  const cutoff = now.getTime() - options.graceMs
  const report: DoctorReport = {
    checked: { confirmedRecords: 0, pendingRecords: 0, objects: 0, multipartUploads: 0, privateObjects: 0 },
    missingObjects: [],
    sizeMismatches: [],
    orphanObjects: [],
    orphanMultipartUploads: [],
    stuckTransitions: [],
    publiclyReadablePrivateObjects: [],
    fixed: { deletedObjects: 0, abortedMultipartUploads: 0, completedTransitions: 0 },
    clean: false,
  }

  // Transitions first: finishing one can change which records are live.
  for (const stuck of await options.maintenance.findStuckTransitions(new Date(now.getTime() - STUCK_TRANSITION_MS))) {
    report.stuckTransitions.push(stuck)
    if (options.fix && (await options.maintenance.completeStuckTransition(stuck.uploadId, stuck.from)))
      report.fixed.completedTransitions++
  }

  const live = new Map<string, UploadRecord>()
  // Quarantined files (waiting for their malware scan, maybe for long while clamd is down) are live too: counted
  // with the pending ones, never taken for orphans.
  for await (const record of options.maintenance.scan(['pending', 'quarantined', 'confirmed'])) {
    // Variants belong to their record as much as its own object does.
    for (const key of keysOf(record)) live.set(key, record)
    if (record.status === 'confirmed') report.checked.confirmedRecords++
    else report.checked.pendingRecords++
  }

  const stored = new Map<string, number>()
  const privateKeys: string[] = []
  for await (const object of options.store.list(options.keyPrefix)) {
    report.checked.objects++
    stored.set(object.key, object.size)
    if (isPrivateKey(options.keyPrefix, object.key) && privateKeys.length < PRIVATE_PROBE_LIMIT)
      privateKeys.push(object.key)
    if (live.has(object.key) || object.lastModified.getTime() > cutoff) continue
    report.orphanObjects.push({ key: object.key, size: object.size, lastModified: object.lastModified.toISOString() })
    if (options.fix) {
      await options.store.delete(object.key)
      report.fixed.deletedObjects++
    }
  }

  for (const record of new Set(live.values())) {
    if (record.status !== 'confirmed') continue
    // Records from before the prefix was set live outside the listing: ask for each.
    const size = record.key.startsWith(options.keyPrefix)
      ? stored.get(record.key)
      : (await options.store.head(record.key))?.size
    if (size === undefined) report.missingObjects.push({ id: record._id, key: record.key })
    else if (size !== record.size)
      report.sizeMismatches.push({ id: record._id, key: record.key, recorded: record.size, stored: size })
  }

  for (const upload of await options.store.listMultipartUploads(options.keyPrefix)) {
    report.checked.multipartUploads++
    const record = live.get(upload.key)
    const ours = record?.status === 'pending' && record.multipart?.uploadId === upload.uploadId
    if (ours || (upload.initiated && upload.initiated.getTime() > cutoff)) continue
    report.orphanMultipartUploads.push({ key: upload.key, uploadId: upload.uploadId })
    if (options.fix) {
      await options.store.abortMultipart(upload.key, upload.uploadId)
      report.fixed.abortedMultipartUploads++
    }
  }

  if (options.anonymousRead) {
    const probe = options.anonymousRead
    report.checked.privateObjects = privateKeys.length
    const served = await mapConcurrent(privateKeys, 8, async (key) => ({ key, url: await probe(key) }))
    for (const { key, url } of served) if (url) report.publiclyReadablePrivateObjects.push({ key, url })
  }

  const unfixable =
    report.missingObjects.length + report.sizeMismatches.length + report.publiclyReadablePrivateObjects.length
  const fixable = report.orphanObjects.length + report.orphanMultipartUploads.length + report.stuckTransitions.length
  report.clean = unfixable === 0 && (options.fix || fixable === 0)
  return report
}

export function formatDoctorReport(report: DoctorReport, fix: boolean): string {
  const { checked } = report
  const lines = [
    `checked ${checked.confirmedRecords} confirmed and ${checked.pendingRecords} pending records, ${checked.objects} objects, ${checked.multipartUploads} open multipart uploads, anonymous read of ${checked.privateObjects} private objects`,
  ]
  const section = (title: string, items: string[], fixedNote?: string): void => {
    if (items.length === 0) return
    lines.push(`${title}: ${items.length}${fixedNote ? ` (${fixedNote})` : ''}`)
    for (const item of items.slice(0, 50)) lines.push(`  ${item}`)
    if (items.length > 50) lines.push(`  … and ${items.length - 50} more (see --json)`)
  }
  section(
    'confirmed records whose object is MISSING',
    report.missingObjects.map((m) => `${m.id} ${m.key}`),
    'not repairable: restore the object from a backup',
  )
  section(
    'confirmed records whose object DIFFERS in size',
    report.sizeMismatches.map((m) => `${m.id} ${m.key}: recorded ${m.recorded}, stored ${m.stored}`),
    'not repairable here',
  )
  section(
    'PRIVATE objects anyone can read',
    report.publiclyReadablePrivateObjects.map((p) => `${p.key} served by ${p.url}`),
    'not repairable here: remove the object ACL, the bucket policy statement or the CDN access that grants it',
  )
  section(
    'objects with no live record',
    report.orphanObjects.map((o) => `${o.key} (${o.size} bytes, ${o.lastModified})`),
    fix ? `deleted ${report.fixed.deletedObjects}` : 'safe to delete: --fix',
  )
  section(
    'multipart uploads with no pending record',
    report.orphanMultipartUploads.map((m) => `${m.key} ${m.uploadId}`),
    fix ? `aborted ${report.fixed.abortedMultipartUploads}` : 'safe to abort: --fix',
  )
  section(
    'stuck transitions',
    report.stuckTransitions.map((s) => `${s.uploadId} leaving ${s.from}`),
    fix ? `completed ${report.fixed.completedTransitions}` : 'safe to complete: --fix',
  )
  lines.push(
    report.clean
      ? 'clean: every confirmed record has its object, nothing is orphaned, no private object is public'
      : 'NOT clean',
  )
  return lines.join('\n')
}
