/**
 * The API's errors as throwable classes, made from the one table in @hoist/protocol (code, status, message). On the
 * wire they all take one shape, `{ error: { code, message, details? } }` (plugins/error-handler.ts); 5xx are masked.
 */
import createError from '@fastify/error'
import { ERRORS, type ErrorCode } from '@hoist/protocol'

/** An error class for `code`, taking the arguments its message format needs. */
function apiError<C extends ErrorCode, Args extends unknown[] = []>(code: C) {
  const { status, message } = ERRORS[code]
  return createError<C, (typeof ERRORS)[C]['status'], Args>(code, message, status)
}

export const BadRequest = apiError<'BAD_REQUEST', [string]>('BAD_REQUEST')
export const ValidationFailed = apiError<'VALIDATION_FAILED', [string]>('VALIDATION_FAILED')
export const InvalidUrl = apiError<'INVALID_URL', [string]>('INVALID_URL')
export const InvalidJson = apiError<'INVALID_JSON', [string]>('INVALID_JSON')
export const ContentTypeNotAllowed = apiError<'CONTENT_TYPE_NOT_ALLOWED', [string, string]>('CONTENT_TYPE_NOT_ALLOWED')
export const FileTooLarge = apiError<'FILE_TOO_LARGE', [number, string, number]>('FILE_TOO_LARGE')
export const Unauthorized = apiError<'UNAUTHORIZED', [string]>('UNAUTHORIZED')
export const TokenContentTypeNotAllowed = apiError<'TOKEN_CONTENT_TYPE_NOT_ALLOWED', [string, string]>(
  'TOKEN_CONTENT_TYPE_NOT_ALLOWED',
)
export const TokenFileTooLarge = apiError<'TOKEN_FILE_TOO_LARGE', [number, number]>('TOKEN_FILE_TOO_LARGE')
export const TokenMetadataFixed = apiError<'TOKEN_METADATA_FIXED', [string, string]>('TOKEN_METADATA_FIXED')
export const TokenVisibilityFixed = apiError<'TOKEN_VISIBILITY_FIXED', [string]>('TOKEN_VISIBILITY_FIXED')
export const AppTokenRequired = apiError<'APP_TOKEN_REQUIRED'>('APP_TOKEN_REQUIRED')
export const QuotaExceeded = apiError<'QUOTA_EXCEEDED', [number]>('QUOTA_EXCEEDED')
export const RouteNotFound = apiError<'ROUTE_NOT_FOUND', [string, string]>('ROUTE_NOT_FOUND')
export const UploadNotFound = apiError<'UPLOAD_NOT_FOUND', [string]>('UPLOAD_NOT_FOUND')
export const MethodNotAllowed = apiError<'METHOD_NOT_ALLOWED', [string, string, string]>('METHOD_NOT_ALLOWED')
export const NotUploadedYet = apiError<'NOT_UPLOADED_YET'>('NOT_UPLOADED_YET')
export const UploadNotPending = apiError<'UPLOAD_NOT_PENDING', [string, string]>('UPLOAD_NOT_PENDING')
export const UploadNotAttachable = apiError<'UPLOAD_NOT_ATTACHABLE', [string, string]>('UPLOAD_NOT_ATTACHABLE')
export const VariantNotFound = apiError<'VARIANT_NOT_FOUND', [string, string, string]>('VARIANT_NOT_FOUND')
export const UploadBusy = apiError<'UPLOAD_BUSY', [string]>('UPLOAD_BUSY')
export const PartNotInPlan = apiError<'PART_NOT_IN_PLAN', [string, number, string]>('PART_NOT_IN_PLAN')
export const NotMultipart = apiError<'NOT_MULTIPART', [string]>('NOT_MULTIPART')
export const BodyTooLarge = apiError<'BODY_TOO_LARGE'>('BODY_TOO_LARGE')
export const UnsupportedMediaType = apiError<'UNSUPPORTED_MEDIA_TYPE', [string]>('UNSUPPORTED_MEDIA_TYPE')
export const UploadRejected = apiError<'UPLOAD_REJECTED', [string]>('UPLOAD_REJECTED')
export const RateLimited = apiError<'RATE_LIMITED', [string]>('RATE_LIMITED')
export const Internal = apiError<'INTERNAL'>('INTERNAL')
export const DependencyUnavailable = apiError<'DEPENDENCY_UNAVAILABLE', [string]>('DEPENDENCY_UNAVAILABLE')
export const ShuttingDown = apiError<'SHUTTING_DOWN'>('SHUTTING_DOWN')

export type HoistError = Error & { code: ErrorCode; statusCode?: number; details?: unknown }

/** Attaches machine-readable details (e.g. validation paths) that the error handler puts on the wire. */
export function withDetails<E extends Error>(error: E, details: unknown): E & { details: unknown } {
  return Object.assign(error, { details })
}

/** Which dependency failed, for errors thrown by the storage adapters when a server cannot be reached or is silent. */
export function dependencyUnavailable(
  dependency: 'MongoDB' | 'Object storage (S3)',
  cause: unknown,
  timedOut = false,
): Error {
  const error = new DependencyUnavailable(dependency)
  error.cause = cause
  return timedOut ? Object.assign(error, { timedOut: true }) : error
}

/** A dependency's time budget was spent (it did not answer), rather than it refusing or failing. */
export function isDependencyTimeout(error: unknown): boolean {
  return error instanceof DependencyUnavailable && (error as { timedOut?: unknown }).timedOut === true
}
