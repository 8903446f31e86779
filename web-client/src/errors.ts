/** Errors the uploader rejects with: each carries the API's error code and message when the API gave one. */
import type { ErrorCode } from '@hoist/protocol'
import { storageRefusal, type StorageErrorCode } from './storage-errors.js'

/** Failures that happen outside the API: the network, the storage server, a cancel. */
export type ClientErrorCode =
  /** The API or the storage server could not be reached. */
  | 'NETWORK_ERROR'
  /** The storage server refused a PUT (`details` holds its own code and message): see storage-errors.ts. */
  | StorageErrorCode
  /** The caller aborted. */
  | 'CANCELLED'
  /** An HTTP answer that was neither the API's error shape nor the storage server's. */
  | 'HTTP_ERROR'

export type HoistErrorCode = ErrorCode | ClientErrorCode

export class HoistUploadError extends Error {
  override readonly name: string = 'HoistUploadError'

  constructor(
    /** The API's error code (e.g. CONTENT_TYPE_NOT_ALLOWED, QUOTA_EXCEEDED), or a client-side one. */
    readonly code: HoistErrorCode,
    message: string,
    /** HTTP status, when the failure was an HTTP answer. */
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message)
  }

  /**
   * Worth trying again: network failures, 5xx, 429, and UPLOAD_BUSY (409: another request — a concurrent confirm, the
   * sweeper, a bucket notification — is changing the upload; the API asks to retry in a moment).
   */
  get retryable(): boolean {
    return (
      this.code === 'NETWORK_ERROR' ||
      this.code === 'UPLOAD_BUSY' ||
      this.status === 429 ||
      (this.status !== undefined && this.status >= 500)
    )
  }
}

export class UploadCancelledError extends HoistUploadError {
  override readonly name = 'UploadCancelledError'

  constructor() {
    super('CANCELLED', 'The upload was cancelled')
  }
}

/** Builds the error for a failed HTTP answer: the API's `{ error: { code, message } }` body, S3's XML, or the status. */
export function errorFromResponse(status: number, bodyText: string): HoistUploadError {
  try {
    const parsed = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    if (parsed.error && typeof parsed.error.code === 'string' && typeof parsed.error.message === 'string') {
      return new HoistUploadError(parsed.error.code as ErrorCode, parsed.error.message, status, parsed.error.details)
    }
  } catch {
    // Not JSON: S3 answers in XML, proxies in HTML.
  }
  const storageCode = /<Code>([^<]+)<\/Code>/.exec(bodyText)?.[1]
  const storageMessage = /<Message>([^<]+)<\/Message>/.exec(bodyText)?.[1]
  if (storageCode) {
    const { code, message } = storageRefusal(storageCode, storageMessage)
    return new HoistUploadError(code, message, status, { storageCode, storageMessage })
  }
  return new HoistUploadError('HTTP_ERROR', `HTTP ${status}`, status)
}
