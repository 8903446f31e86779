/**
 * Confirm: turns a pending upload whose object is verified in the bucket into a confirmed record with its final
 * URL — or, when it was uploaded to a quarantine key (malware scanning on), into a quarantined record without one,
 * which the scan worker publishes once clean (scan/scan-worker.ts). Reads at most the object's first 4 KiB (and a PDF's last KiB).
 * Idempotent; concurrent confirms make one transition and all answer with the stored record.
 */
import { partLength, type ConfirmedBy, type UploadView } from '@hoist/protocol'
import { NotUploadedYet, UploadBusy, UploadNotPending, UploadRejected, withDetails } from '../errors.js'
import { publishedKey } from '../bucket/private-keys.js'
import { IMMUTABLE_CACHE_CONTROL } from '../storage/cache-control.js'
import type { TransitionActor } from '../metrics/observers.js'
import type { ObjectStart } from '../storage/object-store.js'
import { findOwned, type ServiceDeps } from './deps.js'
import { mediaTypeOf, SIGNATURE_BYTES } from './media-types.js'
import type { Principal } from './principal.js'
import { publicUrlField, toView, type UploadRecord } from './record.js'
import { releaseStorage } from './release.js'
import { uploadTracing } from '../telemetry/upload-tracing.js'
import { purgeChange } from './tombstone.js'

type Verdict = { ok: true; head: ObjectStart['head'] } | { ok: false; reason: string }

/** Who confirmed, as the metrics count it. */
const ACTOR_OF: Record<ConfirmedBy, TransitionActor> = {
  client: 'client',
  sweeper: 'sweeper',
  'bucket-event': 'notification',
}

/**
 * Standard headers a PUT can add without breaking the signature, which the bucket would then serve with the file
 * (control 4 of the hardening issue): a Content-Disposition or Content-Encoding turns a download into something else.
 * Cache-Control is signed with Hoist's value; missing, it only means the URL was signed before Hoist set it.
 */
function headersHoistDidNotSet(head: ObjectStart['head']): string[] {
  return [
    ...(head.contentDisposition ? [`Content-Disposition: ${head.contentDisposition}`] : []),
    ...(head.contentEncoding ? [`Content-Encoding: ${head.contentEncoding}`] : []),
    ...(head.expires ? [`Expires: ${head.expires}`] : []),
    ...(head.cacheControl && head.cacheControl !== IMMUTABLE_CACHE_CONTROL
      ? [`Cache-Control: ${head.cacheControl}`]
      : []),
  ]
}

export class UploadConfirmer {
  constructor(private readonly deps: Pick<ServiceDeps, 'ledger' | 'store' | 'clock' | 'countTransition'>) {}

  async confirm(principal: Principal, id: string): Promise<UploadView> {
    return (await this.confirmRecord(await findOwned(this.deps.ledger, principal, id), 'client')).view
  }

  /**
   * Confirms a record, for the client or for the sweeper and bucket notifications, which find it by other means.
   * `confirmedNow` tells whether this call made the transition (a concurrent one may have). Throws as confirm answers.
   */
  async confirmRecord(
    record: UploadRecord,
    confirmedBy: ConfirmedBy,
  ): Promise<{ view: UploadView; confirmedNow: boolean }> {
    return uploadTracing().continueUpload(
      'hoist.upload.confirm',
      record._id,
      record,
      () => this.settle(record, confirmedBy),
      (result) => ({ 'hoist.confirmed_by': confirmedBy, 'hoist.confirmed_now': result.confirmedNow }),
    )
  }

  private async settle(
    record: UploadRecord,
    confirmedBy: ConfirmedBy,
  ): Promise<{ view: UploadView; confirmedNow: boolean }> {
    if (record.status !== 'pending') return { view: this.answerFor(record), confirmedNow: false }
    let verdict: Verdict
    try {
      if (record.multipart) await this.completeMultipart(record)
      verdict = await this.verify(record)
    } catch (error) {
      // The object vanished under us: the sweeper or a delete moved the record on. Answer for what it is now.
      if (error instanceof NotUploadedYet) {
        const current = await this.deps.ledger.getById(record._id)
        if (current && current.status !== 'pending') return { view: this.answerFor(current), confirmedNow: false }
      }
      throw error
    }
    if (!verdict.ok) {
      const rejected = await this.deps.ledger.transition(
        record._id,
        'pending',
        { status: 'rejected', reason: verdict.reason, ...purgeChange(record, this.deps.clock()) },
        record,
      )
      if (rejected) {
        this.deps.countTransition?.('rejected', ACTOR_OF[confirmedBy])
        await releaseStorage(this.deps, rejected)
      }
      return { view: this.answerFor(rejected ?? (await this.current(record))), confirmedNow: false }
    }

    const etag = verdict.head.etag ? { etag: verdict.head.etag } : {}
    // Every path that accepts an upload (the client, the sweeper, a bucket notification) comes through here, so a
    // file in quarantine is never published without its scan.
    const confirmed = await this.deps.ledger.transition(
      record._id,
      'pending',
      publishedKey(record.key)
        ? { status: 'quarantined', confirmedBy, ...etag }
        : {
            status: 'confirmed',
            confirmedBy,
            ...publicUrlField(record, record.key, this.deps.store),
            ...etag,
            confirmedAt: this.deps.clock(),
          },
      record,
    )
    if (confirmed) this.deps.countTransition?.('confirmed', ACTOR_OF[confirmedBy])
    // Lost the race (another confirm, the sweeper, a delete): answer with whatever won.
    return { view: this.answerFor(confirmed ?? (await this.current(record))), confirmedNow: confirmed !== undefined }
  }

