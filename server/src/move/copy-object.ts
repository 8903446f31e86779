/**
 * Copies one object between two S3-compatible stores (any endpoints, any credentials: no server-side CopyObject),
 * part by part: each part is one ranged GET of the source, held once in memory, and one PUT (or UploadPart) to the
 * target carrying its SHA-256, which the target verifies before storing. Ranged GETs rather than one long GET: a
 * response left unread while a part uploads would go silent and be cut by S3_TIMEOUT_MS. Every ranged GET names the
 * first one's ETag (If-Match), so all parts come from the same version of the object.
 */
import { createHash } from 'node:crypto'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type GetObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3'
import { partLength, planParts } from '@hoist/protocol'
import { compositeChecksum } from '../storage/s3-put-file.js'
import type { S3DirectCalls } from '../storage/s3-direct-calls.js'
import { isS3NotFound } from '../storage/s3-errors.js'
import { copySmall, headCopy } from './copy-small.js'

/** One side of a move: a bucket on a store, reached with its own client (endpoint, region, credentials). */
export interface BucketEnd {
  client: S3Client
  bucket: string
  /** The same bucket through direct SigV4 calls: small copies and HEADs go this way when both ends have it. */
  direct?: S3DirectCalls
}

/**
 * User metadata a copy carries: the source object's ETag when it was read. A rerun finds a target object with the
 * source's current ETag and size here, verified when written, and skips it.
 */
const SOURCE_ETAG_METADATA = 'hoist-source-etag'

export interface CopiedObject {
  size: number
  /** What the target stores as ChecksumSHA256: the body's SHA-256 (base64), or for multipart the composite `…-N`. */
  checksum: string
}

/** The headers the bucket serves the object with, kept as they were; user metadata too. */
function servedHeaders(got: GetObjectCommandOutput, etag: string): Record<string, unknown> {
  return {
    ...(got.ContentType ? { ContentType: got.ContentType } : {}),
    ...(got.CacheControl ? { CacheControl: got.CacheControl } : {}),
    // SVGs and unknown types are stored as attachments (never rendered inline from the bucket's origin): kept.
    ...(got.ContentDisposition ? { ContentDisposition: got.ContentDisposition } : {}),
    ...(got.ContentEncoding ? { ContentEncoding: got.ContentEncoding } : {}),
    Metadata: { ...got.Metadata, [SOURCE_ETAG_METADATA]: etag },
  }
}

async function readPart(
  source: BucketEnd,
  key: string,
  range?: { start: number; length: number },
  etag?: string,
): Promise<{ got: GetObjectCommandOutput; bytes: Buffer }> {
  const got = await source.client.send(
    new GetObjectCommand({
      Bucket: source.bucket,
      Key: key,
      ...(range ? { Range: `bytes=${range.start}-${range.start + range.length - 1}` } : {}),
      ...(etag ? { IfMatch: `"${etag}"` } : {}),
    }),
  )
  const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? new Uint8Array())
  const expected = range?.length ?? got.ContentLength
  if (expected !== undefined && bytes.length !== expected)
    throw new Error(`read ${bytes.length} bytes of s3://${source.bucket}/${key}, expected ${expected}`)
  return { got, bytes }
}

const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest()
const unquoted = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '')

/**
 * Copies `key` (of `size` bytes, as listed) and verifies the copy: the target's size and stored checksum must be
 * what was read. Objects larger than `partSize` go multipart (part size grown when 10,000 parts would not do).
 */
