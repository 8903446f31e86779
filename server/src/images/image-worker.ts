/**
 * The image worker (`hoist worker`): takes confirmed images, PDFs and videos from the outbox (each claimed once however
 * many workers run; a PDF's first page or a video's poster frame is its image: preview-source.ts), reads the original
 * from the bucket, writes its variants beside it, records them on the upload and emits `upload.processed`. A bad image (a bomb, a truncated file, not an image at all) ends at once with a
 * `processingError` on the record and the event; a failure of the bucket or database is retried with back-off, then
 * parked the same way. Killed mid-job, the next worker redoes the job: the variant keys are the same, so nothing is
 * duplicated, and the record only changes once every variant is written. If the upload was deleted in the meantime,
 * the job deletes the variants it wrote.
 */
import type { ImageVariant } from '@hoist/protocol'
import type { MongoEventLog } from '../events/mongo-event-log.js'
import type { CountTransition } from '../metrics/observers.js'
import type { OutboxWork } from '../events/outbox-work.js'
import { OutboxWorker, type AttemptOutcome, type OutboxWorkerOptions } from '../events/outbox-worker.js'
import { eventFields, type StoredEvent } from '../events/stored-event.js'
import type { ImageResult, ImageResults, UploadLedger } from '../storage/ledger.js'
import type { DerivedObjects, ObjectStore } from '../storage/object-store.js'
import { uploadTracing } from '../telemetry/upload-tracing.js'
import { publicUrlField, type UploadRecord } from '../uploads/record.js'
import { ImageRejected, makeVariants, type VariantOptions } from './make-variants.js'
import { previewSource, type PreviewOptions } from './preview-source.js'
import { isVariantKey, variantKey, variantPrefix } from './variant-keys.js'

export interface ImageWorkerOptions extends Pick<OutboxWorkerOptions, 'clock' | 'pollMs' | 'onAttempt'> {
  work: OutboxWork
  events: MongoEventLog
  ledger: UploadLedger & ImageResults
  store: ObjectStore & DerivedObjects
  variants: VariantOptions
  /** What PDFs and videos are previewed with, and the size limits of what is read. */
  previews: PreviewOptions
  /** Images in flight at once. */
  concurrency: number
  /** New events start out pending webhook delivery. */
  webhooks: boolean
  /** Told of each upload.processed this worker writes (the metrics). */
  countTransition?: CountTransition
}

/** Retries of a job that failed for a reason outside the image (the bucket or MongoDB away), then it is parked. */
const RETRY_DELAYS_SECONDS = [10, 60, 600, 3600]

export function imageWorker(options: ImageWorkerOptions): OutboxWorker {
  return new OutboxWorker({
    ...options,
    batchSize: options.concurrency * 2,
    retryDelaysSeconds: RETRY_DELAYS_SECONDS,
    // An attempt is bounded by the job timeout; the margin covers reading the original and writing the variants.
    leaseMs: options.variants.timeoutSeconds * 1000 + 60_000,
    attempt: (event, now, final) =>
      uploadTracing().continueUpload(
        'hoist.image.process',
        event.uploadId,
        event,
        () => processOne(options, event, now, final),
        (outcome) => ({ 'hoist.outcome': outcome.state }),
      ),
  })
}

async function processOne(
  options: ImageWorkerOptions,
  event: StoredEvent,
  now: Date,
  final: boolean,
): Promise<AttemptOutcome> {
  const record = await options.ledger.getById(event.uploadId).catch(() => undefined)
  if (!record) return { state: 'retry', lastError: 'the record could not be read' }
  // Deleted since it was confirmed: nothing to make, but maybe something to remove.
  if (record.status !== 'confirmed') return dropVariants(options, record)
  try {
    const started = Date.now()
    const budgetMs = options.variants.timeoutSeconds * 1000
    const original = await previewSource(options.store, record, options.previews, budgetMs)
    if (original === 'missing') return await fail(options, record, now, 'the original is missing from the bucket')
    // No preview to make (a video without ffmpeg): nothing recorded, no event.
    if (original === 'none') return { state: 'processed' }
    // Rendering a page or grabbing a frame spent part of the job's budget: their variants get the rest.
    const spentMs = record.kind === 'image' ? 0 : Date.now() - started
    const timeoutSeconds = Math.max(1, Math.ceil((budgetMs - spentMs) / 1000))
    const made = await makeVariants(original, { ...options.variants, timeoutSeconds })
    const variants: ImageVariant[] = []
    for (const variant of made.variants) {
      const key = variantKey(record.key, variant.width, variant.format)
      await options.store.writeObject(key, variant.bytes, variant.contentType)
      variants.push({
        width: variant.width,
        height: variant.height,
        format: variant.format,
        key,
        ...publicUrlField(record, key, options.store),
        bytes: variant.bytes.length,
      })
    }
    const after = await options.ledger.recordImage(record._id, {
      image: { width: made.width, height: made.height, placeholder: made.placeholder },
      variants,
      processedAt: now,
    })
    // Deleted while we worked: its deletion did not know these variants.
    if (after?.status !== 'confirmed') return await dropVariants(options, record)
    await emitProcessed(options, after, now)
    return { state: 'processed' }
  } catch (error) {
    if (error instanceof ImageRejected) return await fail(options, record, now, error.message)
    const message = `could not read the original or write the variants: ${(error as Error).message}`
    if (final) return await fail(options, record, now, message)
    return { state: 'retry', lastError: message }
  }
}

/**
 * The upload is no longer confirmed (deleted, most often). Its deletion removed the variants recorded on it, but not
 * those this job wrote without recording them: an attempt that failed halfway (the bucket froze between two variants)
 * and was retried after the delete, or one that finished after it. They are found by their keys and deleted.
 */
async function dropVariants(options: ImageWorkerOptions, record: UploadRecord): Promise<AttemptOutcome> {
  try {
    const keys: string[] = []
    for await (const object of options.store.list(variantPrefix(record.key)))
      if (isVariantKey(record.key, object.key)) keys.push(object.key)
    await Promise.all(keys.map((key) => options.store.delete(key)))
    return { state: 'processed' }
  } catch (error) {
    return {
      state: 'retry',
      lastError: `could not delete the variants of a deleted upload: ${(error as Error).message}`,
    }
  }
}

async function fail(
  options: ImageWorkerOptions,
  record: UploadRecord,
  now: Date,
  processingError: string,
): Promise<AttemptOutcome> {
  const result: ImageResult = { processingError, processedAt: now }
  const after = await options.ledger.recordImage(record._id, result)
  if (after) await emitProcessed(options, after, now)
  return { state: 'failed', lastError: processingError }
}

/** `upload.processed`, once per upload (its key is unique: a retried job does not send it twice). */
async function emitProcessed(options: ImageWorkerOptions, record: UploadRecord, now: Date): Promise<void> {
  const written = await options.events.append({
    _id: `${record._id}:processed`,
    uploadId: record._id,
    ...eventFields('upload.processed', record, now, options.webhooks),
  })
  if (written) options.countTransition?.('processed', 'worker')
}
