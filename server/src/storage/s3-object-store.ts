import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { paginateListObjectsV2 } from '@aws-sdk/client-s3'
import type {
  GetUrlInput,
  ObjectHead,
  ObjectStart,
  ObjectStore,
  DerivedObjects,
  LocalFileTarget,
  QuarantinedObjects,
  ObjectSummary,
  OpenMultipartUpload,
  PartUrlInput,
  PresignedRequest,
  PutUrlInput,
  StoredDigest,
  UploadedPart,
} from './object-store.js'
import type { UrlSigner } from './presign/url-signer.js'
import { dependencyUnavailable } from '../errors.js'
import { isS3Forbidden, isS3NotFound, isS3Unavailable, s3Call } from './s3-errors.js'
import { IMMUTABLE_CACHE_CONTROL } from './cache-control.js'
import { putFile, singlePutHeaders, type LocalFileInput } from './s3-put-file.js'
import type { S3DirectCalls } from './s3-direct-calls.js'
import type { DependencyObserver } from '../metrics/observers.js'
import { observeS3Client } from './s3-observer.js'
import type { IncomingHttpHeaders } from 'node:http'
import { header } from '../net/headers.js'
import type { Readable } from 'node:stream'
import { copyObject } from './s3-copy.js'

export interface S3ObjectStoreOptions {
  client: S3Client
  bucket: string
  signer: UrlSigner
  /** Builds the permanent URL of a key (CDN, public bucket URL). */
  publicUrl: (key: string) => string
  /** Where Hoist's keys live (`S3_KEY_PREFIX`): the only place the IAM policy lets it list. Default: the whole bucket. */
  keyPrefix?: string
  /** Confirm's HEAD and ranged GET without the SDK's per-call cost (s3-direct-calls.ts); the SDK when absent. */
  direct?: S3DirectCalls
}

