/**
 * `hoist migrate`: moves the files of a legacy uploads directory into the bucket and rewrites the URLs stored in
 * MongoDB to their new public URLs. Safe to interrupt and re-run: keys are content-addressed, uploads are skipped
 * when the object already holds the same SHA-256, records are unique by key, and rewritten URLs no longer match.
 *
 * Order: list the files → (every document's legacy URLs, meanwhile) each file opened once, hashed, uploaded from the
 * same handle, checked in the bucket, its new URL checked to serve it, its record created — in parallel up to
 * --concurrency → the backup manifest → rewrite the documents whose every on-disk file passed all of that.
 */
import { writeFile } from 'node:fs/promises'
import type { Db } from 'mongodb'
import type { UploadLedger } from '../storage/ledger.js'
import type { LocalFileTarget, ObjectStore } from '../storage/object-store.js'
import { findDocumentReferences, rewriteDocuments } from './documents.js'
import { moveFiles } from './move-files.js'
import { recordFile } from './records.js'
import { relativePathOf, type LegacyUrlForms } from './references.js'
import { closePublicUrlConnections } from './safe-fetch.js'
import { emptyReport, type MigrationReport } from './report.js'
import { scanFiles } from './scan-files.js'
import type { Progress } from '../progress.js'

export type MigrationProgress = Progress

export interface MigrationOptions {
  from: string
  legacyDb: Db
  /** Collections to scan; default: every collection of the legacy database but Hoist's own. */
  collections?: string[]
  oldPrefixes: string[]
  dryRun: boolean
  concurrency: number
  workspaceId: string
  ledger: UploadLedger
  /** The bucket, as the API sees it plus what moving local files needs. */
  store: ObjectStore & LocalFileTarget
  keyPrefix: string
  multipartThreshold: number
  partSize: number
  manifestPath: string
  /** GET each new URL over HTTP (public bucket or CDN); otherwise HEAD through the S3 API only. */
  verifyPublic: boolean
  trustedOrigins: string[]
  progress?: MigrationProgress
}

export async function migrate(options: MigrationOptions): Promise<MigrationReport> {
  const report = emptyReport(options.dryRun, options.manifestPath)
  const phaseSeconds: Record<string, number> = {}
  report.phaseSeconds = phaseSeconds
  let mark = performance.now()
  const lap = (phase: string): void => {
    const now = performance.now()
    phaseSeconds[phase] = Number(((now - mark) / 1000).toFixed(2))
    mark = now
  }

  // 1. The files (names and sizes: each is read once, later).
  const files = await scanFiles(options.from)
  report.files.scanned = files.length
  report.files.bytes = files.reduce((sum, file) => sum + file.size, 0)
  lap('scan')

  // 2 and 3 at once: the database's legacy URLs, and the files into the bucket — each verified, then its record.
  // Which files exist decides where an unencoded URL ends (`/uploads/a b.png` names `a b.png` if it is there).
  const onDisk = new Set(files.map((file) => file.path))
  const forms: LegacyUrlForms = { prefixes: options.oldPrefixes, isFile: (path) => onDisk.has(path) }
  const [documents, moved] = await Promise.all([
    findDocumentReferences(options, forms, report),
    moveFiles(options, files, report, (key, entry) => recordFile(options, key, entry, report)),
  ]).finally(closePublicUrlConnections)
  lap('files')

  // 4. The backup manifest, before any document changes: every file as it was read (and uploaded).
  await writeFile(
    options.manifestPath,
    JSON.stringify({ root: options.from, createdAt: new Date().toISOString(), files: moved.manifest }, null, 2),
  )
  const referenced = new Set(documents.flatMap((doc) => doc.refs.map((ref) => ref.relativePath)))
  report.unreferencedFiles = files.filter((file) => !referenced.has(file.path)).map((file) => file.path)
  for (const doc of documents) {
    for (const ref of doc.refs) {
      if (!onDisk.has(ref.relativePath)) {
        report.missingFiles.push({
          url: ref.url,
          collection: doc.collection,
          documentId: String(doc.id),
          field: ref.path.join('.'),
        })
      }
    }
  }

  // 5. Rewrite the documents whose files are all verified.
  const newUrlOf = (url: string): string | undefined => {
    const key = moved.keyOf.get(relativePathOf(url, options.oldPrefixes) ?? '')
    return key !== undefined && moved.verifiedKeys.has(key) ? options.store.publicUrl(key) : undefined
  }
  await rewriteDocuments(options, forms, documents, newUrlOf, report)
  lap('rewrite')
  report.finishedAt = new Date().toISOString()
  return report
}
