/**
 * The /v1/uploads contract: request and response schemas (validators, OpenAPI document and TypeScript types at once).
 * Server and clients derive their types from these; nothing here is written twice.
 */
import { Type, type Static } from 'typebox'
import { UPLOAD_ID_PATTERN } from './ids.js'
import { MAX_PARTS } from './part-plan.js'

/**
 * `quarantined` (only with malware scanning on, SCAN=clamav): the bytes were verified and wait for the scanner; the
 * object is not publicly readable and the view has no URL until the scan finds it clean (→ confirmed) or finds malware
 * (→ rejected with reason `malware`).
 */
export const UploadStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('quarantined'),
  Type.Literal('confirmed'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
  Type.Literal('deleted'),
])
export type UploadStatus = Static<typeof UploadStatusSchema>

export const MediaKindSchema = Type.Union(
  [Type.Literal('image'), Type.Literal('video'), Type.Literal('document'), Type.Literal('other')],
  { description: "'document': a PDF; 'other' only for legacy files brought in by `hoist migrate`" },
)

/** Metadata limits: what the app attaches to an upload (which walkthrough, step and block it belongs to). */
export const METADATA_LIMITS = {
  keys: 16,
  keyPattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$',
  valueLength: 512,
} as const

/**
 * Keys constrained by `propertyNames`, not `patternProperties` (TypeBox's Record): OpenAPI generators flatten
 * patternProperties into "any key", so the published contract would accept keys the API refuses.
 */
export const MetadataSchema = Type.Unsafe<Record<string, string>>({
  type: 'object',
  propertyNames: { pattern: METADATA_LIMITS.keyPattern },
  additionalProperties: { type: 'string', maxLength: METADATA_LIMITS.valueLength },
  maxProperties: METADATA_LIMITS.keys,
  description: `Up to ${METADATA_LIMITS.keys} string values of up to ${METADATA_LIMITS.valueLength} characters; in every view and event, filterable with ?metadata.<key>=<value>`,
})
export type Metadata = Static<typeof MetadataSchema>

/** Who confirmed an upload: the client's confirm call, the sweeper finding it in the bucket, or a bucket notification. */
export const ConfirmedBySchema = Type.Union([
  Type.Literal('client'),
  Type.Literal('sweeper'),
  Type.Literal('bucket-event'),
])
export type ConfirmedBy = Static<typeof ConfirmedBySchema>

/** An image upload, once the image worker processed it: its upright size and a thumbhash placeholder. */
export const ImageInfoSchema = Type.Object({
  width: Type.Integer(),
  height: Type.Integer(),
  placeholder: Type.String({
    description: 'Base64 thumbhash: a ~25-byte blurred preview (decode with the thumbhash package)',
  }),
})
export type ImageInfo = Static<typeof ImageInfoSchema>

/**
 * Who may read an upload's object. `public` (the default): anyone with its URL. `private`: nobody anonymously — the
 * object and its variants live under the bucket's private folder, the view has no `url`, and the owner's workspace
 * reads it through `GET /v1/uploads/{id}/download`, a short-lived presigned GET.
 */
export const VisibilitySchema = Type.Union([Type.Literal('public'), Type.Literal('private')], {
  description:
    "'private': never publicly readable, no URL in the view; read it through GET /v1/uploads/{id}/download (default 'public')",
})
export type Visibility = Static<typeof VisibilitySchema>

export const VariantFormatSchema = Type.Union([Type.Literal('webp'), Type.Literal('avif')])

/** A responsive variant: upright, stripped of metadata, never wider than the original; its key never changes. */
export const ImageVariantSchema = Type.Object({
  width: Type.Integer(),
  height: Type.Integer(),
  format: VariantFormatSchema,
  key: Type.String(),
  url: Type.Optional(
    Type.String({
      description:
        'Public/CDN URL; absent for a private upload (GET /v1/uploads/{id}/download?width=&format= signs one)',
    }),
  ),
  bytes: Type.Integer(),
})
export type ImageVariant = Static<typeof ImageVariantSchema>

