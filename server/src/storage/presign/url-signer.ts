import { IMMUTABLE_CACHE_CONTROL } from '../cache-control.js'
import type { GetUrlInput, PartUrlInput, PresignedRequest, PutUrlInput } from '../object-store.js'

/**
 * Signs the URLs uploaders and downloaders use. Two implementations give URLs S3 treats identically:
 * SigV4UrlSigner (signs a prepared request; the default) and SdkUrlSigner (the SDK's getSignedUrl).
 */
export interface UrlSigner {
  putObject(input: PutUrlInput): Promise<PresignedRequest<'PUT'>>
  uploadPart(input: PartUrlInput): Promise<PresignedRequest<'PUT'>>
  getObject(input: GetUrlInput): Promise<PresignedRequest<'GET'>>
}

/** Headers the uploader must send with a single PUT: each is signed, so S3 refuses the PUT without it. */
export function putHeaders(input: PutUrlInput): Record<string, string> {
  return {
    'content-type': input.contentType,
    'cache-control': IMMUTABLE_CACHE_CONTROL,
    // Refuses a second PUT to the same key, so a leaked or replayed URL cannot overwrite a confirmed file.
    'if-none-match': '*',
    ...(input.checksumSha256 ? { 'x-amz-checksum-sha256': input.checksumSha256 } : {}),
  }
}

/** A surrogate without its pair: not encodable as UTF-8 (encodeURIComponent throws URIError on one). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * RFC 8187 `value-chars`: UTF-8, percent-encoded except `attr-char`. encodeURIComponent also leaves `'()*` alone,
 * which attr-char does not allow (`'` even delimits the charset and language).
 */
function rfc8187Encode(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** `attachment` with a plain-ASCII `filename` for old clients and the exact name in `filename*` (RFC 6266). */
export function contentDisposition(downloadName: string): string {
  const name = downloadName.replace(LONE_SURROGATE, '\uFFFD')
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc8187Encode(name)}`
}
