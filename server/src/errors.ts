/**
 * Every error the API answers with, declared once: code, HTTP status, message. On the wire they all take one
 * shape, `{ error: { code, message, details? } }` (see plugins/error-handler.ts); 5xx messages are masked.
 */
import createError from '@fastify/error'
import { Type, type Static } from 'typebox'

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody' },
)
export type ErrorBody = Static<typeof ErrorBodySchema>

export const Unauthorized = createError<'UNAUTHORIZED', 401, [string]>('UNAUTHORIZED', 'Unauthorized: %s', 401)
export const Forbidden = createError<'FORBIDDEN', 403, [string]>('FORBIDDEN', 'Forbidden: %s', 403)
export const RouteNotFound = createError<'ROUTE_NOT_FOUND', 404, [string, string]>(
  'ROUTE_NOT_FOUND',
  'No route %s %s',
  404,
)
export const UploadNotFound = createError<'UPLOAD_NOT_FOUND', 404, [string]>(
  'UPLOAD_NOT_FOUND',
  'No upload %s in this workspace',
  404,
)
export const ValidationFailed = createError<'VALIDATION_FAILED', 400, [string]>('VALIDATION_FAILED', '%s', 400)
export const InvalidUrl = createError<'INVALID_URL', 400, [string]>('INVALID_URL', 'The URL is not valid: %s', 400)
export const InvalidJson = createError<'INVALID_JSON', 400, [string]>('INVALID_JSON', 'The body is not valid JSON: %s', 400)
export const ContentTypeNotAllowed = createError<'CONTENT_TYPE_NOT_ALLOWED', 400, [string, string]>(
  'CONTENT_TYPE_NOT_ALLOWED',
  'Files of type %s are not accepted; allowed types: %s',
  400,
)
export const FileTooLarge = createError<'FILE_TOO_LARGE', 400, [number, string, number]>(
  'FILE_TOO_LARGE',
  'The file is %d bytes; %s files may be at most %d bytes',
  400,
)
export const QuotaExceeded = createError<'QUOTA_EXCEEDED', 403, [number]>(
  'QUOTA_EXCEEDED',
  'This upload would take the workspace over its storage quota of %d bytes; delete files or ask for more space',
  403,
)
export const NotUploadedYet = createError<'NOT_UPLOADED_YET', 409, []>(
  'NOT_UPLOADED_YET',
  'The file is not in the bucket yet: PUT it to the presigned URL with the returned headers, then confirm',
  409,
)
export const UploadNotPending = createError<'UPLOAD_NOT_PENDING', 409, [string, string]>(
  'UPLOAD_NOT_PENDING',
  'Upload %s is %s and can no longer change',
  409,
)
export const UploadBusy = createError<'UPLOAD_BUSY', 409, [string]>(
  'UPLOAD_BUSY',
  'Upload %s is being changed by another request; retry in a moment',
  409,
)
export const NotMultipart = createError<'NOT_MULTIPART', 409, [string]>(
  'NOT_MULTIPART',
  'Upload %s is a single PUT, not a multipart upload',
  409,
)
export const UploadRejected = createError<'UPLOAD_REJECTED', 422, [string]>(
  'UPLOAD_REJECTED',
  'The uploaded file was rejected and deleted: %s',
  422,
)
export const UnsupportedMediaType = createError<'UNSUPPORTED_MEDIA_TYPE', 415, [string]>(
  'UNSUPPORTED_MEDIA_TYPE',
  'The API accepts JSON bodies only (Content-Type: application/json), not %s',
  415,
)
export const BodyTooLarge = createError<'BODY_TOO_LARGE', 413, []>(
  'BODY_TOO_LARGE',
  'The request body is too large: the API takes small JSON bodies; file bytes go to the presigned URL',
  413,
)
export const RateLimited = createError<'RATE_LIMITED', 429, [string]>(
  'RATE_LIMITED',
  'Too many requests: retry in %s',
  429,
)
export const DependencyUnavailable = createError<'DEPENDENCY_UNAVAILABLE', 503, [string]>(
  'DEPENDENCY_UNAVAILABLE',
  '%s is unavailable; nothing was changed, retry later',
  503,
)
export const ShuttingDown = createError<'SHUTTING_DOWN', 503, []>(
  'SHUTTING_DOWN',
  'The server is shutting down; retry on another instance',
  503,
)
export const Internal = createError<'INTERNAL', 500, []>('INTERNAL', 'Internal server error', 500)

export type HoistError = Error & { code: string; statusCode?: number; details?: unknown }

/** Attaches machine-readable details (e.g. validation paths) that the error handler puts on the wire. */
export function withDetails<E extends Error>(error: E, details: unknown): E & { details: unknown } {
  return Object.assign(error, { details })
}

/** Which dependency failed, for errors thrown by the storage adapters when a server cannot be reached. */
export function dependencyUnavailable(dependency: 'MongoDB' | 'Object storage (S3)', cause: unknown): Error {
  const error = new DependencyUnavailable(dependency)
  error.cause = cause
  return error
}
