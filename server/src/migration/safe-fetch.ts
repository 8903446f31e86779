/**
 * The one kind of URL the migration requests: the new public URLs it built itself, to check they serve the file — a
 * HEAD that follows at most 3 redirects, asking for the object's stored checksum (`x-amz-checksum-mode`), which S3
 * and MinIO answer to anonymous readers as to the owner, and a CDN may pass on or strip. Origins the operator configured (PUBLIC_BASE_URL, the S3 endpoint) are
 * trusted; any other URL, and any redirect, goes through guardedRequest: https to public addresses, checked at connect.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { guardedRequest, RefusedUrlError } from '../net/guarded-request.js'
import { header } from '../net/headers.js'

const MAX_REDIRECTS = 3
const TIMEOUT_MS = 30_000
// One HEAD per migrated file: kept-alive connections, and node:http rather than fetch, whose per-request cost
// (undici's machinery, a fresh connection when the pool is cold) showed in the migration's profile.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) }

const HEADERS = { 'x-amz-checksum-mode': 'ENABLED' }

export interface PublicHead {
  status: number
  contentLength: number
  /** The object's stored SHA-256 checksum and `sha256` metadata, when the answer carries them. */
  checksumSha256?: string
  sha256?: string
}

type Answer = { status: number; headers: IncomingHttpHeaders }

function trustedHead(url: URL): Promise<Answer> {
  const secure = url.protocol === 'https:'
  return new Promise((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(url, {
      method: 'HEAD',
      headers: HEADERS,
      agent: secure ? agents.https : agents.http,
      timeout: TIMEOUT_MS,
    })
    request.on('timeout', () => request.destroy(new Error(`HEAD ${url.href} timed out`)))
    request.on('error', reject)
    request.on('response', (response) => {
      response.resume()
      resolve({ status: response.statusCode ?? 0, headers: response.headers })
    })
    request.end()
  })
}

/** Lets the process exit: the kept-alive connections are closed. */
export function closePublicUrlConnections(): void {
  agents.http.destroy()
  agents.https.destroy()
}

export async function headPublicUrl(url: string, trustedOrigins: string[]): Promise<PublicHead> {
  let current = new URL(url)
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const answer = trustedOrigins.includes(current.origin)
      ? await trustedHead(current)
      : await guardedRequest(current, { method: 'HEAD', headers: HEADERS, timeoutMs: TIMEOUT_MS, allowLoopback: false })
    const location = header(answer.headers, 'location')
    if (answer.status < 300 || answer.status >= 400 || !location) {
      const checksumSha256 = header(answer.headers, 'x-amz-checksum-sha256')
      const sha256 = header(answer.headers, 'x-amz-meta-sha256')
      return {
        status: answer.status,
        contentLength: Number(header(answer.headers, 'content-length') ?? -1),
        ...(checksumSha256 ? { checksumSha256 } : {}),
        ...(sha256 ? { sha256 } : {}),
      }
    }
    current = new URL(location, current)
  }
  throw new RefusedUrlError(url, 'too many redirects')
}