export const UploadStrategySchema = Type.Union([Type.Literal('single'), Type.Literal('multipart')])
export type UploadStrategy = Static<typeof UploadStrategySchema>

export const UploadViewSchema = Type.Object(
  {
    id: Type.String(),
    key: Type.String(),
    status: UploadStatusSchema,
    filename: Type.String(),
    contentType: Type.String(),
    kind: MediaKindSchema,
    size: Type.Integer(),
    checksumSha256: Type.Optional(Type.String()),
    strategy: UploadStrategySchema,
    partSize: Type.Optional(Type.Integer()),
    partCount: Type.Optional(Type.Integer()),
    metadata: MetadataSchema,
    fixedMetadata: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "Metadata keys the app's token fixed (its upload.metadata rule): their values came from the app, not the browser",
      }),
    ),
    attachments: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "The app's records that use this upload (attached with POST /v1/uploads/{id}/attach), sorted; in GET /v1/uploads/{id}, the list and the attach/detach answers, absent when none",
      }),
    ),
    visibility: Type.Optional(VisibilitySchema),
    url: Type.Optional(
      Type.String({
        description:
          'Final public/CDN URL, once confirmed (never while quarantined, never for a private upload: use its download)',
      }),
    ),
    confirmedBy: Type.Optional(ConfirmedBySchema),
    image: Type.Optional(ImageInfoSchema),
    variants: Type.Optional(Type.Array(ImageVariantSchema)),
    processingError: Type.Optional(Type.String({ description: 'Why the image worker could not make variants' })),
    reason: Type.Optional(
      Type.String({
        description:
          'Why the upload was rejected (what confirm found, or `malware`), or `unreferenced` when `hoist gc` deleted it: nothing attached it and no document of the app referenced it',
      }),
    ),
    malwareSignature: Type.Optional(
      Type.String({ description: "With reason 'malware': the name of the signature the scanner found" }),
    ),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    confirmedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'Upload' },
)
export type UploadView = Static<typeof UploadViewSchema>

/**
 * A content type's essence as the API compares it: `type/subtype`, lower case, parameters dropped
 * (`IMAGE/JPEG; charset=binary` → `image/jpeg`). Clients send it so; the API's schema lists only essences.
 */
export function mimeEssence(contentType: string): string {
  return contentType.split(';')[0]!.trim().toLowerCase()
}

/** Long enough for any real name (it is cut to 255 characters for display), short enough to refuse abuse fast. */
const MAX_FILENAME_INPUT = 10_000

export const CreateUploadBodySchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: MAX_FILENAME_INPUT, description: 'Display name only' }),
    contentType: Type.String({
      minLength: 3,
      maxLength: 100,
      pattern: '^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$',
      description:
        "The file's type (its essence: lower case, no parameters); the server's schema lists those it allows",
    }),
    size: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Exact size in bytes' }),
    checksum: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9+/]{43}=$',
        description: 'Base64 SHA-256 of the file; S3 enforces it (single PUT)',
      }),
    ),
    metadata: Type.Optional(MetadataSchema),
    visibility: Type.Optional(VisibilitySchema),
  },
  { additionalProperties: false },
)
export type CreateUploadBody = Static<typeof CreateUploadBodySchema>

const HeadersSchema = Type.Record(Type.String(), Type.String(), {
  description: 'Send exactly these headers with the request (Content-Length, also signed, is set by every client)',
})

export const SingleInstructionsSchema = Type.Object({
  id: Type.String(),
  key: Type.String(),
  strategy: Type.Literal('single'),
  method: Type.Literal('PUT'),
  url: Type.String(),
  headers: HeadersSchema,
  expiresAt: Type.String({ format: 'date-time', description: 'When the URL stops working' }),
})
export type SingleInstructions = Static<typeof SingleInstructionsSchema>

/** The part plan the server chose: every part is `partSize` bytes except the last, which holds the rest. */
const PartPlanProperties = {
  partSize: Type.Integer(),
  partCount: Type.Integer(),
}

