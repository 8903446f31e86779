/**
 * Reference-aware cleanup (`hoist gc`): deletes the confirmed uploads that nothing uses any more — no attachment holds
 * them, no document of the app's named collections references them — once past the grace period.
 *
 * Order, so that a reference written while gc runs is seen: (1) collect the candidates (confirmed, past the grace,
 * not attached), (2) scan the app's documents and drop every candidate one references, (3) right before each delete,
 * read its attachments and its record again. Only the candidates (ids, keys, bytes) are kept in memory; documents are
 * streamed through a cursor, so a large collection runs in bounded memory.
 *
 * The race that remains: an attach that lands between step 3's check and the delete (milliseconds) finds the record
 * still confirmed and succeeds, and the file is deleted anyway; gc then sees the attachment and reports it
 * (`attachedWhileDeleting`), it cannot undo it. A document that starts referencing an upload after the scan passed it
 * (an old upload's URL pasted into a new document during the run) is not seen at all: attachments are the app's way to
 * say "in use" with no such window, and the grace period keeps every recent upload out of reach.
 *
 * Time: the grace is judged against `now`, the database server's clock read once (databaseTime), never the clock of
 * the host gc runs on. The record's `confirmedAt` was stamped by the API instance that confirmed it, so a skew between
 * that instance and the database shifts the grace by the skew — immaterial for a grace of days (the minimum is a
 * minute). Never deleting a referenced or attached file rests on no clock at all: only on the scan and the re-checks.
 */
import { mapConcurrent } from '../concurrency.js'
import type { Progress } from '../progress.js'
import type { AttachmentStore } from '../storage/attachments.js'
import type { LedgerMaintenance, UploadLedger } from '../storage/ledger.js'
import type { ObjectStore } from '../storage/object-store.js'
import type { UploadRecord } from '../uploads/record.js'
import { deleteConfirmed, keysOf } from '../uploads/release.js'
import { ReferenceMatcher, type Candidate, type ReferenceForms } from './reference-matcher.js'
import { emptyReport, type GcReport } from './report.js'

/** The app's documents, by collection: counted (an estimate, for progress) and streamed. */
interface AppDocuments {
  estimatedCount(collection: string): Promise<number>
  documents(collection: string): AsyncIterable<unknown>
}

export interface GcOptions {
  ledger: UploadLedger & Pick<LedgerMaintenance, 'scan'>
  attachments: AttachmentStore
  store: ObjectStore
  app: AppDocuments
  collections: string[]
  forms: ReferenceForms
  /** S3_KEY_PREFIX: only uploads under it are Hoist's to delete. */
  keyPrefix: string
  graceMs: number
  /** What the grace is judged against: the database server's clock (see above). */
  now: Date
  dryRun: boolean
  /** Deletes in flight at once. */
  concurrency?: number
  progress?: Progress
}

/** Records whose attachments are looked up in one query. */
const BATCH = 500

export async function collectUnreferenced(options: GcOptions): Promise<GcReport> {
  const report = emptyReport(options.dryRun, options.graceMs, options.now, options.collections)
  let mark = performance.now()
  const lap = (): number => {
    const seconds = Number(((performance.now() - mark) / 1000).toFixed(2))
    mark = performance.now()
    return seconds
  }
  const candidates = await findCandidates(options, report)
  report.seconds.candidates = lap()
  if (candidates.size > 0) await dropReferenced(options, candidates, report)
  report.seconds.documents = lap()
  await deleteCandidates(options, [...candidates.values()], report)
  report.seconds.deletes = lap()
  return report
}

const bytesOf = (record: UploadRecord): number =>
  record.size + (record.variants ?? []).reduce((sum, variant) => sum + variant.bytes, 0)

/** Confirmed uploads of the prefix, past the grace period, that no attachment holds. */
async function findCandidates(options: GcOptions, report: GcReport): Promise<Map<string, Candidate>> {
  const candidates = new Map<string, Candidate>()
  const cutoff = options.now.getTime() - options.graceMs
  let batch: UploadRecord[] = []
  const flush = async (): Promise<void> => {
    const attached = await attachedAmong(options.attachments, batch)
    for (const record of batch) {
      if (attached.has(record._id)) report.uploads.attached++
      else
        candidates.set(record._id, {
          id: record._id,
          workspaceId: record.workspaceId,
          keys: keysOf(record),
          bytes: bytesOf(record),
        })
    }
    batch = []
  }
  for await (const record of options.ledger.scan(['confirmed'])) {
    if (!record.key.startsWith(options.keyPrefix)) continue
    report.uploads.confirmed++
    if ((record.confirmedAt ?? record.createdAt).getTime() > cutoff) {
      report.uploads.withinGrace++
      continue
    }
    batch.push(record)
    if (batch.length >= BATCH) await flush()
  }
  await flush()
  return candidates
}

/** The ids among `records` that hold at least one attachment (one query per workspace in the batch). */
async function attachedAmong(attachments: AttachmentStore, records: readonly UploadRecord[]): Promise<Set<string>> {
  const byWorkspace = new Map<string, string[]>()
  for (const record of records)
    byWorkspace.set(record.workspaceId, [...(byWorkspace.get(record.workspaceId) ?? []), record._id])
  const attached = new Set<string>()
  for (const [workspaceId, ids] of byWorkspace)
    for (const id of (await attachments.referencesOf(workspaceId, ids)).keys()) attached.add(id)
  return attached
}

/** Streams every document of the named collections; a candidate one references is no longer a candidate. */
async function dropReferenced(options: GcOptions, candidates: Map<string, Candidate>, report: GcReport): Promise<void> {
  const matcher = new ReferenceMatcher([...candidates.values()], options.forms)
  for (const collection of options.collections) {
    options.progress?.phase(`scanning ${collection}`, await options.app.estimatedCount(collection))
    for await (const document of options.app.documents(collection)) {
      report.documents.scanned++
      for (const id of matcher.referencedIn(document)) if (candidates.delete(id)) report.uploads.referenced++
      options.progress?.tick()
    }
    options.progress?.done()
  }
}

async function deleteCandidates(options: GcOptions, candidates: Candidate[], report: GcReport): Promise<void> {
  if (candidates.length === 0) return
  options.progress?.phase(options.dryRun ? 'checking' : 'deleting', candidates.length)
  const clock = (): Date => new Date()
  await mapConcurrent(candidates, options.concurrency ?? 4, async (candidate) => {
    try {
      const attachedNow = await options.attachments.referencesOf(candidate.workspaceId, [candidate.id])
      const record = await options.ledger.getById(candidate.id)
      if (attachedNow.has(candidate.id) || record?.status !== 'confirmed') {
        report.uploads.changedMeanwhile++
        return
      }
      report.unreferenced.count++
      report.unreferenced.bytes += bytesOf(record)
      if (options.dryRun) return
      // Through the API's own delete path: objects (the file and every variant it has now), then the record, whose
      // transition writes the `upload.deleted` event with the reason.
      if (!(await deleteConfirmed({ ...options, clock }, record, 'unreferenced'))) {
        report.uploads.changedMeanwhile++
        return
      }
      report.deleted.count++
      report.deleted.bytes += bytesOf(record)
      const attachedAfter = await options.attachments.referencesOf(candidate.workspaceId, [candidate.id])
      if (attachedAfter.has(candidate.id)) report.attachedWhileDeleting.push(candidate.id)
    } catch (error) {
      report.failed.push({ id: candidate.id, error: (error as Error).message })
    } finally {
      options.progress?.tick()
    }
  })
  options.progress?.done()
}
