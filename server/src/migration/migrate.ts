/**
 * `hoist migrate`: moves the files of a legacy uploads directory into the bucket and rewrites the URLs stored in
 * MongoDB to their new public URLs. Safe to interrupt and re-run: keys are content-addressed, uploads are skipped
 * when the object already holds the same SHA-256, records are unique by key, and rewritten URLs no longer match.
 *
 * Order: manifest (before anything changes) → upload + verify each file → upload records → rewrite documents
 * (only those whose every on-disk file is verified in the bucket) → check each new URL serves the right size.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Db, Document } from 'mongodb'
import { ATTEMPTS_COLLECTION, EVENTS_COLLECTION } from '../events/stored-event.js'
import { DuplicateRecordError, type UploadLedger } from '../storage/ledger.js'
import type { LocalFileTarget, ObjectStore } from '../storage/object-store.js'
import { newUploadId } from '../uploads/keys.js'
import type { UploadRecord } from '../uploads/record.js'
import { mapConcurrent } from '../concurrency.js'
import { legacyTypeOf } from './content-types.js'
import { findReferences, relativePathOf, rewriteUrls, type Reference } from './references.js'
import { emptyReport, type MigrationReport } from './report.js'
import { headPublicUrl } from './safe-fetch.js'
import { scanFiles, sha256OfFile, type ManifestEntry } from './scan-files.js'

export interface MigrationProgress {
  phase(name: string, total: number): void
  tick(): void
  done(): void
}

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

/** Hoist's own collections, when it shares the app's database: never scanned for references to migrate. */
const HOIST_COLLECTIONS = new Set(['uploads', EVENTS_COLLECTION, ATTEMPTS_COLLECTION])

interface DocumentRefs {
  collection: string
  id: unknown
  refs: Reference[]
}

/** Same content, same key: a file stored twice on disk is uploaded once, and a re-run finds it. */
function legacyKey(keyPrefix: string, workspaceId: string, entry: ManifestEntry): string {
  return `${keyPrefix}${workspaceId}/${entry.sha256.slice(0, 32)}.${legacyTypeOf(entry.path).extension}`
}

export async function migrate(options: MigrationOptions): Promise<MigrationReport> {
  const report = emptyReport(options.dryRun, options.manifestPath)
  const progress = options.progress

  // 1. The backup manifest, before anything changes.
  const manifest = await scanFiles(options.from)
  await writeFile(
    options.manifestPath,
    JSON.stringify({ root: options.from, createdAt: new Date().toISOString(), files: manifest }, null, 2),
  )
  report.files.scanned = manifest.length
  report.files.bytes = manifest.reduce((sum, entry) => sum + entry.size, 0)
  const byPath = new Map(manifest.map((entry) => [entry.path, entry]))

  // 2. Every legacy URL in the database.
  const documents = await findDocumentReferences(options, report)
  const referenced = new Set(documents.flatMap((doc) => doc.refs.map((ref) => ref.relativePath)))
  report.unreferencedFiles = manifest.filter((entry) => !referenced.has(entry.path)).map((entry) => entry.path)
  for (const doc of documents) {
    for (const ref of doc.refs) {
      if (!byPath.has(ref.relativePath)) {
        report.missingFiles.push({
          url: ref.url,
          collection: doc.collection,
          documentId: String(doc.id),
          field: ref.path.join('.'),
        })
      }
    }
  }

  // 3. Upload every file (once per content) and verify it in the bucket; then its confirmed record.
  const verifiedKeys = new Set<string>()
  const byKey = new Map<string, ManifestEntry>()
  for (const entry of manifest) {
    const key = legacyKey(options.keyPrefix, options.workspaceId, entry)
    if (!byKey.has(key)) byKey.set(key, entry)
  }
  progress?.phase(options.dryRun ? 'checking bucket' : 'uploading', byKey.size)
  await mapConcurrent([...byKey], options.concurrency, async ([key, entry]) => {
    try {
      if (await uploadOne(options, key, entry, report)) verifiedKeys.add(key)
      if (verifiedKeys.has(key) || options.dryRun) await recordOne(options, key, entry, report)
    } catch (error) {
      report.files.failed.push({ path: entry.path, error: (error as Error).message })
    }
    progress?.tick()
  })
  progress?.done()

  // 4. Rewrite the documents whose files are all verified.
  const newUrlOf = (url: string): string | undefined => {
    const entry = byPath.get(relativePathOf(url, options.oldPrefixes) ?? '')
    if (!entry) return undefined
    const key = legacyKey(options.keyPrefix, options.workspaceId, entry)
    return options.dryRun || verifiedKeys.has(key) ? options.store.publicUrl(key) : undefined
  }
  const rewrittenUrls = new Map<string, { key: string; size: number }>()
  progress?.phase(options.dryRun ? 'planning rewrites' : 'rewriting documents', documents.length)
  for (const doc of documents) {
    await rewriteDocument(options, doc, byPath, newUrlOf, report, rewrittenUrls)
    progress?.tick()
  }
  progress?.done()

  // 5. Each new URL must serve the file, with the right size.
  if (!options.dryRun) await verifyUrls(options, rewrittenUrls, report)
  report.finishedAt = new Date().toISOString()
  return report
}

