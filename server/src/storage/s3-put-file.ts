/**
 * Streams one local file into the bucket with a SHA-256 that S3 verifies: a single PUT, or multipart (each part
 * carrying its own checksum) above the threshold. Used by the migration only: the API never moves bytes.
 */
import { createReadStream } from 'node:fs'
import { createHash } from 'node:crypto'
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { planParts } from '@hoist/protocol'
import { IMMUTABLE_CACHE_CONTROL } from './cache-control.js'

export interface LocalFileInput {
  key: string
  file: string
  size: number
  contentType: string
  /** SHA-256 of the whole file: base64 for S3's check of a single PUT, hex kept as metadata for re-runs. */
  sha256Base64: string
  sha256Hex: string
  /** Serve as a download (SVG and unknown types: never rendered inline from the bucket's origin). */
  attachment: boolean
  multipartThreshold: number
  partSize: number
}

async function sha256OfRange(file: string, start: number, end: number): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { start, end })) hash.update(chunk as Buffer)
  return hash.digest('base64')
}

export async function putFile(client: S3Client, bucket: string, input: LocalFileInput): Promise<void> {
  const common = {
    Bucket: bucket,
    Key: input.key,
    ContentType: input.contentType,
    // Content-addressed keys never change content: let browsers and CDNs keep them.
    CacheControl: IMMUTABLE_CACHE_CONTROL,
    ...(input.attachment ? { ContentDisposition: 'attachment' } : {}),
    // A re-run compares this with the local file instead of downloading the object.
    Metadata: { sha256: input.sha256Hex },
  }
  if (input.size <= input.multipartThreshold) {
    await client.send(
      new PutObjectCommand({
        ...common,
        Body: createReadStream(input.file),
        ContentLength: input.size,
        ChecksumSHA256: input.sha256Base64,
      }),
    )
    return
  }
  const plan = planParts(input.size, input.partSize)
  const created = await client.send(new CreateMultipartUploadCommand({ ...common, ChecksumAlgorithm: 'SHA256' }))
  const uploadId = created.UploadId!
  try {
    const parts = []
    for (let partNumber = 1; partNumber <= plan.partCount; partNumber++) {
      const start = (partNumber - 1) * plan.partSize
      const end = Math.min(input.size, start + plan.partSize) - 1
      const checksum = await sha256OfRange(input.file, start, end)
      const part = await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: input.key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: createReadStream(input.file, { start, end }),
          ContentLength: end - start + 1,
          ChecksumSHA256: checksum,
        }),
      )
      parts.push({ PartNumber: partNumber, ETag: part.ETag!, ChecksumSHA256: checksum })
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
