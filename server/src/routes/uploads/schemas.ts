/** Request and response schemas of /v1/uploads: the validators, the OpenAPI document and the handler types. */
import { Type, type Static } from 'typebox'
import { ErrorBodySchema } from '../../errors.js'
import { UPLOAD_ID_PATTERN } from '../../uploads/keys.js'
import { MAX_PARTS } from '../../uploads/multipart-plan.js'
import { PresignedRequestProperties } from '../../uploads/instructions.js'
import { UploadStatusSchema, UploadViewSchema } from '../../uploads/record.js'

export { UploadInstructionsSchema } from '../../uploads/instructions.js'

/** Long enough for any real name (it is cut to 255 characters for display), short enough to refuse abuse fast. */
const MAX_FILENAME_INPUT = 10_000

export const CreateUploadBodySchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: MAX_FILENAME_INPUT, description: 'Display name only' }),
    contentType: Type.String({ minLength: 3, maxLength: 100, pattern: '^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$' }),
    size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Exact size in bytes' }),
    checksum: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$', description: 'Base64 SHA-256 of the file; S3 enforces it (single PUT)' }),
    ),
  },
  { additionalProperties: false },
)
export type CreateUploadBody = Static<typeof CreateUploadBodySchema>

export const UploadIdParamsSchema = Type.Object(
  { id: Type.String({ pattern: UPLOAD_ID_PATTERN, description: 'Upload id (ULID)' }) },
  { additionalProperties: false },
)

export const ListQuerySchema = Type.Object(
  {
    status: Type.Optional(UploadStatusSchema),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ pattern: UPLOAD_ID_PATTERN, description: 'nextCursor of the previous page' })),
  },
  { additionalProperties: false },
)

export const UploadListSchema = Type.Object({
  items: Type.Array(UploadViewSchema),
  nextCursor: Type.Optional(Type.String()),
})

export const SignPartsBodySchema = Type.Object(
  {
    partNumbers: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_PARTS }), { minItems: 1, maxItems: 100, uniqueItems: true }),
  },
  { additionalProperties: false },
)

export const SignedPartsSchema = Type.Object({
  parts: Type.Array(
    Type.Object({ partNumber: Type.Integer(), size: Type.Integer(), ...PresignedRequestProperties }),
  ),
  expiresAt: Type.String({ format: 'date-time' }),
})

export const UploadedPartsSchema = Type.Object({
  parts: Type.Array(Type.Object({ partNumber: Type.Integer(), size: Type.Integer(), etag: Type.String() })),
})

export const DownloadSchema = Type.Object({ ...PresignedRequestProperties, expiresAt: Type.String({ format: 'date-time' }) })

/** Every error status a /v1 route can answer with, in the one error shape. */
export const errorResponses = {
  400: ErrorBodySchema,
  401: ErrorBodySchema,
  403: ErrorBodySchema,
  404: ErrorBodySchema,
  409: ErrorBodySchema,
  413: ErrorBodySchema,
  415: ErrorBodySchema,
  422: ErrorBodySchema,
  429: ErrorBodySchema,
  503: ErrorBodySchema,
}
