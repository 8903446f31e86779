/**
 * Step 2 of a move: Hoist's own records. An upload's URL and its variants' URLs are derived from their keys, so each
 * whose key was copied and verified becomes the target's URL of that key — through the ledger's replaceUrls, which
 * refuses when the record changed since it was read (the image worker recording variants): read again, retried.
 */
import type { ImageVariant } from '@hoist/protocol'
import type { LedgerMaintenance, RecordUrls, UploadLedger } from '../storage/ledger.js'
import type { UploadRecord } from '../uploads/record.js'
import type { MoveReport } from './report.js'

const ATTEMPTS = 3

/** The record's URLs once moved, or undefined when none of them changes. */
export function movedRecordUrls(
  record: RecordUrls & Pick<UploadRecord, 'key'>,
  newUrlOfKey: (key: string) => string | undefined,
): RecordUrls | undefined {
  const url = record.url === undefined ? undefined : (newUrlOfKey(record.key) ?? record.url)
  // A URL is only ever replaced, never added: a private upload's variants have none and keep none.
  const variants = record.variants?.map((variant): ImageVariant =>
    variant.url === undefined ? variant : { ...variant, url: newUrlOfKey(variant.key) ?? variant.url },
  )
  const changed = url !== record.url || (variants ?? []).some((variant, i) => variant.url !== record.variants![i]!.url)
  return changed ? { ...(url ? { url } : {}), ...(variants ? { variants } : {}) } : undefined
}

export async function rewriteRecords(
  ledger: UploadLedger & LedgerMaintenance,
  newUrlOfKey: (key: string) => string | undefined,
  dryRun: boolean,
  report: MoveReport,
): Promise<void> {
  for await (const scanned of ledger.scan(['confirmed'])) {
    let record: UploadRecord | undefined = scanned
    try {
      for (let attempt = 1; record; attempt++) {
        const urls = movedRecordUrls(record, newUrlOfKey)
        if (!urls) break
        if (dryRun || (await ledger.replaceUrls(record._id, { url: record.url, variants: record.variants }, urls))) {
          report.records.rewritten++
          break
        }
        if (attempt === ATTEMPTS) throw new Error(`changed by another writer ${ATTEMPTS} times in a row`)
        record = await ledger.getById(record._id)
      }
    } catch (error) {
      report.records.failed.push({ id: scanned._id, error: (error as Error).message })
    }
  }
}
