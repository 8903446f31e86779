/**
 * S3 error normalisation. Providers disagree on names: a missing object is NoSuchKey on GET, a bare 404
 * `NotFound` on HEAD; a finished or aborted multipart upload is NoSuchUpload (MinIO answers it to a repeated
 * complete too).
 */
import { dependencyUnavailable } from '../errors.js'
import { isNetworkError } from '../net/network-errors.js'

interface AwsLikeError {
  name?: string
  code?: string
  Code?: string
  $metadata?: { httpStatusCode?: number }
}

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload'])
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'ServiceUnavailable', 'SlowDown', 'InternalError'])

export function isS3NotFound(error: unknown): boolean {
  const e = error as AwsLikeError
  return (
    NOT_FOUND_NAMES.has(e?.name ?? '') || NOT_FOUND_NAMES.has(e?.Code ?? '') || e?.$metadata?.httpStatusCode === 404
  )
}

/** Access denied — on a HEAD there is no body, so no code: the status alone. */
export function isS3Forbidden(error: unknown): boolean {
  const e = error as AwsLikeError
  return e?.name === 'AccessDenied' || e?.Code === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403
}

export function isS3Unavailable(error: unknown): boolean {
  const e = error as AwsLikeError
  if (isNetworkError(error)) return true
  if (UNAVAILABLE_NAMES.has(e?.name ?? '')) return true
  const status = e?.$metadata?.httpStatusCode
  if (status !== undefined && status >= 500) return true
  // The SDK wraps socket errors; the code sits on the cause.
  const cause = (error as { cause?: unknown })?.cause
  return cause !== undefined && cause !== error && isS3Unavailable(cause)
}

/** The time budget (S3_TIMEOUT_MS) was spent: no connection, or the store went silent mid-request. */
export function isS3Timeout(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e && typeof e === 'object' && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    if ((e as AwsLikeError).name === 'TimeoutError' || (e as AwsLikeError).code === 'ETIMEDOUT') return true
  }
  return false
}

/** Runs an S3 call, turning "cannot reach the store" into the API's 503. */
export async function s3Call<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (isS3Unavailable(error)) throw dependencyUnavailable('Object storage (S3)', error, isS3Timeout(error))
    throw error
  }
}