  /** After losing a transition: the record as the winner leaves it. */
  private async current(record: UploadRecord): Promise<UploadRecord> {
    const settled = await this.deps.ledger.settled(record._id, 'pending')
    if (!settled) throw new UploadBusy(record._id)
    return settled
  }

  private answerFor(record: UploadRecord): UploadView {
    if (record.status === 'confirmed' || record.status === 'quarantined') return toView(record)
    if (record.status === 'rejected') throw new UploadRejected(record.reason ?? 'it did not match what was declared')
    if (record.status === 'pending') throw new UploadBusy(record._id)
    throw new UploadNotPending(record._id, record.status)
  }

  /**
   * One ranged GET answers for the object: its headers (size, type, the headers it would be served with) and its
   * first bytes. A declared checksum is read back with a HEAD: S3 returns it only to a read of the whole object.
   */
  private async verify(record: UploadRecord): Promise<Verdict> {
    const { store } = this.deps
    const start = await store.readStart(record.key, Math.min(SIGNATURE_BYTES, record.size))
    if (!start) throw new NotUploadedYet()
    const { head, prefix } = start
    if (head.size !== record.size) {
      return { ok: false, reason: `the bucket holds ${head.size} bytes but ${record.size} were declared` }
    }
    const storedType = head.contentType === undefined ? undefined : mediaTypeOf(head.contentType)?.contentType
    if (storedType !== record.contentType) {
      return { ok: false, reason: `the object's type is ${head.contentType ?? 'missing'}, not ${record.contentType}` }
    }
    if (record.checksumSha256) {
      const stored = await store.head(record.key)
      if (!stored) throw new NotUploadedYet()
      if (stored.checksumSha256 && stored.checksumSha256 !== record.checksumSha256)
        return { ok: false, reason: 'the SHA-256 checksum differs from the declared one' }
    }
    const foreign = headersHoistDidNotSet(head)
    if (foreign.length > 0)
      return { ok: false, reason: `the object carries ${foreign.join(', ')}, which Hoist did not set` }
    const mediaType = mediaTypeOf(record.contentType)
    if (!mediaType?.matches(prefix)) {
      return { ok: false, reason: `the file's content is not ${record.contentType}` }
    }
    if (mediaType.trailer) {
      const tail = await store.readSuffix(record.key, Math.min(mediaType.trailer.bytes, record.size))
      if (!tail) throw new NotUploadedYet()
      if (!mediaType.trailer.matches(tail)) {
        return { ok: false, reason: `the file does not end like ${record.contentType} (a truncated upload?)` }
      }
    }
    return { ok: true, head }
  }

  /**
   * Completes a multipart upload server-side from the bucket's own part list. If S3 no longer knows the upload
   * (completed by an earlier confirm that crashed, or a repeated complete that MinIO answers NoSuchUpload),
   * the HEAD in verify() decides.
   */
  private async completeMultipart(record: UploadRecord): Promise<void> {
    const { uploadId, partCount } = record.multipart!
    const parts = await this.deps.store.listParts(record.key, uploadId)
    if (parts === undefined) return
    const wanted = parts.filter((part) => part.partNumber <= partCount)
    const have = new Map(wanted.map((part) => [part.partNumber, part]))
    const missing: number[] = []
    for (let partNumber = 1; partNumber <= partCount && missing.length < 100; partNumber++) {
      const part = have.get(partNumber)
      if (!part || part.size !== partLength(record.size, record.multipart!, partNumber)) missing.push(partNumber)
    }
    if (missing.length > 0) throw withDetails(new NotUploadedYet(), { missingParts: missing })
    await this.deps.store.completeMultipart(record.key, uploadId, wanted)
  }
}
