/** What `hoist gc` found and did: printed as a summary, or as JSON with --json (this schema is its shape). */
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'

const CountAndBytes = Type.Object({ count: Type.Integer(), bytes: Type.Integer() })

const GcReportSchema = Type.Object({
  dryRun: Type.Boolean(),
  graceSeconds: Type.Integer(),
  /** The database server's time the grace was judged against. */
  judgedAt: Type.String({ format: 'date-time' }),
  uploads: Type.Object({
    /** Confirmed uploads under S3_KEY_PREFIX. */
    confirmed: Type.Integer(),
    /** Confirmed less than the grace period ago: left alone. */
    withinGrace: Type.Integer(),
    /** Held by an attachment when the candidates were collected. */
    attached: Type.Integer(),
    /** Referenced by a document of the named collections. */
    referenced: Type.Integer(),
    /** Attached, deleted or changed between the scan and their delete: left alone. */
    changedMeanwhile: Type.Integer(),
  }),
  documents: Type.Object({ collections: Type.Array(Type.String()), scanned: Type.Integer() }),
  /** Neither attached nor referenced, past the grace period (the file and its variants). */
  unreferenced: CountAndBytes,
  /** Of those, deleted (none in a dry run). */
  deleted: CountAndBytes,
  /** Deletes that failed: the upload stays and the next run tries again. */
  failed: Type.Array(Type.Object({ id: Type.String(), error: Type.String() })),
  /** Attached after the last check, while their delete was under way: the race gc cannot close (see collect.ts). */
  attachedWhileDeleting: Type.Array(Type.String()),
  /** Wall seconds of each step: collecting the candidates, scanning the documents, checking and deleting. */
  seconds: Type.Object({ candidates: Type.Number(), documents: Type.Number(), deletes: Type.Number() }),
})
export type GcReport = Static<typeof GcReportSchema>

/** Reads `hoist gc --json`'s output (the bench, the tests): the report, or an error saying it is not one. */
export function parseGcReport(json: string): GcReport {
  const value: unknown = JSON.parse(json)
  if (!Value.Check(GcReportSchema, value)) throw new Error(`not a hoist gc report: ${json.slice(0, 200)}`)
  return value
}

export function emptyReport(dryRun: boolean, graceMs: number, judgedAt: Date, collections: string[]): GcReport {
  return {
    dryRun,
    graceSeconds: Math.round(graceMs / 1000),
    judgedAt: judgedAt.toISOString(),
    uploads: { confirmed: 0, withinGrace: 0, attached: 0, referenced: 0, changedMeanwhile: 0 },
    documents: { collections, scanned: 0 },
    unreferenced: { count: 0, bytes: 0 },
    deleted: { count: 0, bytes: 0 },
    failed: [],
    attachedWhileDeleting: [],
    seconds: { candidates: 0, documents: 0, deletes: 0 },
  }
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`

export function summariseGc(report: GcReport): string {
  const { uploads, documents, unreferenced, deleted } = report
  const lines = [
    `${uploads.confirmed} confirmed upload(s): ${uploads.withinGrace} within the grace period, ${uploads.attached} attached, ${uploads.referenced} referenced by ${documents.scanned} document(s) of ${documents.collections.join(', ')}`,
    report.dryRun
      ? `dry run: ${unreferenced.count} unreferenced upload(s), ${mib(unreferenced.bytes)}, would be deleted; nothing changed`
      : `deleted ${deleted.count} unreferenced upload(s), ${mib(deleted.bytes)}`,
  ]
  if (uploads.changedMeanwhile > 0) lines.push(`${uploads.changedMeanwhile} left alone: attached or changed meanwhile`)
  for (const { id, error } of report.failed) lines.push(`failed ${id}: ${error}`)
  for (const id of report.attachedWhileDeleting) lines.push(`warning: ${id} was attached while it was being deleted`)
  return lines.join('\n')
}
