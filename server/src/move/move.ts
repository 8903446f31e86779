/**
 * `hoist move`: moves every object under the key prefix to another bucket (another region, another S3-compatible
 * store), then points every URL at it. Safe to kill and run again: a verified copy already at the target is not
 * copied again, records and documents already rewritten no longer match the old URLs, and the source is only ever
 * deleted (--delete-source) once everything else is done.
 *
 * Order: list the source → copy and verify each object → rewrite Hoist's records → rewrite the app's documents of
 * the named collections (the scan, reference matching and writes of `hoist migrate`) → only when nothing failed,
 * delete the source's objects.
 */
import type { Db } from 'mongodb'
import { mapConcurrent } from '../concurrency.js'
import { findDocumentReferences, rewriteDocuments } from '../migration/documents.js'
import type { Progress } from '../progress.js'
import type { LedgerMaintenance, UploadLedger } from '../storage/ledger.js'
import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import type { BucketEnd } from './copy-object.js'
import { copyObjects, listObjects } from './copy-objects.js'
import { rewriteRecords } from './records.js'
import { emptyMoveReport, unfinished, type MoveReport } from './report.js'
import { movedUrl, sourceUrlForms } from './urls.js'

export interface MoveOptions {
  source: BucketEnd
  target: BucketEnd & {
    /** The permanent URL of a key at the target (its public or CDN base). */
    publicUrl: (key: string) => string
  }
  /** Only keys under this prefix move (S3_KEY_PREFIX). */
  keyPrefix: string
  /** The source's base URLs as documents may hold them: its public or CDN base, the bucket's own URL… */
  oldBases: string[]
  targetBucket: MoveReport['targetBucket']
  ledger: UploadLedger & LedgerMaintenance
  appDb: Db
  collections: string[]
  dryRun: boolean
  deleteSource: boolean
  /** Objects copied at once (each holds up to one part in memory), and documents written at once. */
  concurrency: number
  /** Objects larger than this are copied in parts of this size. */
  partSize: number
  progress?: Progress
}

export async function move(options: MoveOptions): Promise<MoveReport> {
  const report = emptyMoveReport(options.dryRun)
  report.targetBucket = options.targetBucket
  let mark = performance.now()
  const lap = (phase: string): void => {
    const now = performance.now()
    report.phaseSeconds[phase] = Number(((now - mark) / 1000).toFixed(2))
    mark = now
  }

  const objects = await listObjects(options.source, options.keyPrefix)
  report.objects.listed = objects.length
  report.objects.bytes = objects.reduce((sum, object) => sum + object.size, 0)
  lap('list')
  const verified = await copyObjects({ ...options, targetExists: options.targetBucket === 'existing' }, objects, report)
  lap('copy')

  const newUrlOfKey = (key: string): string | undefined =>
    verified.has(key) ? options.target.publicUrl(key) : undefined
  await rewriteRecords(options.ledger, newUrlOfKey, options.dryRun, report)
  lap('records')

  const inSource = new Set(objects.map((object) => object.key))
  const forms = sourceUrlForms(options.oldBases, (key) => inSource.has(key))
  const documents = await findDocumentReferences(
    { legacyDb: options.appDb, collections: options.collections },
    forms,
    report,
  )
  report.missingKeys = documents.flatMap((doc) => doc.refs).filter((ref) => !inSource.has(ref.relativePath)).length
  await rewriteDocuments(
    { ...options, legacyDb: options.appDb },
    forms,
    documents,
    (url) => movedUrl(url, options.oldBases, newUrlOfKey),
    report,
  )
  lap('documents')

  if (options.deleteSource) {
    await deleteSource(options, [...verified], report)
    lap('delete')
  }
  report.finishedAt = new Date().toISOString()
  return report
}

/** Deletes the source's objects — only when every copy verified and every URL that named them was rewritten. */
async function deleteSource(options: MoveOptions, keys: string[], report: MoveReport): Promise<void> {
  if (options.dryRun) return
  if (unfinished(report) > 0) {
    report.sourceKeptBecause = `${unfinished(report)} failure(s) above: fix them and run again`
    return
  }
  options.progress?.phase('deleting source', keys.length)
  await mapConcurrent(keys, options.concurrency, async (key) => {
    await options.source.client.send(new DeleteObjectCommand({ Bucket: options.source.bucket, Key: key }))
    report.objects.deletedFromSource++
    options.progress?.tick()
  })
  options.progress?.done()
}
