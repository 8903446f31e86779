/**
 * The app's documents: found once to list their legacy URLs (step 2), rewritten once their files are verified
 * (step 5). Values are read with `promoteValues: false` so the fields written back keep their BSON types (a Long
 * stays a Long, a double 3.0 stays a double). One document that cannot be written is reported, and the rest go on.
 */
import type { Collection, Document } from 'mongodb'
import { mapConcurrent } from '../concurrency.js'
import { ATTEMPTS_COLLECTION, EVENTS_COLLECTION } from '../events/stored-event.js'
import { QUOTA_JOURNAL_COLLECTION } from '../storage/quota-journal.js'
import { planDocumentWrite } from './document-write.js'
import type { MigrationOptions } from './migrate.js'
import { findReferences, type LegacyUrlForms, type Reference } from './references.js'
import { listRewrites, type MigrationReport } from './report.js'

/** What scanning and rewriting the app's documents needs: `hoist migrate`'s options, and `hoist move`'s. */
export type DocumentPassOptions = Pick<
  MigrationOptions,
  'legacyDb' | 'collections' | 'dryRun' | 'concurrency' | 'progress'
>
/** The parts of a report the document pass fills in. */
export type DocumentPassReport = Pick<MigrationReport, 'documents' | 'references' | 'rewrites' | 'rewritesNotListed'>

export interface DocumentRefs {
  collection: string
  id: unknown
  refs: Reference[]
}

/** Hoist's own collections, when it shares the app's database: never scanned for references to migrate. */
const HOIST_COLLECTIONS = new Set([
  'uploads',
  EVENTS_COLLECTION,
  ATTEMPTS_COLLECTION,
  QUOTA_JOURNAL_COLLECTION,
  // Left by versions before the quota journal.
  'quota_leases',
])
/** Documents read per slice of the rewrite scan: the time between reading a document and writing it stays short. */
const SLICE = 64
/** A document the app keeps changing under us is retried this many times, then reported. */
const ATTEMPTS = 3
const READ = { promoteValues: false } as const

/** Identity of an `_id` of any type (ObjectId, string, number…), for lookups. */
const idKey = (id: unknown): string => `${(id as object | null)?.constructor?.name ?? typeof id}:${String(id)}`

export async function findDocumentReferences(
  options: Pick<DocumentPassOptions, 'legacyDb' | 'collections'>,
  forms: LegacyUrlForms,
  report: DocumentPassReport,
): Promise<DocumentRefs[]> {
  const names =
    options.collections ??
    (await options.legacyDb.listCollections({}, { nameOnly: true }).toArray())
      .map((collection) => collection.name)
      .filter((name) => !name.startsWith('system.') && !HOIST_COLLECTIONS.has(name))
      .sort()
  const found: DocumentRefs[] = []
  for (const collection of names) {
    for await (const doc of options.legacyDb.collection(collection).find({}, READ)) {
      report.documents.scanned++
      const refs = findReferences(doc, forms)
      if (refs.length === 0) continue
      report.documents.withReferences++
      report.references.found += refs.length
      found.push({ collection, id: doc._id, refs })
    }
  }
  return found
}

/**
 * Rewrites each document whose every on-disk file is verified (`hasFile` and `newUrlOf` tell); a dry run only lists
 * the rewrites. The collections are scanned again rather than each document fetched by id: one streaming read
 * instead of a round trip per document.
 */
export async function rewriteDocuments(
  options: DocumentPassOptions,
  forms: LegacyUrlForms,
  documents: DocumentRefs[],
  newUrlOf: (url: string) => string | undefined,
  report: DocumentPassReport,
): Promise<void> {
  const pending = new Map<string, Map<string, DocumentRefs>>()
  let pendingCount = 0
  for (const doc of documents) {
    const unverified = doc.refs.filter((ref) => forms.isFile(ref.relativePath) && newUrlOf(ref.url) === undefined)
    if (unverified.length > 0) {
      skip(report, doc, `${unverified.length} file(s) not verified in the bucket`)
      continue
    }
    if (!doc.refs.some((ref) => newUrlOf(ref.url) !== undefined)) continue
    if (options.dryRun) {
      countRewritten(report, doc, newUrlOf)
      continue
    }
    if (!pending.has(doc.collection)) pending.set(doc.collection, new Map())
    pending.get(doc.collection)!.set(idKey(doc.id), doc)
    pendingCount++
  }
  if (pendingCount === 0) return
  options.progress?.phase('rewriting documents', pendingCount)
  for (const [name, wanted] of pending) {
    const collection = options.legacyDb.collection(name)
    let slice: Document[] = []
    const flush = async (): Promise<void> => {
      await mapConcurrent(slice, options.concurrency, async (current) => {
        const doc = wanted.get(idKey(current._id))!
        try {
          if (await writeDocument(collection, current, options, forms, newUrlOf)) countRewritten(report, doc, newUrlOf)
        } catch (error) {
          skip(report, doc, `not written: ${(error as Error).message}`)
        }
        options.progress?.tick()
      })
      slice = []
    }
    for await (const current of collection.find({}, READ)) {
      if (!wanted.has(idKey(current._id))) continue
      slice.push(current)
      if (slice.length >= SLICE) await flush()
    }
    await flush()
  }
  options.progress?.done()
}

function countRewritten(
  report: DocumentPassReport,
  doc: DocumentRefs,
  newUrlOf: (url: string) => string | undefined,
): void {
  const rewrites = doc.refs.flatMap((ref) => {
    const to = newUrlOf(ref.url)
    return to === undefined
      ? []
      : [{ collection: doc.collection, documentId: String(doc.id), field: ref.path.join('.'), from: ref.url, to }]
  })
  report.documents.rewritten++
  report.references.rewritten += rewrites.length
  listRewrites(report, rewrites)
}

function skip(report: DocumentPassReport, doc: DocumentRefs, reason: string): void {
  report.documents.skipped.push({ collection: doc.collection, id: String(doc.id), reason })
}

/** True once written (or nothing left to change); retried on a fresh read when the app changed it meanwhile. */
async function writeDocument(
  collection: Collection,
  read: Document,
  options: DocumentPassOptions,
  forms: LegacyUrlForms,
  newUrlOf: (url: string) => string | undefined,
): Promise<boolean> {
  let current: Document | null = read
  for (let attempt = 1; current && attempt <= ATTEMPTS; attempt++) {
    const write = planDocumentWrite(current, forms, newUrlOf)
    if (!write) return false
    const id: Document = { _id: current._id as unknown }
    const result =
      write.kind === 'set'
        ? await collection.updateOne(write.filter, write.update)
        : write.kind === 'replace'
          ? await collection.replaceOne(id, write.replacement)
          : await collection.updateOne(id, write.pipeline)
    if (result.matchedCount === 1) return true
    current = await collection.findOne(id, READ)
  }
  if (!current) return false
  throw new Error(`changed by another writer ${ATTEMPTS} times in a row`)
}
