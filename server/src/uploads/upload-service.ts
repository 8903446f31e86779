/**
 * The upload lifecycle, minus confirm (confirm.ts) and multipart parts (multipart-service.ts): presign, read,
 * list, delete, download. Every method is scoped to the caller's workspace.
 */
import type {
  UploadInstructions,
  UploadList,
  UploadListQuery,
  UploadStatus,
  UploadView,
  CreateUploadBody,
  Download,
  DownloadQuery,
} from '@hoist/protocol'
import { MAX_SINGLE_PUT_SIZE, planParts } from '@hoist/protocol'
import {
  ContentTypeNotAllowed,
  FileTooLarge,
  NotUploadedYet,
  QuotaExceeded,
  UploadBusy,
  UploadNotPending,
  VariantNotFound,
} from '../errors.js'
import { maxBytesOfKind } from '../config.js'
import { findOwned, type ServiceDeps } from './deps.js'
import { privateKey, quarantineKey } from '../bucket/private-keys.js'
import { displayFilename, downloadFilename, newUploadId, objectKey } from './keys.js'
import { mediaTypeOf, type MediaType } from './media-types.js'
import type { Principal } from './principal.js'
import { toView, type UploadRecord } from './record.js'
import { deleteConfirmed, releaseStorage } from './release.js'
import { purgeChange } from './tombstone.js'
import { metadataFilter, metadataPairs } from './metadata.js'
import { applyUploadRules } from './upload-rules.js'
import { uploadTracing } from '../telemetry/upload-tracing.js'

/** The type confirm verified (migrated files: the one their key carries). */
function verifiedExtension(record: UploadRecord): string {
  return mediaTypeOf(record.contentType)?.extension ?? /\.([A-Za-z0-9]{1,10})$/.exec(record.key)?.[1] ?? 'bin'
}

/** The variant of that width and format the image worker made; a 404 naming what exists otherwise. */
function variantOf(
  record: UploadRecord,
  width: number,
  format: string,
): { key: string; width: number; format: string } {
  const variant = record.variants?.find((each) => each.width === width && each.format === format)
  if (variant) return variant
  const made = (record.variants ?? []).map((each) => `${each.width} ${each.format}`)
  throw new VariantNotFound(record._id, `${width} ${format}`, made.length > 0 ? made.join(', ') : 'none (yet)')
}

const LISTED_BY_DEFAULT: readonly UploadStatus[] = ['pending', 'quarantined', 'confirmed', 'rejected', 'expired']

