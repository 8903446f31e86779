/** What a `hoist move` run did (or, dry, would do). */
import type { DocumentPassReport } from '../migration/documents.js'

export interface MoveReport extends DocumentPassReport {
  dryRun: boolean
  startedAt: string
  finishedAt?: string
  /** The target bucket: there already, created and set up, or (dry run) to be created. */
  targetBucket: 'existing' | 'created' | 'to create'
  objects: {
    /** Under the key prefix in the source. */
    listed: number
    bytes: number
    /** Copied and verified by this run (dry run: to copy). */
    copied: number
    copiedBytes: number
    /** A verified copy of the same source object was at the target already (an earlier run): not copied again. */
    alreadyAtTarget: number
    failed: { key: string; error: string }[]
    /** Removed from the source (--delete-source), each after its copy was verified and every URL rewritten. */
    deletedFromSource: number
  }
  /** Hoist's upload records whose URLs (the upload's, its variants') now name the target. */
  records: { rewritten: number; failed: { id: string; error: string }[] }
  /** References in the app's documents to keys the source does not hold: left unchanged. */
  missingKeys: number
  /** Why --delete-source deleted nothing, when it did not. */
  sourceKeptBecause?: string
  /** Wall seconds of each phase, in order: where a slow run spent its time. */
  phaseSeconds: Record<string, number>
}

export function emptyMoveReport(dryRun: boolean): MoveReport {
  return {
    dryRun,
    startedAt: new Date().toISOString(),
    targetBucket: 'existing',
    objects: {
      listed: 0,
      bytes: 0,
      copied: 0,
      copiedBytes: 0,
      alreadyAtTarget: 0,
      failed: [],
      deletedFromSource: 0,
    },
    records: { rewritten: 0, failed: [] },
    documents: { scanned: 0, withReferences: 0, rewritten: 0, skipped: [] },
    references: { found: 0, rewritten: 0 },
    rewrites: [],
    rewritesNotListed: 0,
    missingKeys: 0,
    phaseSeconds: {},
  }
}

/** Errors that leave URLs pointing at the source: the move is not finished, and a rerun picks it up. */
export function unfinished(report: MoveReport): number {
  return report.objects.failed.length + report.records.failed.length + report.documents.skipped.length
}

export function summariseMove(report: MoveReport): string {
  const done = report.dryRun ? 'to rewrite' : 'rewritten'
  const lines = [
    report.dryRun ? 'DRY RUN: nothing was changed.' : unfinished(report) ? 'Move NOT finished.' : 'Move finished.',
    `target bucket:        ${report.targetBucket}`,
    `objects in source:    ${report.objects.listed} (${report.objects.bytes} bytes)`,
    `${report.dryRun ? 'to copy:  ' : 'copied:   '}            ${report.objects.copied} (${report.objects.copiedBytes} bytes)${report.dryRun ? '' : ', each verified'}`,
    `already at target:    ${report.objects.alreadyAtTarget} (verified copies of the same objects)`,
    `upload records:       ${report.records.rewritten} ${done}`,
    `documents:            ${report.documents.scanned} scanned, ${report.documents.withReferences} with source URLs, ${report.documents.rewritten} ${done}`,
    `URL references:       ${report.references.found} found, ${report.references.rewritten} ${done}`,
    `not in source:        ${report.missingKeys} reference(s) to keys the source does not hold, left unchanged`,
  ]
  const phases = Object.entries(report.phaseSeconds).map(([phase, seconds]) => `${phase} ${seconds} s`)
  lines.push(`phases:               ${phases.join(', ')}`)
  if (report.objects.deletedFromSource > 0) lines.push(`deleted from source:  ${report.objects.deletedFromSource}`)
  if (report.sourceKeptBecause) lines.push(`source kept:          ${report.sourceKeptBecause}`)
  for (const failure of report.objects.failed.slice(0, 20)) lines.push(`  FAILED copy ${failure.key}: ${failure.error}`)
  for (const failure of report.records.failed.slice(0, 20))
    lines.push(`  FAILED record ${failure.id}: ${failure.error}`)
  for (const skipped of report.documents.skipped.slice(0, 20))
    lines.push(`  NOT rewritten ${skipped.collection} ${skipped.id}: ${skipped.reason}`)
  return lines.join('\n')
}