export class S3ObjectStore implements ObjectStore, LocalFileTarget, DerivedObjects, QuarantinedObjects {
  readonly bucket: string
  private readonly client: S3Client
  private readonly signer: UrlSigner

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.bucket = options.bucket
    this.client = options.client
    this.signer = options.signer
  }

  publicUrl(key: string): string {
    return this.options.publicUrl(key)
  }

  readObject(key: string, maxBytes: number): Promise<Buffer | undefined> {
    return s3Call(async () => {
      let object
      try {
        object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      } catch (error) {
        if (await this.isMissing(error, key)) return undefined
        throw error
      }
      if ((object.ContentLength ?? 0) > maxBytes) {
        object.Body?.transformToWebStream()
          .cancel()
          .catch(() => undefined)
        throw new Error(`s3://${this.bucket}/${key} is ${object.ContentLength} bytes, over ${maxBytes}`)
      }
      return Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array())
    })
  }

  openObject(key: string): Promise<Readable | undefined> {
    return s3Call(async () => {
      try {
        const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
        return object.Body as Readable | undefined
      } catch (error) {
        if (await this.isMissing(error, key)) return undefined
        throw error
      }
    })
  }

  copyObject(from: string, to: string, source: ObjectHead): Promise<void> {
    return s3Call(() => copyObject(this.client, this.bucket, from, to, source))
  }

  writeObject(key: string, bytes: Buffer, contentType: string): Promise<void> {
    return s3Call(async () => {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentType: contentType,
          CacheControl: IMMUTABLE_CACHE_CONTROL,
        }),
      )
    })
  }

  /** From now on, every call to S3 (through the SDK or direct) is told to `observer`: the process's metrics. */
  observeCalls(observer: DependencyObserver): void {
    observeS3Client(this.client, observer)
    this.options.direct?.observeCalls(observer)
  }

  /** Releases the S3 client's connections: the store is unusable afterwards. */
  close(): void {
    this.client.destroy()
    this.options.direct?.close()
  }

  putLocalFile(input: LocalFileInput): Promise<void> {
    const { direct } = this.options
    const { bytes, parts } = input.file
    if (direct && bytes && !parts)
      return s3Call(async () => {
        await direct.put(input.key, singlePutHeaders(input), bytes)
      })
    return s3Call(() => putFile(this.client, this.bucket, input))
  }

  storedDigest(key: string): Promise<StoredDigest | undefined> {
    const direct = this.options.direct
    return this.unlessMissing(key, async () => {
      if (direct) {
        const headers = (await direct.head(key)).headers
        return {
          size: Number(header(headers, 'content-length') ?? -1),
          sha256: header(headers, 'x-amz-meta-sha256'),
          checksumSha256: header(headers, 'x-amz-checksum-sha256'),
        }
      }
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      )
      return { size: head.ContentLength ?? -1, sha256: head.Metadata?.sha256, checksumSha256: head.ChecksumSHA256 }
    })
  }

  /**
   * Lists one key under the prefix: proves the store answers, the credentials are good and the bucket exists.
   * Not HeadBucket: it needs s3:ListBucket with no prefix condition, which would also let the API list the bucket.
   */
  ping(): Promise<void> {
    return s3Call(async () => {
      await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.options.keyPrefix ?? '', MaxKeys: 1 }),
      )
    })
  }

  /**
   * Whether a failed HEAD or GET means "no such object". S3 answers a missing key with 403, not 404, when the
   * caller may not list the bucket — and the IAM policy lets the API list only with a prefix, which a HEAD or GET
   * does not carry. So a 403 is settled by listing the key itself (allowed under the prefix): not there, missing;
   * there, or the listing refused too, a real refusal.
   */
  private async isMissing(error: unknown, key: string): Promise<boolean> {
    if (isS3NotFound(error)) return true
    if (!isS3Forbidden(error)) return false
    // The key sorts before every other key it prefixes: one is enough.
    const listed = await this.client
      .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }))
      .catch(() => undefined)
    return listed !== undefined && !(listed.Contents ?? []).some((object) => object.Key === key)
  }

  // Signing is offline: these work while the store is down.
  presignPut(input: PutUrlInput): Promise<PresignedRequest<'PUT'>> {
    return this.signer.putObject(input)
  }

  presignPart(input: PartUrlInput): Promise<PresignedRequest<'PUT'>> {
    return this.signer.uploadPart(input)
  }

  presignGet(input: GetUrlInput): Promise<PresignedRequest<'GET'>> {
    return this.signer.getObject(input)
  }

  head(key: string): Promise<ObjectHead | undefined> {
    const direct = this.options.direct
    return this.unlessMissing(key, async () => {
      if (direct) return headFromHeaders((await direct.head(key)).headers)
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }),
      )
      return headFromSdk(head, head.ContentLength ?? 0)
    })
  }

  readPrefix(key: string, length: number): Promise<Uint8Array | undefined> {
    const direct = this.options.direct
    return this.unlessMissing(key, async () => {
      if (direct) return new Uint8Array((await direct.readPrefix(key, length)).body)
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${length - 1}` }),
      )
      const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array()
      // A store that ignores Range must not make us hold a whole file.
      return bytes.subarray(0, length)
    })
  }

  readSuffix(key: string, length: number): Promise<Uint8Array | undefined> {
    const direct = this.options.direct
    return this.unlessMissing(key, async () => {
      if (direct) return new Uint8Array((await direct.readSuffix(key, length)).body)
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=-${length}` }),
      )
      const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array()
      return bytes.subarray(-length)
    })
  }

  async readStart(key: string, length: number): Promise<ObjectStart | undefined> {
    try {
      return await this.unlessMissing(key, () => this.readRange(key, length))
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 416) throw error
      // The range starts past the end: the object is empty. Its HEAD tells the rest.
      const head = await this.head(key)
      if (!head) return undefined
      const { checksumSha256: _onlyInAWholeRead, ...rest } = head
      return { head: rest, prefix: new Uint8Array() }
    }
  }

  private async readRange(key: string, length: number): Promise<ObjectStart> {
    const direct = this.options.direct
    if (direct) {
      const { status, headers, body } = await direct.readPrefix(key, length)
      const { checksumSha256: _onlyInAWholeRead, ...head } = headFromHeaders(headers)
      return { head: { ...head, size: wholeSize(status, header(headers, 'content-range'), head.size) }, prefix: body }
    }
    const object = await this.client.send(
      new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${length - 1}` }),
    )
    const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array()
    const { checksumSha256: _onlyInAWholeRead, ...head } = headFromSdk(
      object,
      wholeSize(object.$metadata.httpStatusCode ?? 200, object.ContentRange, object.ContentLength ?? 0),
    )
    return {
      head,
      // A store that ignores Range must not make us hold a whole file.
      prefix: bytes.subarray(0, length),
    }
  }

  /** Runs an S3 call on one key; "no such object" (see isMissing) becomes undefined. */
  private unlessMissing<T>(key: string, call: () => Promise<T>): Promise<T | undefined> {
    return s3Call(async () => {
      try {
        return await call()
      } catch (error) {
        if (await this.isMissing(error, key)) return undefined
        throw error
      }
    })
  }

  delete(key: string): Promise<void> {
    return s3Call(async () => {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
    })
  }

  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key)
            yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) }
        }
      }
    } catch (error) {
      if (isS3Unavailable(error)) throw dependencyUnavailable('Object storage (S3)', error)
      throw error
    }
  }

  createMultipart(key: string, contentType: string): Promise<string> {
    return s3Call(async () => {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: contentType,
          CacheControl: IMMUTABLE_CACHE_CONTROL,
        }),
      )
      if (!created.UploadId) throw new Error('S3 returned no UploadId')
      return created.UploadId
    })
  }

  listParts(key: string, uploadId: string): Promise<UploadedPart[] | undefined> {
    return s3Call(async () => {
      const parts: UploadedPart[] = []
      // Not the SDK's paginator: MinIO answers an empty list with NextPartNumberMarker "0", which the paginator
      // takes for a next page, forever. IsTruncated is the reliable signal.
      let marker: string | undefined
      try {
        for (;;) {
          const page = await this.client.send(
            new ListPartsCommand({
              Bucket: this.bucket,
              Key: key,
              UploadId: uploadId,
              ...(marker ? { PartNumberMarker: marker } : {}),
            }),
          )
          for (const part of page.Parts ?? []) {
            if (part.PartNumber && part.ETag)
              parts.push({ partNumber: part.PartNumber, size: part.Size ?? 0, etag: part.ETag })
          }
          if (!page.IsTruncated || !page.NextPartNumberMarker || page.NextPartNumberMarker === marker) break
          marker = page.NextPartNumberMarker
        }
      } catch (error) {
        if (isS3NotFound(error)) return undefined
        throw error
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber)
    })
  }

  completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<boolean> {
    return s3Call(async () => {
      try {
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
          }),
        )
        return true
      } catch (error) {
        // Completed already (MinIO answers NoSuchUpload to a second complete) or aborted: the caller HEADs.
        if (isS3NotFound(error)) return false
        throw error
      }
    })
  }

  abortMultipart(key: string, uploadId: string): Promise<void> {
    return s3Call(async () => {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }))
      } catch (error) {
        if (!isS3NotFound(error)) throw error
      }
    })
  }

  /**
   * MinIO answers ListMultipartUploads with a non-empty prefix only for the upload whose key *equals* the prefix;
   * with an empty prefix it lists them all. AWS filters by prefix (and an IAM policy scoped to the prefix refuses
   * the unfiltered list). So: ask with the prefix, then unfiltered and filter here, tolerating a refusal.
   */
  async listMultipartUploads(prefix: string): Promise<OpenMultipartUpload[]> {
    const found = new Map<string, OpenMultipartUpload>()
    for (const upload of await this.listMultipartPages(prefix)) found.set(upload.uploadId, upload)
    if (prefix !== '') {
      const all = await this.listMultipartPages('').catch((error: unknown) => {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) return []
        throw error
      })
      for (const upload of all) if (upload.key.startsWith(prefix)) found.set(upload.uploadId, upload)
    }
    return [...found.values()]
  }

  private listMultipartPages(prefix: string): Promise<OpenMultipartUpload[]> {
    return s3Call(async () => {
      const uploads: OpenMultipartUpload[] = []
      let markers: { KeyMarker?: string; UploadIdMarker?: string } = {}
      for (;;) {
        const page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: prefix, ...markers }),
        )
        for (const upload of page.Uploads ?? []) {
          if (upload.Key && upload.UploadId) {
            uploads.push({
              key: upload.Key,
              uploadId: upload.UploadId,
              ...(upload.Initiated ? { initiated: upload.Initiated } : {}),
            })
          }
        }
        const next = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }
        if (
          !page.IsTruncated ||
          !next.KeyMarker ||
          (next.KeyMarker === markers.KeyMarker && next.UploadIdMarker === markers.UploadIdMarker)
        )
          break
        markers = { KeyMarker: next.KeyMarker, ...(next.UploadIdMarker ? { UploadIdMarker: next.UploadIdMarker } : {}) }
      }
      return uploads
    })
  }
}

/**
 * The whole object's size from a ranged GET: the total in Content-Range (`bytes 0-4095/73000`) of a 206, or the
 * length of a 200 from a store that ignored the range.
 */
function wholeSize(status: number, contentRange: string | undefined, contentLength: number): number {
  const total = status === 206 ? /\/(\d+)$/.exec(contentRange ?? '')?.[1] : undefined
  return total === undefined ? contentLength : Number(total)
}

/** The headers HeadObject and GetObject share, as the SDK maps them. */
type SdkObjectHeaders = Pick<
  HeadObjectCommandOutput,
  | 'ContentType'
  | 'ETag'
  | 'ChecksumSHA256'
  | 'CacheControl'
  | 'ContentDisposition'
  | 'ContentEncoding'
  | 'ExpiresString'
>

/** An ObjectHead from the SDK's HeadObject or GetObject output; `size` is the whole object's. */
function headFromSdk(output: SdkObjectHeaders, size: number): ObjectHead {
  const fields = {
    contentType: output.ContentType,
    etag: output.ETag,
    checksumSha256: output.ChecksumSHA256,
    cacheControl: output.CacheControl,
    contentDisposition: output.ContentDisposition,
    contentEncoding: output.ContentEncoding,
    expires: output.ExpiresString,
  }
  return { size, ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value)) }
}

/** An ObjectHead from S3's response headers, as the SDK's HeadObject maps them. */
function headFromHeaders(headers: IncomingHttpHeaders): ObjectHead {
  const one = (name: string): string | undefined => header(headers, name)
  const fields = {
    contentType: one('content-type'),
    etag: one('etag'),
    checksumSha256: one('x-amz-checksum-sha256'),
    cacheControl: one('cache-control'),
    contentDisposition: one('content-disposition'),
    contentEncoding: one('content-encoding'),
    expires: one('expires'),
  }
  return {
    size: Number(one('content-length') ?? 0),
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value)),
  }
}