async function findDocumentReferences(options: MigrationOptions, report: MigrationReport): Promise<DocumentRefs[]> {
  const names =
    options.collections ??
    (await options.legacyDb.listCollections({}, { nameOnly: true }).toArray())
      .map((collection) => collection.name)
      .filter((name) => !name.startsWith('system.') && !HOIST_COLLECTIONS.has(name))
      .sort()
  const found: DocumentRefs[] = []
  for (const collection of names) {
    for await (const doc of options.legacyDb.collection(collection).find({})) {
      report.documents.scanned++
      const refs = findReferences(doc, options.oldPrefixes)
      if (refs.length === 0) continue
      report.documents.withReferences++
      report.references.found += refs.length
      found.push({ collection, id: doc._id, refs })
    }
  }
  return found
}

/** Returns true when the object is in the bucket with this file's content (uploaded now or before). */
async function uploadOne(
  options: MigrationOptions,
  key: string,
  entry: ManifestEntry,
  report: MigrationReport,
): Promise<boolean> {
  const existing = await options.store.storedDigest(key)
  if (existing !== undefined) {
    if (existing.sha256 !== entry.sha256 || existing.size !== entry.size) {
      throw new Error(`s3://${options.store.bucket}/${key} exists with other content`)
    }
    report.files.alreadyInBucket++
    return true
  }
  report.files.uploaded++
  report.files.uploadedBytes += entry.size
  if (options.dryRun) return false
  const type = legacyTypeOf(entry.path)
  const file = join(options.from, ...entry.path.split('/'))
  await options.store.putLocalFile({
    key,
    file,
    size: entry.size,
    contentType: type.contentType,
    sha256Base64: (await sha256OfFile(file)).base64,
    sha256Hex: entry.sha256,
    attachment: type.kind === 'other',
    multipartThreshold: options.multipartThreshold,
    partSize: options.partSize,
  })
  const stored = await options.store.storedDigest(key)
  if (stored?.size !== entry.size || stored.sha256 !== entry.sha256)
    throw new Error(`s3://${options.store.bucket}/${key} did not verify after upload`)
  return true
}

async function recordOne(
  options: MigrationOptions,
  key: string,
  entry: ManifestEntry,
  report: MigrationReport,
): Promise<void> {
  if (await options.ledger.findByKey(key)) {
    report.records.existing++
    return
  }
  report.records.created++
  if (options.dryRun) return
  const now = new Date()
  const type = legacyTypeOf(entry.path)
  const record: UploadRecord = {
    _id: newUploadId(now),
    workspaceId: options.workspaceId,
    userId: 'migration',
    key,
    filename: entry.path.split('/').pop()!,
    contentType: type.contentType,
    kind: type.kind,
    size: entry.size,
    status: 'confirmed',
    strategy: 'single',
    url: options.store.publicUrl(key),
    source: 'migration',
    legacyPath: entry.path,
    createdAt: now,
    updatedAt: now,
    expiresAt: now,
    confirmedAt: now,
  }
  try {
    await options.ledger.insert(record)
  } catch (error) {
    if (!(error instanceof DuplicateRecordError)) throw error
    report.records.created--
    report.records.existing++
  }
}

async function rewriteDocument(
  options: MigrationOptions,
  doc: DocumentRefs,
  byPath: Map<string, ManifestEntry>,
  newUrlOf: (url: string) => string | undefined,
  report: MigrationReport,
  rewrittenUrls: Map<string, { key: string; size: number }>,
): Promise<void> {
  const unverified = doc.refs.filter((ref) => byPath.has(ref.relativePath) && newUrlOf(ref.url) === undefined)
  if (unverified.length > 0) {
    report.documents.skipped.push({
      collection: doc.collection,
      id: String(doc.id),
      reason: `${unverified.length} file(s) not verified in the bucket`,
    })
    return
  }
  const rewritable = doc.refs.filter((ref) => newUrlOf(ref.url) !== undefined)
  if (rewritable.length === 0) return
  report.references.rewritten += rewritable.length
  report.documents.rewritten++
  for (const ref of rewritable) {
    const entry = byPath.get(ref.relativePath)!
    rewrittenUrls.set(newUrlOf(ref.url)!, {
      key: legacyKey(options.keyPrefix, options.workspaceId, entry),
      size: entry.size,
    })
  }
  if (options.dryRun) return

  const collection = options.legacyDb.collection(doc.collection)
  const current = await collection.findOne({ _id: doc.id } as Document)
  if (!current) return
  const changes: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(current)) {
    if (field === '_id') continue
    const rewritten = rewriteUrls(value, options.oldPrefixes, newUrlOf)
    if (JSON.stringify(rewritten) !== JSON.stringify(value)) changes[field] = rewritten
  }
  if (Object.keys(changes).length > 0) await collection.updateOne({ _id: doc.id } as Document, { $set: changes })
}

async function verifyUrls(
  options: MigrationOptions,
  urls: Map<string, { key: string; size: number }>,
  report: MigrationReport,
): Promise<void> {
  options.progress?.phase('verifying URLs', urls.size)
  await mapConcurrent([...urls], options.concurrency, async ([url, { key, size }]) => {
    report.verification.checked++
    try {
      let served: number
      if (options.verifyPublic) {
        const response = await headPublicUrl(url, options.trustedOrigins)
        if (response.status !== 200) throw new Error(`HTTP ${response.status}`)
        served = response.contentLength
      } else {
        served = (await options.store.storedDigest(key))?.size ?? -1
      }
      if (served !== size) throw new Error(`serves ${served} bytes, expected ${size}`)
      report.verification.ok++
    } catch (error) {
      report.verification.failed.push({ url, problem: (error as Error).message })
    }
    options.progress?.tick()
  })
  options.progress?.done()
}