export async function copyObject(
  source: BucketEnd,
  target: BucketEnd,
  key: string,
  size: number,
  partSize: number,
): Promise<CopiedObject> {
  const multipart = size > partSize
  if (!multipart && size > 0 && source.direct && target.direct) {
    const small = await copySmall(source.direct, target.direct, key, size, SOURCE_ETAG_METADATA)
    const copied = { size: small.bytes, checksum: small.checksum }
    return verified(target, key, copied, small.etag)
  }
  const plan = multipart ? planParts(size, partSize) : undefined
  // `bytes` goes once part 1 is sent, so a multipart copy holds one part at a time.
  const first: { got: GetObjectCommandOutput; bytes?: Buffer } = await readPart(
    source,
    key,
    plan ? { start: 0, length: plan.partSize } : undefined,
  )
  const etag = unquoted(first.got.ETag)
  const headers = servedHeaders(first.got, etag)
  let copied: CopiedObject
  if (!plan) {
    const body = first.bytes!
    const digest = sha256(body)
    await target.client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ChecksumSHA256: digest.toString('base64'),
        ...headers,
      }),
    )
    copied = { size: body.length, checksum: digest.toString('base64') }
  } else {
    const total = Number(/\/(\d+)$/.exec(first.got.ContentRange ?? '')?.[1] ?? size)
    if (total !== size) throw new Error(`s3://${source.bucket}/${key} is ${total} bytes now, listed as ${size}`)
    const created = await target.client.send(
      new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: key, ChecksumAlgorithm: 'SHA256', ...headers }),
    )
    const uploadId = created.UploadId!
    try {
      const digests: Buffer[] = []
      const parts = []
      for (let partNumber = 1; partNumber <= plan.partCount; partNumber++) {
        const length = partLength(size, plan, partNumber)
        const bytes =
          first.bytes ?? (await readPart(source, key, { start: (partNumber - 1) * plan.partSize, length }, etag)).bytes
        delete first.bytes
        const digest = sha256(bytes)
        digests.push(digest)
        const checksum = digest.toString('base64')
        const uploaded = await target.client.send(
          new UploadPartCommand({
            Bucket: target.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: bytes,
            ContentLength: length,
            ChecksumSHA256: checksum,
          }),
        )
        parts.push({ PartNumber: partNumber, ETag: uploaded.ETag!, ChecksumSHA256: checksum })
      }
      await target.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: target.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      )
      copied = { size, checksum: compositeChecksum(digests) }
    } catch (error) {
      await target.client
        .send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: key, UploadId: uploadId }))
        .catch(() => undefined)
      throw error
    }
  }
  return verified(target, key, copied, etag)
}

/** The copy, once the target's HEAD agrees with what was sent; throws otherwise. */
async function verified(target: BucketEnd, key: string, copied: CopiedObject, etag: string): Promise<CopiedObject> {
  const problem = copyMismatch(await storedCopy(target, key), copied, etag)
  if (problem) throw new Error(`s3://${target.bucket}/${key} did not verify after the copy (${problem})`)
  return copied
}

/** What the target holds for a key, as a copy is checked against it; undefined when there is no object. */
export interface StoredCopy {
  size: number
  checksum?: string
  sourceEtag?: string
}

export async function storedCopy(target: BucketEnd, key: string): Promise<StoredCopy | undefined> {
  if (target.direct) return headCopy(target.direct, key, SOURCE_ETAG_METADATA)
  try {
    const head = await target.client.send(
      new HeadObjectCommand({ Bucket: target.bucket, Key: key, ChecksumMode: 'ENABLED' }),
    )
    return {
      size: head.ContentLength ?? -1,
      ...(head.ChecksumSHA256 ? { checksum: head.ChecksumSHA256 } : {}),
      ...(head.Metadata?.[SOURCE_ETAG_METADATA] ? { sourceEtag: head.Metadata[SOURCE_ETAG_METADATA] } : {}),
    }
  } catch (error) {
    if (isS3NotFound(error)) return undefined
    throw error
  }
}

/** What differs between the stored copy and what was sent, or undefined when they agree. */
export function copyMismatch(stored: StoredCopy | undefined, sent: CopiedObject, etag: string): string | undefined {
  if (!stored) return 'no object'
  if (stored.size !== sent.size) return `size ${stored.size}, sent ${sent.size}`
  if (stored.checksum !== sent.checksum) return `stored checksum ${stored.checksum ?? 'none'}, sent ${sent.checksum}`
  if (stored.sourceEtag !== etag) return `source ETag ${stored.sourceEtag ?? 'none'}, read ${etag}`
  return undefined
}

/**
 * Whether a target object is already a verified copy of the source object as listed now: the same size, a stored
 * checksum, and the ETag the source had when it was copied. (A copy is only ever stored with its checksum, which the
 * target verified; the marker is written with it, so a half-written copy never carries it.)
 */
export function isCopyOf(stored: StoredCopy | undefined, listed: { size: number; etag: string }): boolean {
  return (
    stored !== undefined &&
    stored.size === listed.size &&
    stored.checksum !== undefined &&
    stored.sourceEtag === unquoted(listed.etag)
  )
}
