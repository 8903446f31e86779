/**
 * Every error the API answers with, declared once: code, HTTP status, message (a format string the server fills).
 * On the wire they all take one shape, `{ error: { code, message, details? } }`; 5xx messages are masked.
 */
import { Type, type Static } from 'typebox'

export const ERRORS = {
  /** A client error the framework raised that has no code of its own (the status may be any 4xx). */
  BAD_REQUEST: { status: 400, message: '%s' },
  VALIDATION_FAILED: { status: 400, message: '%s' },
  INVALID_URL: { status: 400, message: 'The URL is not valid: %s' },
  INVALID_JSON: { status: 400, message: 'The body is not valid JSON: %s' },
  CONTENT_TYPE_NOT_ALLOWED: { status: 400, message: 'Files of type %s are not accepted; allowed types: %s' },
  /** 413 as tus answers an Upload-Length over its maximum: the declared file, not this request, is too large. */
  FILE_TOO_LARGE: { status: 413, message: 'The file is %d bytes; %s files may be at most %d bytes' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized: %s' },
  /** The token's `upload` rules (protocol/src/upload-rules.ts), stricter than the server's own limits. */
  TOKEN_CONTENT_TYPE_NOT_ALLOWED: {
    status: 403,
    message: 'This token allows uploads of %s only, not %s (its upload.contentTypes rule)',
  },
  TOKEN_FILE_TOO_LARGE: {
    status: 413,
    message: 'The file is %d bytes; this token allows at most %d bytes (its upload.maxSize rule)',
  },
  TOKEN_METADATA_FIXED: {
    status: 403,
    message: 'metadata.%s is fixed by the token (its upload.metadata rule) to %s; send that value or leave it out',
  },
  TOKEN_VISIBILITY_FIXED: {
    status: 403,
    message: 'This token allows %s uploads only (its upload.visibility rule); send that visibility or leave it out',
  },
  APP_TOKEN_REQUIRED: {
    status: 403,
    message: 'Attaching and detaching are for the app\'s backend: send a token with "role": "app" (never a browser\'s)',
  },
  QUOTA_EXCEEDED: {
    status: 403,
    message:
      'This upload would take the workspace over its storage quota of %d bytes; delete files or ask for more space',
  },
  ROUTE_NOT_FOUND: { status: 404, message: 'No route %s %s' },
  UPLOAD_NOT_FOUND: { status: 404, message: 'No upload %s in this workspace' },
  METHOD_NOT_ALLOWED: { status: 405, message: '%s is not allowed on %s; allowed: %s' },
  NOT_UPLOADED_YET: {
    status: 409,
    message: 'The file is not in the bucket yet: PUT it to the presigned URL with the returned headers, then confirm',
  },
  UPLOAD_NOT_PENDING: { status: 409, message: 'Upload %s is %s and can no longer change' },
  UPLOAD_NOT_ATTACHABLE: {
    status: 409,
    message: 'Upload %s is %s: only pending, quarantined and confirmed uploads can be attached',
  },
  VARIANT_NOT_FOUND: {
    status: 404,
    message: 'Upload %s has no variant %s; its variants: %s',
  },
  UPLOAD_BUSY: { status: 409, message: 'Upload %s is being changed by another request; retry in a moment' },
  /** State, not form: which part numbers exist depends on the upload's own plan (a schema cannot say). */
  PART_NOT_IN_PLAN: { status: 409, message: 'Upload %s has parts 1 to %d; there is no part %s' },
  NOT_MULTIPART: { status: 409, message: 'Upload %s is a single PUT, not a multipart upload' },
  BODY_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large: the API takes small JSON bodies; file bytes go to the presigned URL',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The API accepts JSON bodies only (Content-Type: application/json), not %s',
  },
  UPLOAD_REJECTED: { status: 422, message: 'The uploaded file was rejected and deleted: %s' },
  RATE_LIMITED: { status: 429, message: 'Too many requests: retry in %s' },
  INTERNAL: { status: 500, message: 'Internal server error' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: '%s is unavailable; nothing was changed, retry later' },
  SHUTTING_DOWN: { status: 503, message: 'This API instance is shutting down; retry (another instance will answer)' },
} as const satisfies Record<string, { status: number; message: string }>

/** The `code` of every error the API can answer with. */
export type ErrorCode = keyof typeof ERRORS

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<ErrorCode>({
        type: 'string',
        enum: Object.keys(ERRORS),
        description: 'What kind of error, for programs',
      }),
      message: Type.String({ description: 'What went wrong and what to do about it, for people' }),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody' },
)
export type ErrorBody = Static<typeof ErrorBodySchema>
