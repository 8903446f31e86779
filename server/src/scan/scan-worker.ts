/**
 * The malware scan (SCAN=clamav): takes quarantined uploads from the outbox (each `upload.quarantined` event claimed
 * once however many API processes run), streams the file from its quarantine key to clamd, and then
 * - clean: copies it to its public key inside the bucket, confirms the record (its `upload.confirmed` event, and image
 *   processing after that), deletes the quarantine copy;
 * - infected: rejects the record with reason `malware` and the signature, deletes the file (an `upload.rejected` event);
 * - larger than clamd takes (SCAN_MAX_BYTES): as SCAN_OVERSIZE says, rejected (`too large to scan`) or published;
 * - clamd unreachable, silent past SCAN_TIMEOUT_SECONDS, or the bucket away: left quarantined and tried again on the
 *   retry schedule, whose last delay repeats for ever — a file is never published without its scan.
 */
import { publishedKey } from '../bucket/private-keys.js'
import type { OutboxWork } from '../events/outbox-work.js'
import { OutboxWorker, type AttemptOutcome, type OutboxWorkerOptions } from '../events/outbox-worker.js'
import type { StoredEvent } from '../events/stored-event.js'
import type { UploadLedger } from '../storage/ledger.js'
import type { ObjectHead, ObjectStore, QuarantinedObjects } from '../storage/object-store.js'
import { publicUrlField, type UploadRecord } from '../uploads/record.js'
import { releaseStorage } from '../uploads/release.js'
import { purgeChange } from '../uploads/tombstone.js'
import { scanStream, type ClamdAddress, type ScanVerdict } from './clamd-client.js'

export interface ScanWorkerOptions extends Pick<OutboxWorkerOptions, 'clock' | 'pollMs' | 'onAttempt'> {
  work: OutboxWork
  ledger: UploadLedger
  store: ObjectStore & QuarantinedObjects
  clamd: ClamdAddress
  /** The budget of one scan: connecting, streaming, clamd's answer. */
  timeoutMs: number
  /** clamd's StreamMaxLength: larger files are not sent (clamd would cut them off). */
  maxBytes: number
  oversize: 'reject' | 'publish'
  retryDelaysSeconds: readonly number[]
  /** Scans in flight at once (default 2). */
  concurrency?: number
}

const MALWARE_REASON = 'malware'
const OVERSIZE_REASON = 'too large to scan'

export function scanWorker(options: ScanWorkerOptions): OutboxWorker {
  const concurrency = options.concurrency ?? 2
  return new OutboxWorker({
    ...options,
    concurrency,
    batchSize: concurrency * 2,
    retryForever: true,
    // An attempt is bounded by the scan's budget; the margin covers the HEAD, the copy and the record's change.
    leaseMs: options.timeoutMs + 60_000,
    attempt: (event) => scanOne(options, event),
  })
}

async function scanOne(options: ScanWorkerOptions, event: StoredEvent): Promise<AttemptOutcome> {
  try {
    const record = await options.ledger.getById(event.uploadId)
    // Deleted while it waited, or published by an earlier attempt: nothing left to scan.
    if (record?.status !== 'quarantined') return { state: 'scanned' }
    const target = publishedKey(record.key)
    if (!target) return { state: 'failed', lastError: `${record.key} is not a quarantine key` }
    const head = await options.store.head(record.key)
    if (!head) return { state: 'retry', lastError: 'the quarantined file is missing from the bucket' }
    const verdict = await scan(options, record, head)
    if (verdict.verdict === 'clean' || (verdict.verdict === 'oversize' && options.oversize === 'publish'))
      await publish(options, record, target, head)
    else if (verdict.verdict === 'infected') await reject(options, record, MALWARE_REASON, verdict.signature)
    else await reject(options, record, OVERSIZE_REASON)
    return { state: 'scanned' }
  } catch (error) {
    return { state: 'retry', lastError: `could not scan: ${(error as Error).message}` }
  }
}

async function scan(options: ScanWorkerOptions, record: UploadRecord, head: ObjectHead): Promise<ScanVerdict> {
  if (head.size > options.maxBytes) return { verdict: 'oversize' }
  const body = await options.store.openObject(record.key)
  if (!body) throw new Error('the quarantined file is missing from the bucket')
  return scanStream(options.clamd, body, options.timeoutMs)
}

/** Copy to the published key (public, or a private upload's private one), confirm, then drop the quarantine copy: a crash in between leaves a retry, never a gap. */
async function publish(
  options: ScanWorkerOptions,
  record: UploadRecord,
  target: string,
  head: ObjectHead,
): Promise<void> {
  await options.store.copyObject(record.key, target, head)
  const confirmed = await options.ledger.transition(record._id, 'quarantined', {
    status: 'confirmed',
    key: target,
    ...publicUrlField(record, target, options.store),
    confirmedAt: options.clock(),
  })
  if (!confirmed) {
    // Deleted while it was scanned: that deletion knew only the quarantine key.
    const now = await options.ledger.getById(record._id)
    if (now?.key !== target) await options.store.delete(target)
    return
  }
  await options.store.delete(record.key)
}

async function reject(
  options: ScanWorkerOptions,
  record: UploadRecord,
  reason: string,
  malwareSignature?: string,
): Promise<void> {
  const rejected = await options.ledger.transition(record._id, 'quarantined', {
    status: 'rejected',
    reason,
    ...(malwareSignature ? { malwareSignature } : {}),
    ...purgeChange(record, options.clock()),
  })
  if (rejected) await releaseStorage(options, rejected)
}
