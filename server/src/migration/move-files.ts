/**
 * Step 3 of `hoist migrate`: each file opened once, hashed, uploaded from the same handle unless the bucket already
 * holds it, and checked in the bucket afterwards (check-object.ts). One upload per content: files with the same
 * bytes share a key.
 */
import { mapConcurrent } from '../concurrency.js'
import type { HashedFile } from '../storage/s3-put-file.js'
import { checkObject, mismatch } from './check-object.js'
import { legacyTypeOf } from './content-types.js'
import type { MigrationOptions } from './migrate.js'
import { openAndHash } from './open-file.js'
import type { MigrationReport } from './report.js'
import type { ScannedFile } from './scan-files.js'

/** One file of the legacy uploads directory, as the backup manifest records it. */
export interface ManifestEntry {
  /** Relative to the uploads directory, with `/` separators, NFC-normalised (how URLs name it). */
  path: string
  size: number
  sha256: string
}

export interface MovedFiles {
  /** Every file read, in scan order. */
  manifest: ManifestEntry[]
  /** The content-addressed key of each file read, by path. */
  keyOf: Map<string, string>
  /** Keys whose object is in the bucket and verified to hold the file. */
  verifiedKeys: Set<string>
}

/**
 * Same content, same key: a file stored twice on disk is uploaded once, and a re-run finds it. 32 hex digits
 * (128 bits) of the SHA-256, as documented; never change it: a re-run of an earlier migration finds its objects
 * and records by this key, and would otherwise upload and record every file again under a second one.
 */
function legacyKey(options: MigrationOptions, path: string, sha256Hex: string): string {
  return `${options.keyPrefix}${options.workspaceId}/${sha256Hex.slice(0, 32)}.${legacyTypeOf(path).extension}`
}

/**
 * `settle` runs once per key whose object verified and whose URL serves it (dry run: whose object would be uploaded
 * or is there): the record. Only keys settled count as verified.
 */
export async function moveFiles(
  options: MigrationOptions,
  files: ScannedFile[],
  report: MigrationReport,
  settle: (key: string, entry: ManifestEntry) => Promise<void>,
): Promise<MovedFiles> {
  // One listing instead of a HEAD per file: only the keys already there (a re-run) are HEADed to check them.
  const existing = new Set<string>()
  for await (const object of options.store.list(`${options.keyPrefix}${options.workspaceId}/`)) existing.add(object.key)

  const read = new Array<ManifestEntry | undefined>(files.length)
  const keyOf = new Map<string, string>()
  const verifiedKeys = new Set<string>()
  const storing = new Map<string, Promise<boolean>>()
  options.progress?.phase(options.dryRun ? 'checking bucket' : 'uploading', files.length)
  await mapConcurrent(files, options.concurrency, async (scanned, index) => {
    let file: HashedFile | undefined
    try {
      file = await openAndHash(options.from, scanned, options)
      const entry = { path: scanned.path, size: file.size, sha256: file.sha256.toString('hex') }
      read[index] = entry
      const key = legacyKey(options, entry.path, entry.sha256)
      keyOf.set(entry.path, key)
      let stored = storing.get(key)
      if (!stored) {
        stored = storeOne(options, key, entry.path, file, existing.has(key), report).then(async (inBucket) => {
          if (!inBucket && !options.dryRun) return false
          await settle(key, entry)
          return true
        })
        storing.set(key, stored)
      }
      if (await stored) verifiedKeys.add(key)
    } catch (error) {
      report.files.failed.push({ path: scanned.path, error: (error as Error).message })
    } finally {
      await file?.handle.close()
    }
    options.progress?.tick()
  })
  options.progress?.done()
  return { manifest: read.filter((entry) => entry !== undefined), keyOf, verifiedKeys }
}

/**
 * True when the object holds this file's bytes (uploaded now or before) and its URL serves it; false when a dry
 * run would upload it, or the URL does not serve it. Throws when the bucket holds something else under the key.
 */
async function storeOne(
  options: MigrationOptions,
  key: string,
  path: string,
  file: HashedFile,
  listed: boolean,
  report: MigrationReport,
): Promise<boolean> {
  if (listed) {
    const stored = await options.store.storedDigest(key)
    if (stored) {
      const problem = mismatch(stored, file)
      if (problem)
        throw new Error(
          `s3://${options.store.bucket}/${key} exists with other content or no verifiable checksum (${problem})`,
        )
      report.files.alreadyInBucket++
      return options.dryRun || (await checkObject(options, key, file, report, true))
    }
  }
  report.files.uploaded++
  report.files.uploadedBytes += file.size
  if (options.dryRun) return false
  const type = legacyTypeOf(path)
  await options.store.putLocalFile({ key, file, contentType: type.contentType, attachment: type.kind === 'other' })
  return checkObject(options, key, file, report, false)
}
