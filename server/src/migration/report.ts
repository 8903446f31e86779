/** One URL of one document's field, old → new. */
export interface Rewrite {
  collection: string
  documentId: string
  /** Dotted path of the field, e.g. `steps.0.blocks.1.data.html`. */
  field: string
  from: string
  to: string
}

/** Rewrites listed in the JSON report; a larger migration counts the rest (the report stays a readable size). */
const REWRITES_LISTED = 10_000
/** Rewrites printed on the terminal; the report lists the others. */
const REWRITES_PRINTED = 20

/** What a migration run did (or, dry, would do): written as JSON every time, summarised on the terminal. */
export interface MigrationReport {
  dryRun: boolean
  startedAt: string
  finishedAt?: string
  manifestPath: string
  files: {
    scanned: number
    bytes: number
    uploaded: number
    uploadedBytes: number
    alreadyInBucket: number
    failed: { path: string; error: string }[]
  }
  records: { created: number; existing: number }
  documents: {
    scanned: number
    withReferences: number
    rewritten: number
    skipped: { collection: string; id: string; reason: string }[]
  }
  references: { found: number; rewritten: number }
  /** Referenced by the database but not on disk: their URLs were left unchanged. */
  missingFiles: { url: string; collection: string; documentId: string; field: string }[]
  /** On disk (and now in the bucket) but referenced by no document. */
  unreferencedFiles: string[]
  verification: { checked: number; ok: number; failed: { url: string; problem: string }[] }
  /** Each URL rewritten (dry run: to rewrite), old → new, up to REWRITES_LISTED of them. */
  rewrites: Rewrite[]
  /** Rewrites beyond REWRITES_LISTED: counted in `references.rewritten`, not listed. */
  rewritesNotListed: number
  /** Wall seconds of each phase, in order: where a slow run spent its time. */
  phaseSeconds?: Record<string, number>
}

export function emptyReport(dryRun: boolean, manifestPath: string): MigrationReport {
  return {
    dryRun,
    startedAt: new Date().toISOString(),
    manifestPath,
    files: { scanned: 0, bytes: 0, uploaded: 0, uploadedBytes: 0, alreadyInBucket: 0, failed: [] },
    records: { created: 0, existing: 0 },
    documents: { scanned: 0, withReferences: 0, rewritten: 0, skipped: [] },
    references: { found: 0, rewritten: 0 },
    missingFiles: [],
    unreferencedFiles: [],
    verification: { checked: 0, ok: 0, failed: [] },
    rewrites: [],
    rewritesNotListed: 0,
  }
}

export function listRewrites(
  report: Pick<MigrationReport, 'rewrites' | 'rewritesNotListed'>,
  rewrites: Rewrite[],
): void {
  const room = Math.max(0, REWRITES_LISTED - report.rewrites.length)
  report.rewrites.push(...rewrites.slice(0, room))
  report.rewritesNotListed += Math.max(0, rewrites.length - room)
}

export function summarise(report: MigrationReport): string {
  const verb = report.dryRun ? 'would' : ''
  const lines = [
    report.dryRun ? 'DRY RUN: nothing was changed.' : 'Migration finished.',
    `files on disk:        ${report.files.scanned} (${report.files.bytes} bytes)`,
    `uploaded:             ${report.files.uploaded} (${report.files.uploadedBytes} bytes) ${verb ? '(would upload)' : ''}`.trimEnd(),
    `already in bucket:    ${report.files.alreadyInBucket}`,
    `upload records:       ${report.records.created} ${report.dryRun ? 'to create' : 'created'}, ${report.records.existing} existing`,
    `documents:            ${report.documents.scanned} scanned, ${report.documents.withReferences} with old URLs, ${report.documents.rewritten} ${report.dryRun ? 'to rewrite' : 'rewritten'}`,
    `URL references:       ${report.references.found} found, ${report.references.rewritten} ${report.dryRun ? 'to rewrite' : 'rewritten'}`,
    `missing on disk:      ${report.missingFiles.length} reference(s) left unchanged`,
    `unreferenced files:   ${report.unreferencedFiles.length} (named by no old URL; in the bucket all the same)`,
  ]
  if (!report.dryRun)
    lines.push(
      `verified:             ${report.verification.ok}/${report.verification.checked} URLs serve the right size`,
    )
  const printed = report.rewrites.slice(0, REWRITES_PRINTED)
  if (printed.length > 0) lines.push(report.dryRun ? 'URLs to rewrite:' : 'URLs rewritten:')
  for (const rewrite of printed) {
    lines.push(`  ${rewrite.collection} ${rewrite.documentId} ${rewrite.field}: ${rewrite.from} → ${rewrite.to}`)
  }
  const unprinted = report.references.rewritten - printed.length
  if (unprinted > 0) lines.push(`  … and ${unprinted} more (see "rewrites" in the JSON report)`)
  for (const failure of report.files.failed) lines.push(`  FAILED upload ${failure.path}: ${failure.error}`)
  for (const failure of report.verification.failed) lines.push(`  FAILED check ${failure.url}: ${failure.problem}`)
  for (const missing of report.missingFiles.slice(0, 20)) {
    lines.push(`  missing: ${missing.url} (${missing.collection} ${missing.documentId} ${missing.field})`)
  }
  return lines.join('\n')
}