export const MultipartInstructionsSchema = Type.Object({
  id: Type.String(),
  key: Type.String(),
  strategy: Type.Literal('multipart'),
  ...PartPlanProperties,
  expiresAt: Type.String({ format: 'date-time', description: 'When the pending upload expires' }),
})
export type MultipartInstructions = Static<typeof MultipartInstructionsSchema>

/** What POST /v1/uploads answers: a presigned PUT, or a multipart plan whose part URLs come from /parts. */
export const UploadInstructionsSchema = Type.Union([SingleInstructionsSchema, MultipartInstructionsSchema])
export type UploadInstructions = Static<typeof UploadInstructionsSchema>

export const UploadIdParamsSchema = Type.Object(
  { id: Type.String({ pattern: UPLOAD_ID_PATTERN, description: 'Upload id (ULID)' }) },
  { additionalProperties: false },
)

/** `?metadata.<key>=<value>`: the list filtered on one metadata key (an index serves it). */
export const METADATA_FILTER_PREFIX = 'metadata.'

export const UploadListQuerySchema = Type.Object(
  {
    status: Type.Optional(UploadStatusSchema),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ pattern: UPLOAD_ID_PATTERN, description: 'nextCursor of the previous page' })),
  },
  {
    additionalProperties: false,
    patternProperties: {
      [`^metadata\\.${METADATA_LIMITS.keyPattern.slice(1, -1)}$`]: Type.String({
        maxLength: METADATA_LIMITS.valueLength,
      }),
    },
  },
)
export type UploadListQuery = Static<typeof UploadListQuerySchema> & { [filter: `metadata.${string}`]: string }

export const UploadListSchema = Type.Object({
  items: Type.Array(UploadViewSchema),
  nextCursor: Type.Optional(Type.String()),
})
export type UploadList = Static<typeof UploadListSchema>

export const SignPartsBodySchema = Type.Object(
  {
    partNumbers: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_PARTS }), {
      minItems: 1,
      maxItems: 100,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
)
export type SignPartsBody = Static<typeof SignPartsBodySchema>

export const SignedPartSchema = Type.Object({
  partNumber: Type.Integer(),
  size: Type.Integer({ description: 'The exact length this part must have (signed)' }),
  method: Type.Literal('PUT'),
  url: Type.String(),
  headers: HeadersSchema,
})
export type SignedPart = Static<typeof SignedPartSchema>

export const SignedPartsSchema = Type.Object({
  parts: Type.Array(SignedPartSchema),
  expiresAt: Type.String({ format: 'date-time', description: 'When these URLs stop working' }),
})
export type SignedParts = Static<typeof SignedPartsSchema>

/** GET /v1/uploads/:id/parts: everything a client needs to resume a multipart upload, in one answer. */
export const MultipartProgressSchema = Type.Object({
  id: Type.String(),
  size: Type.Integer(),
  ...PartPlanProperties,
  expiresAt: Type.String({ format: 'date-time', description: 'When the pending upload expires' }),
  parts: Type.Array(Type.Object({ partNumber: Type.Integer(), size: Type.Integer() }), {
    description: 'Parts already in the bucket',
  }),
})
export type MultipartProgress = Static<typeof MultipartProgressSchema>

/** GET /v1/uploads/:id/download: the original, or one of its image variants named by width (and format). */
export const DownloadQuerySchema = Type.Object(
  {
    width: Type.Optional(
      Type.Integer({ minimum: 1, description: "A variant's width: that variant instead of the original" }),
    ),
    format: Type.Optional(VariantFormatSchema),
  },
  { additionalProperties: false },
)
export type DownloadQuery = Static<typeof DownloadQuerySchema>

export const DownloadSchema = Type.Object({
  method: Type.Literal('GET'),
  url: Type.String(),
  headers: HeadersSchema,
  expiresAt: Type.String({ format: 'date-time' }),
})
export type Download = Static<typeof DownloadSchema>
