/**
 * The object store: what the services need from the bucket. S3ObjectStore implements it for AWS S3, MinIO, R2
 * and other S3-compatible stores. The API never moves file bytes through it: only HEADs, a ranged read of the
 * first bytes, deletes, multipart bookkeeping and URL signing.
 */

import type { Readable } from 'node:stream'
import type { LocalFileInput } from './s3-put-file.js'

/** A request the uploader (or downloader) sends as is: `url` and `headers` are exactly what was signed. */
export interface PresignedRequest<Method extends 'PUT' | 'GET' = 'PUT' | 'GET'> {
  method: Method
  url: string
  headers: Record<string, string>
}

export interface PutUrlInput {
  key: string
  contentType: string
  contentLength: number
  /** Base64 SHA-256 of the body: signed, so S3 rejects a body that does not match. */
  checksumSha256?: string
  expiresInSeconds: number
}

export interface PartUrlInput {
  key: string
  uploadId: string
  partNumber: number
  contentLength: number
  expiresInSeconds: number
}

export interface GetUrlInput {
  key: string
  expiresInSeconds: number
  /** Suggested name for a download (Content-Disposition: attachment). */
  downloadName?: string
  /** The Cache-Control the response carries instead of the object's (a private file must not be kept by caches). */
  cacheControl?: string
}

export interface ObjectHead {
  size: number
  contentType?: string
  etag?: string
  checksumSha256?: string
  /** Standard headers the bucket stores and serves with the object (confirm refuses ones Hoist did not set). */
  cacheControl?: string
  contentDisposition?: string
  contentEncoding?: string
  expires?: string
}

export interface ObjectStart {
  head: Omit<ObjectHead, 'checksumSha256'>
  prefix: Uint8Array
}

export interface UploadedPart {
  partNumber: number
  size: number
  etag: string
}

export interface ObjectSummary {
  key: string
  size: number
  lastModified: Date
}

export interface OpenMultipartUpload {
  key: string
  uploadId: string
  initiated?: Date
}

/** What the image worker needs besides the ObjectStore: the original's bytes, and its variants written beside it. */
export interface DerivedObjects {
  /** The object's bytes, or undefined when there is none; refuses (throws) objects larger than `maxBytes`. */
  readObject(key: string, maxBytes: number): Promise<Buffer | undefined>
  /** Writes a derived object (immutable cache headers, like every object Hoist writes). */
  writeObject(key: string, bytes: Buffer, contentType: string): Promise<void>
}

/**
 * What the malware scanner needs besides the ObjectStore: the file's bytes as a stream (files can be gigabytes), and a
 * server-side copy from its quarantine key to the key it is published under.
 */
export interface QuarantinedObjects {
  /** The object's bytes, streamed; undefined when there is none. */
  openObject(key: string): Promise<Readable | undefined>
  /** Copies `from` to `to` inside the bucket (with its Content-Type and Cache-Control); `source` is from a HEAD. */
  copyObject(from: string, to: string, source: ObjectHead): Promise<void>
}

/** What the bucket holds for a key, as `hoist migrate` checks it against the local file. */
export interface StoredDigest {
  size: number
  /** The hex SHA-256 `putLocalFile` stored as metadata. */
  sha256: string | undefined
  /** The checksum S3 itself verified and stored (base64; `-<parts>` suffixed for a multipart composite). */
  checksumSha256: string | undefined
}

/** What `hoist migrate` needs besides the ObjectStore: bytes from local files, and the checksums stored with them. */
export interface LocalFileTarget {
  putLocalFile(input: LocalFileInput): Promise<void>
  /** undefined when there is no object. */
  storedDigest(key: string): Promise<StoredDigest | undefined>
}

export interface ObjectStore {
  readonly bucket: string
  /** The object's permanent public (or CDN) URL. */
  publicUrl(key: string): string
  ping(): Promise<void>
  presignPut(input: PutUrlInput): Promise<PresignedRequest<'PUT'>>
  presignPart(input: PartUrlInput): Promise<PresignedRequest<'PUT'>>
  presignGet(input: GetUrlInput): Promise<PresignedRequest<'GET'>>
  /** undefined when the object does not exist. */
  head(key: string): Promise<ObjectHead | undefined>
  /** The first `length` bytes (fewer if the object is shorter); undefined when the object does not exist. */
  readPrefix(key: string, length: number): Promise<Uint8Array | undefined>
  /** The last `length` bytes (fewer when the object is shorter); undefined when there is none. */
  readSuffix(key: string, length: number): Promise<Uint8Array | undefined>
  /**
   * The object's head and its first `length` bytes in one read (a ranged GET: its headers are the object's, its size
   * from Content-Range); undefined when the object does not exist. The head has no `checksumSha256`: S3 returns the
   * whole object's checksum only to a read of the whole object.
   */
  readStart(key: string, length: number): Promise<ObjectStart | undefined>
  /** Deleting a missing object is not an error. */
  delete(key: string): Promise<void>
  list(prefix: string): AsyncIterable<ObjectSummary>

  createMultipart(key: string, contentType: string): Promise<string>
  /** The parts already in the bucket; undefined when the multipart upload no longer exists. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[] | undefined>
  /** Returns false when S3 no longer knows the upload (completed or aborted already). */
  completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<boolean>
  abortMultipart(key: string, uploadId: string): Promise<void>
  /** Multipart uploads still open under a prefix (for tests and reconciliation). */
  listMultipartUploads(prefix: string): Promise<OpenMultipartUpload[]>
}
