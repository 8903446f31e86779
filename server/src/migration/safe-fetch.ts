/**
 * The one kind of URL the migration requests: the new public URLs it built itself, to check they serve the file — a
 * HEAD that follows at most 3 redirects. Origins the operator configured (PUBLIC_BASE_URL, the S3 endpoint) are
 * trusted; any other URL, and any redirect, goes through guardedRequest: https to public addresses, checked at connect.
 */
import { guardedRequest, RefusedUrlError } from '../net/guarded-request.js'

const MAX_REDIRECTS = 3
const TIMEOUT_MS = 30_000

export async function headPublicUrl(
  url: string,
  trustedOrigins: string[],
): Promise<{ status: number; contentLength: number }> {
  let current = new URL(url)
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const answer = trustedOrigins.includes(current.origin)
      ? await fetch(current, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) }).then(
          (response) => ({
            status: response.status,
            location: response.headers.get('location'),
            length: response.headers.get('content-length'),
          }),
        )
      : await guardedRequest(current, { method: 'HEAD', timeoutMs: TIMEOUT_MS, allowLoopback: false }).then(
          (response) => ({
            status: response.status,
            location: response.headers.location ?? null,
            length: response.headers['content-length'] ?? null,
          }),
        )
    if (answer.status < 300 || answer.status >= 400 || !answer.location) {
      return { status: answer.status, contentLength: Number(answer.length ?? -1) }
    }
    current = new URL(answer.location, current)
  }
  throw new RefusedUrlError(url, 'too many redirects')
}
