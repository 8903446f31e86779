/**
 * The upload record: what the ledger stores for each upload, and the view of it the API returns (UploadView, whose
 * schema is part of the wire contract in @hoist/protocol).
 */
import type { ConfirmedBy, ImageInfo, ImageVariant, UploadStatus, UploadStrategy, UploadView } from '@hoist/protocol'
import { metadataOf } from './metadata.js'
import type { MediaKind } from './media-types.js'
import type { UploadTraceFields } from '../telemetry/upload-tracing.js'

/** Statuses that hold bytes against the workspace quota. */
export const QUOTA_HOLDING_STATUSES: readonly UploadStatus[] = ['pending', 'quarantined', 'confirmed']

export interface MultipartPlan {
  /** S3's multipart upload id: never leaves the server. */
  uploadId: string
  partSize: number
  partCount: number
}

/**
 * The stored record (MongoDB document). `_id` is a ULID, so ids sort by creation time. With tracing on, it keeps the
 * presign's `traceparent` (never in the view), so later work on it continues the upload's trace.
 */
export interface UploadRecord extends UploadTraceFields {
  _id: string
  workspaceId: string
  userId: string
  key: string
  /** The name the user gave, for display only: it never reaches a key or a path. */
  filename: string
  contentType: string
  /** 'other' only for legacy files brought in by `hoist migrate`; the API accepts images and videos. */
  kind: MediaKind | 'other'
  size: number
  /** Base64 SHA-256 the client declared; S3 enforced it at PUT. */
  checksumSha256?: string
  status: UploadStatus
  strategy: UploadStrategy
  multipart?: MultipartPlan
  /** The app's metadata as `key=value` strings (metadata.ts). */
  metadataPairs?: string[]
  /** Metadata keys the token's upload rules fixed (upload-rules.ts): the app set them, not the browser. */
  fixedMetadata?: string[]
  /**
   * Private uploads (absent: public) live under the bucket's private folder (bucket/private-keys.ts) and never get a
   * `url`, nor do their variants: they are read through short-lived presigned GETs (the download route).
   */
  visibility?: 'private'
  /** Final public (or CDN) URL, set when confirmed (never while quarantined: the key is then a quarantine key). */
  url?: string
  confirmedBy?: ConfirmedBy
  /** Set by the image worker: the upright size and placeholder, the variants — or why it could not make them. */
  image?: ImageInfo
  variants?: ImageVariant[]
  processingError?: string
  processedAt?: Date
  etag?: string
  /** Why confirm or the malware scan (`malware`) rejected the upload, or why `hoist gc` deleted it (`unreferenced`). */
  reason?: string
  /** With reason `malware`: the signature the scanner found. */
  malwareSignature?: string
  source: 'api' | 'migration'
  /** For migrated files: where the file was, relative to the old uploads directory. */
  legacyPath?: string
  createdAt: Date
  updatedAt: Date
  /** A pending upload not confirmed by then is expired by the sweeper. */
  expiresAt: Date
  /** When the presigned PUT URL stops working (single PUTs). */
  urlExpiresAt?: Date
  /** Set when the record ended without an object while its URL could still be used: the sweeper deletes the key again then (tombstone.ts). */
  purgeAfter?: Date
  confirmedAt?: Date
}

/**
 * `{ url }` for a key of a public upload (its object, or a variant), nothing for a private one: the one place that
 * decides whether a URL is handed out, for confirm, the scan's publish and the image worker alike.
 */
export function publicUrlField(
  record: Pick<UploadRecord, 'visibility'>,
  key: string,
  store: { publicUrl(key: string): string },
): { url?: string } {
  return record.visibility === 'private' ? {} : { url: store.publicUrl(key) }
}

/** The API's view of a record: never the owner's ids, never S3's multipart upload id. */
export function toView(record: UploadRecord): UploadView {
  return {
    id: record._id,
    key: record.key,
    status: record.status,
    filename: record.filename,
    contentType: record.contentType,
    kind: record.kind,
    size: record.size,
    ...(record.checksumSha256 ? { checksumSha256: record.checksumSha256 } : {}),
    strategy: record.strategy,
    ...(record.multipart ? { partSize: record.multipart.partSize, partCount: record.multipart.partCount } : {}),
    metadata: metadataOf(record.metadataPairs),
    ...(record.fixedMetadata?.length ? { fixedMetadata: record.fixedMetadata } : {}),
    ...(record.visibility ? { visibility: record.visibility } : {}),
    ...(record.url ? { url: record.url } : {}),
    ...(record.confirmedBy ? { confirmedBy: record.confirmedBy } : {}),
    ...(record.image ? { image: record.image } : {}),
    ...(record.variants ? { variants: record.variants } : {}),
    ...(record.processingError ? { processingError: record.processingError } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.malwareSignature ? { malwareSignature: record.malwareSignature } : {}),
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    ...(record.confirmedAt ? { confirmedAt: record.confirmedAt.toISOString() } : {}),
  }
}
