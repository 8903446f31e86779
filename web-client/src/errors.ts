/** Errors the uploader rejects with: each carries the API's error code and message when the API gave one. */

export class HoistUploadError extends Error {
  override readonly name: string = 'HoistUploadError'

  constructor(
    /** The API's error code (e.g. CONTENT_TYPE_NOT_ALLOWED, QUOTA_EXCEEDED), or a client-side one. */
    readonly code: string,
    message: string,
    /** HTTP status, when the failure was an HTTP answer. */
    readonly status?: number,
    readonly details?: unknown,
  ) {
    super(message)
  }

  /** Worth trying again: network failures, 5xx and 429 only. */
  get retryable(): boolean {
    return this.code === 'NETWORK_ERROR' || this.status === 429 || (this.status !== undefined && this.status >= 500)
  }
}

export class UploadCancelledError extends HoistUploadError {
  override readonly name = 'UploadCancelledError'

  constructor() {
    super('CANCELLED', 'The upload was cancelled')
  }
}

/** Builds the error for a failed HTTP answer from the API's `{ error: { code, message } }` body if it has one. */
export function errorFromResponse(status: number, bodyText: string, fallbackCode = 'HTTP_ERROR'): HoistUploadError {
  try {
    const parsed = JSON.parse(bodyText) as { error?: { code?: unknown; message?: unknown; details?: unknown } }
    if (parsed.error && typeof parsed.error.code === 'string' && typeof parsed.error.message === 'string') {
      return new HoistUploadError(parsed.error.code, parsed.error.message, status, parsed.error.details)
    }
  } catch {
    // Not JSON: S3 answers in XML, proxies in HTML.
  }
  const s3Code = /<Code>([^<]+)<\/Code>/.exec(bodyText)?.[1]
  const s3Message = /<Message>([^<]+)<\/Message>/.exec(bodyText)?.[1]
  return new HoistUploadError(s3Code ?? fallbackCode, s3Message ?? `HTTP ${status}`, status)
}