export class UploadService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Checks type, size and quota, reserves the bytes, and returns what the uploader must send where. */
  async create(principal: Principal, input: CreateUploadBody): Promise<UploadInstructions> {
    const { config, store } = this.deps
    const mediaType = this.allowedType(input.contentType)
    const maxBytes = maxBytesOfKind(config, mediaType.kind)
    if (input.size > maxBytes) throw new FileTooLarge(input.size, mediaType.kind, maxBytes)
    const ruled = applyUploadRules(principal.uploadRules, {
      contentType: mediaType.contentType,
      size: input.size,
      ...(input.metadata ? { metadata: input.metadata } : {}),
      ...(input.visibility ? { visibility: input.visibility } : {}),
    })
    const multipart = input.size > Math.min(config.multipartThresholdBytes, MAX_SINGLE_PUT_SIZE)

    const now = this.deps.clock()
    const id = newUploadId(now)
    const publicKey = objectKey(config.s3KeyPrefix, principal.workspaceId, id, mediaType.extension, now)
    // A private upload lives in the folder the bucket never serves anonymously, for good.
    const finalKey = ruled.visibility === 'private' ? privateKey(config.s3KeyPrefix, publicKey) : publicKey
    // With scanning on, the file goes where the bucket never serves it anonymously, until its scan finds it clean.
    const key = config.scan === 'off' ? finalKey : quarantineKey(config.s3KeyPrefix, finalKey)
    const base = {
      _id: id,
      workspaceId: principal.workspaceId,
      userId: principal.userId,
      key,
      filename: displayFilename(input.filename),
      metadataPairs: metadataPairs(ruled.metadata),
      ...(ruled.fixedMetadata.length > 0 ? { fixedMetadata: ruled.fixedMetadata } : {}),
      ...(ruled.visibility === 'private' ? { visibility: 'private' as const } : {}),
      contentType: mediaType.contentType,
      kind: mediaType.kind,
      size: input.size,
      status: 'pending' as const,
      source: 'api' as const,
      createdAt: now,
      updatedAt: now,
      ...uploadTracing().startUpload(id),
    }

    if (!multipart) {
      const urlExpiresAt = new Date(now.getTime() + config.uploadUrlTtlSeconds * 1000)
      const request = await store.presignPut({
        key,
        contentType: mediaType.contentType,
        contentLength: input.size,
        ...(input.checksum ? { checksumSha256: input.checksum } : {}),
        expiresInSeconds: config.uploadUrlTtlSeconds,
      })
      const record: UploadRecord = {
        ...base,
        ...(input.checksum ? { checksumSha256: input.checksum } : {}),
        strategy: 'single',
        expiresAt: new Date(now.getTime() + config.pendingTtlSeconds * 1000),
        urlExpiresAt,
      }
      await this.admit(record)
      return { id, key, strategy: 'single', ...request, method: 'PUT', expiresAt: urlExpiresAt.toISOString() }
    }

    const plan = planParts(input.size, config.multipartPartSizeBytes)
    const uploadId = await store.createMultipart(key, mediaType.contentType)
    const record: UploadRecord = {
      ...base,
      strategy: 'multipart',
      multipart: { uploadId, ...plan },
      expiresAt: new Date(now.getTime() + config.multipartPendingTtlSeconds * 1000),
    }
    await this.admit(record).catch(async (error: unknown) => {
      await store.abortMultipart(key, uploadId).catch(() => undefined)
      throw error
    })
    return { id, key, strategy: 'multipart', ...plan, expiresAt: record.expiresAt.toISOString() }
  }

  /** Records the pending upload if the workspace has room for it (storage/quota-journal.ts); QuotaExceeded otherwise. */
  private async admit(record: UploadRecord): Promise<void> {
    const quota = this.deps.config.workspaceQuotaBytes
    if (!(await this.deps.ledger.admit(record, quota))) throw new QuotaExceeded(quota)
  }

  async get(principal: Principal, id: string): Promise<UploadView> {
    return toView(await findOwned(this.deps.ledger, principal, id))
  }

  async list(principal: Principal, input: UploadListQuery): Promise<UploadList> {
    // One extra record tells whether another page exists.
    const records = await this.deps.ledger.listPage({
      workspaceId: principal.workspaceId,
      statuses: input.status ? [input.status] : LISTED_BY_DEFAULT,
      metadataPair: metadataFilter(input),
      ...(input.cursor ? { beforeId: input.cursor } : {}),
      limit: input.limit + 1,
    })
    const page = records.slice(0, input.limit)
    const more = records.length > input.limit
    return { items: page.map(toView), ...(more ? { nextCursor: page[page.length - 1]!._id } : {}) }
  }

  /**
   * Pending: discarded (record first, so a racing confirm loses; then the object or multipart upload).
   * Confirmed or quarantined: the object is deleted, then the record. Already gone: nothing to do.
   */
  async remove(principal: Principal, id: string): Promise<void> {
    let record = await findOwned(this.deps.ledger, principal, id, { deleted: 'found' })
    if (record.status === 'pending') {
      const discarded = await this.deps.ledger.transition(
        record._id,
        'pending',
        { status: 'deleted', ...purgeChange(record, this.deps.clock()) },
        record,
      )
      if (discarded) {
        this.deps.countTransition?.('deleted', 'client')
        return releaseStorage(this.deps, discarded)
      }
      // Another request moved it first (a confirm, the sweeper): act on what it is now.
      const now = await this.deps.ledger.settled(record._id, 'pending')
      if (!now) throw new UploadBusy(record._id)
      if (now.status !== 'confirmed' && now.status !== 'quarantined') return
      record = now
    }
    // A quarantined file the scanner is publishing at this moment: the scanner loses its transition and removes its copy.
    if (record.status === 'confirmed' || record.status === 'quarantined') {
      if (await deleteConfirmed(this.deps, record)) this.deps.countTransition?.('deleted', 'client')
    }
  }

  /**
   * A short-lived GET URL (DOWNLOAD_URL_TTL_SECONDS) for a confirmed upload, or one of its image variants: how a
   * private upload is read, and any upload in a private bucket.
   */
  async downloadUrl(principal: Principal, id: string, query: DownloadQuery = {}): Promise<Download> {
    const record = await findOwned(this.deps.ledger, principal, id)
    if (record.status === 'pending') throw new NotUploadedYet()
    if (record.status !== 'confirmed') throw new UploadNotPending(record._id, record.status)
    const ttl = this.deps.config.downloadUrlTtlSeconds
    const target = query.width === undefined ? undefined : variantOf(record, query.width, query.format ?? 'webp')
    const request = await this.deps.store.presignGet({
      key: target?.key ?? record.key,
      expiresInSeconds: ttl,
      downloadName: target
        ? downloadFilename(record.filename, `w${target.width}.${target.format}`)
        : downloadFilename(record.filename, verifiedExtension(record)),
      // The object says `public, immutable` (one value for every key); its signed GET must not outlive its URL in a cache.
      ...(record.visibility === 'private' ? { cacheControl: `private, max-age=${ttl}` } : {}),
    })
    return { ...request, expiresAt: new Date(this.deps.clock().getTime() + ttl * 1000).toISOString() }
  }

  private allowedType(contentType: string): MediaType {
    const mediaType = mediaTypeOf(contentType)
    const allowed = this.deps.config.allowedContentTypes
    if (!mediaType || !allowed.includes(mediaType.contentType)) {
      throw new ContentTypeNotAllowed(contentType, allowed.join(', '))
    }
    return mediaType
  }
}
