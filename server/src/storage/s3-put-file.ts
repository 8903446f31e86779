/**
 * Uploads one local file into the bucket with SHA-256 checksums that S3 verifies: a single PUT, or multipart (each
 * part carrying its own checksum). The caller opened and hashed the file: the bytes sent are read from that same
 * handle (or are the very buffer hashed), so a file changed or swapped after hashing is refused by S3, never stored
 * under the old digest. Used by the migration only: the API never moves bytes.
 */
import { createHash } from 'node:crypto'
import type { FileHandle } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { IMMUTABLE_CACHE_CONTROL } from './cache-control.js'

/** A local file opened once and hashed in one read. */
export interface HashedFile {
  handle: FileHandle
  size: number
  /** SHA-256 of the whole file. */
  sha256: Buffer
  /** The whole file, when small enough to hold: uploaded from memory, so it is read exactly once. */
  bytes?: Buffer
  /** When it goes multipart: each part's length and SHA-256, from the same read as `sha256`. */
  parts?: { size: number; sha256: Buffer }[]
}

export interface LocalFileInput {
  key: string
  file: HashedFile
  contentType: string
  /** Serve as a download (SVG and unknown types: never rendered inline from the bucket's origin). */
  attachment: boolean
}

/**
 * The ChecksumSHA256 S3 reports for the object once stored (HeadObject with ChecksumMode ENABLED): the file's
 * SHA-256 for a single PUT; for multipart, S3's composite — the SHA-256 of the parts' SHA-256s, then `-<parts>`.
 */
export function expectedStoredChecksum(file: HashedFile): string {
  return file.parts ? compositeChecksum(file.parts.map((part) => part.sha256)) : file.sha256.toString('base64')
}

/** S3's ChecksumSHA256 of a multipart object, from its parts' SHA-256s in order. */
export function compositeChecksum(partSha256s: Buffer[]): string {
  const composite = createHash('sha256')
  for (const part of partSha256s) composite.update(part)
  return `${composite.digest('base64')}-${partSha256s.length}`
}

function body(file: HashedFile, start: number, size: number): Buffer | Readable {
  if (file.bytes) return file.bytes.subarray(start, start + size)
  // Positional reads on the caller's handle, which stays open (and keeps naming the same inode) for its caller.
  return file.handle.createReadStream({ start, end: start + size - 1, autoClose: false, emitClose: false })
}

/**
 * The headers of a single PUT of a file held in memory, for a direct call (s3-direct-calls.ts): the same fields
 * putFile gives the SDK, all of them signed.
 */
export function singlePutHeaders(input: LocalFileInput): Record<string, string> {
  return {
    'content-type': input.contentType,
    'cache-control': IMMUTABLE_CACHE_CONTROL,
    ...(input.attachment ? { 'content-disposition': 'attachment' } : {}),
    'x-amz-meta-sha256': input.file.sha256.toString('hex'),
    'x-amz-checksum-sha256': input.file.sha256.toString('base64'),
  }
}

export async function putFile(client: S3Client, bucket: string, input: LocalFileInput): Promise<void> {
  const { file } = input
  const common = {
    Bucket: bucket,
    Key: input.key,
    ContentType: input.contentType,
    // Content-addressed keys never change content: let browsers and CDNs keep them.
    CacheControl: IMMUTABLE_CACHE_CONTROL,
    ...(input.attachment ? { ContentDisposition: 'attachment' } : {}),
    // A re-run compares this with the local file instead of downloading the object.
    Metadata: { sha256: file.sha256.toString('hex') },
  }
  if (!file.parts) {
    await client.send(
      new PutObjectCommand({
        ...common,
        Body: body(file, 0, file.size),
        ContentLength: file.size,
        ChecksumSHA256: file.sha256.toString('base64'),
      }),
    )
    return
  }
  const created = await client.send(new CreateMultipartUploadCommand({ ...common, ChecksumAlgorithm: 'SHA256' }))
  const uploadId = created.UploadId!
  try {
    const parts = []
    let start = 0
    for (const [index, part] of file.parts.entries()) {
      const checksum = part.sha256.toString('base64')
      const uploaded = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: input.key,
          UploadId: uploadId,
          PartNumber: index + 1,
          Body: body(file, start, part.size),
          ContentLength: part.size,
          ChecksumSHA256: checksum,
        }),
      )
      parts.push({ PartNumber: index + 1, ETag: uploaded.ETag!, ChecksumSHA256: checksum })
      start += part.size
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: input.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    )
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.key, UploadId: uploadId }))
      .catch(() => undefined)
    throw error
  }
}
