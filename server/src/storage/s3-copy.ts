/**
 * Server-side copies, for publishing a scanned file from its quarantine key (the bytes never leave the bucket).
 * CopyObject copies up to 5 GiB in one call; larger objects are copied as a multipart upload of UploadPartCopy
 * ranges. Both keep the source's Content-Type and Cache-Control (the multipart copy sets them again).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { MAX_PARTS } from '@hoist/protocol'
import type { ObjectHead } from './object-store.js'

const GiB = 1024 * 1024 * 1024
/** S3's largest CopyObject, and its largest part. */
const MAX_SINGLE_COPY_BYTES = 5 * GiB
/** Copy parts of 1 GiB (grown when an object would need more than 10,000): few calls, each well under the limit. */
const COPY_PART_BYTES = GiB

export async function copyObject(
  client: S3Client,
  bucket: string,
  from: string,
  to: string,
  source: Pick<ObjectHead, 'size' | 'contentType' | 'cacheControl'>,
  /** Tests copy small objects in parts (S3's minimum part is 5 MiB). */
  limits: { singleCopyMaxBytes: number; partBytes: number } = {
    singleCopyMaxBytes: MAX_SINGLE_COPY_BYTES,
    partBytes: COPY_PART_BYTES,
  },
): Promise<void> {
  const copySource = `${bucket}/${encodeURIComponent(from).replace(/%2F/g, '/')}`
  if (source.size <= limits.singleCopyMaxBytes) {
    await client.send(new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: copySource }))
    return
  }
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: to,
      ...(source.contentType ? { ContentType: source.contentType } : {}),
      ...(source.cacheControl ? { CacheControl: source.cacheControl } : {}),
    }),
  )
  const uploadId = created.UploadId
  if (!uploadId) throw new Error('S3 returned no UploadId')
  try {
    const partBytes = Math.max(limits.partBytes, Math.ceil(source.size / MAX_PARTS))
    const parts: { PartNumber: number; ETag: string }[] = []
    for (let start = 0, partNumber = 1; start < source.size; start += partBytes, partNumber++) {
      const end = Math.min(start + partBytes, source.size) - 1
      const copied = await client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: to,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: copySource,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      )
      const etag = copied.CopyPartResult?.ETag
      if (!etag) throw new Error(`S3 returned no ETag for copied part ${partNumber}`)
      parts.push({ PartNumber: partNumber, ETag: etag })
    }
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: to,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
      }),
    )
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId: uploadId }))
      .catch(() => undefined)
    throw error
  }
}
