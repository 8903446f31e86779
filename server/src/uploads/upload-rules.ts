/**
 * The token's `upload` rules applied to a presign, after the server's own checks (they only narrow those): its
 * types, its size limit, and its metadata — a value the token fixed may be repeated, never changed, and is filled in
 * when absent. The keys it fixed are recorded on the upload, so views and events can say which values the app set.
 * Its visibility, when it sets one, is fixed the same way.
 */
import { contentTypeMatches, METADATA_LIMITS, type Metadata, type UploadRules, type Visibility } from '@hoist/protocol'
import {
  TokenContentTypeNotAllowed,
  TokenFileTooLarge,
  TokenMetadataFixed,
  TokenVisibilityFixed,
  ValidationFailed,
} from '../errors.js'

export interface RuledUpload {
  metadata: Metadata | undefined
  /** Keys whose values came from the token; empty without metadata rules. */
  fixedMetadata: string[]
  /** The presign's visibility, or the token's when it fixes one; public when neither says. */
  visibility: Visibility
}

export function applyUploadRules(
  rules: UploadRules | undefined,
  upload: { contentType: string; size: number; metadata?: Metadata; visibility?: Visibility },
): RuledUpload {
  const visibility = ruledVisibility(rules, upload.visibility)
  if (!rules) return { metadata: upload.metadata, fixedMetadata: [], visibility }
  if (rules.contentTypes && !contentTypeMatches(rules.contentTypes, upload.contentType)) {
    throw new TokenContentTypeNotAllowed(rules.contentTypes.join(', '), upload.contentType)
  }
  if (rules.maxSize !== undefined && upload.size > rules.maxSize) {
    throw new TokenFileTooLarge(upload.size, rules.maxSize)
  }
  const fixed = rules.metadata ?? {}
  for (const [key, value] of Object.entries(fixed)) {
    const sent = upload.metadata?.[key]
    if (sent !== undefined && sent !== value) throw new TokenMetadataFixed(key, JSON.stringify(value))
  }
  const fixedMetadata = Object.keys(fixed)
  if (fixedMetadata.length === 0) return { metadata: upload.metadata, fixedMetadata, visibility }
  const metadata = { ...upload.metadata, ...fixed }
  if (Object.keys(metadata).length > METADATA_LIMITS.keys) {
    throw new ValidationFailed(
      `body /metadata has more than ${METADATA_LIMITS.keys} keys together with the ${fixedMetadata.length} the token fixed`,
    )
  }
  return { metadata, fixedMetadata, visibility }
}

/** A visibility the token fixed may be repeated, never changed, and is filled in when absent (like its metadata). */
function ruledVisibility(rules: UploadRules | undefined, asked: Visibility | undefined): Visibility {
  const fixed = rules?.visibility
  if (fixed && asked && asked !== fixed) throw new TokenVisibilityFixed(fixed)
  return fixed ?? asked ?? 'public'
}
