/**
 * Is the object in the bucket this file, and does its new URL serve it? The bucket's answer is compared with the
 * file as read: the size, the `sha256` metadata, and the checksum S3 itself verified and stored (the file's SHA-256
 * for a single PUT; for multipart, S3's composite of the parts' SHA-256s, computed from the same read). One HEAD of
 * the public URL, asking for the stored checksum, answers both questions; when it does not carry the checksum (a
 * CDN that strips it) or with --no-verify-public, a HeadObject through the S3 API answers the first.
 */
import type { StoredDigest } from '../storage/object-store.js'
import { expectedStoredChecksum, type HashedFile } from '../storage/s3-put-file.js'
import type { MigrationOptions } from './migrate.js'
import type { MigrationReport } from './report.js'
import { headPublicUrl } from './safe-fetch.js'

/** What differs between the stored object and the file, or undefined when it is the file. */
export function mismatch(stored: StoredDigest, file: HashedFile): string | undefined {
  if (stored.size !== file.size) return `size ${stored.size}, file ${file.size}`
  const sha256 = file.sha256.toString('hex')
  if (stored.sha256 !== sha256) return `sha256 metadata ${stored.sha256 ?? 'none'}, file ${sha256}`
  const checksum = expectedStoredChecksum(file)
  if (stored.checksumSha256 !== checksum) return `stored checksum ${stored.checksumSha256 ?? 'none'}, file ${checksum}`
  return undefined
}

/**
 * True when the new URL serves the object (counted in report.verification); throws when the object is not the file
 * (unless `integrityChecked`: a re-run already compared it through the S3 API).
 */
export async function checkObject(
  options: MigrationOptions,
  key: string,
  file: HashedFile,
  report: MigrationReport,
  integrityChecked: boolean,
): Promise<boolean> {
  const url = options.store.publicUrl(key)
  let stored: StoredDigest | undefined
  if (options.verifyPublic) {
    report.verification.checked++
    try {
      const answer = await headPublicUrl(url, options.trustedOrigins)
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`)
      if (answer.contentLength !== file.size)
        throw new Error(`serves ${answer.contentLength} bytes, expected ${file.size}`)
      if (answer.checksumSha256 && answer.sha256)
        stored = { size: answer.contentLength, sha256: answer.sha256, checksumSha256: answer.checksumSha256 }
      report.verification.ok++
    } catch (error) {
      report.verification.failed.push({ url, problem: (error as Error).message })
      return false
    }
  }
  if (!integrityChecked) {
    stored ??= await options.store.storedDigest(key)
    const problem = stored ? mismatch(stored, file) : 'no object'
    if (problem) throw new Error(`s3://${options.store.bucket}/${key} did not verify after upload (${problem})`)
    if (!options.verifyPublic) {
      report.verification.checked++
      report.verification.ok++
    }
  }
  return true
}
