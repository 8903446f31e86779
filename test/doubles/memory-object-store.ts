/**
 * ObjectStore in memory, for unit tests of the services. It keeps the same contract as S3ObjectStore
 * (test/contracts/object-store-contract.ts runs against both); tests "upload" with putObject and putPart.
 */
import { setImmediate as tick } from 'node:timers/promises'
import type {
  GetUrlInput,
  ObjectHead,
  ObjectStart,
  ObjectStore,
  ObjectSummary,
  OpenMultipartUpload,
  PartUrlInput,
  PresignedRequest,
  PutUrlInput,
  UploadedPart,
} from '../../server/src/storage/object-store.js'
import { putHeaders } from '../../server/src/storage/presign/url-signer.js'
import { encodeKey } from '../../server/src/storage/s3-address.js'

interface StoredObject {
  bytes: Uint8Array
  contentType: string
  checksumSha256?: string
  lastModified: Date
}

interface OpenUpload {
  key: string
  contentType: string
  parts: Map<number, Uint8Array>
  initiated: Date
}

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, StoredObject>()
  private readonly uploads = new Map<string, OpenUpload>()
  private nextUploadId = 1

  constructor(readonly bucket = 'memory-bucket') {}

  publicUrl(key: string): string {
    return `https://cdn.example/${encodeKey(key)}`
  }

  async ping(): Promise<void> {}

  async presignPut(input: PutUrlInput): Promise<PresignedRequest<'PUT'>> {
    return { method: 'PUT', url: this.signed(input.key, input.expiresInSeconds), headers: putHeaders(input) }
  }

  async presignPart(input: PartUrlInput): Promise<PresignedRequest<'PUT'>> {
    return {
      method: 'PUT',
      url: `${this.signed(input.key, input.expiresInSeconds)}&partNumber=${input.partNumber}`,
      headers: {},
    }
  }

  async presignGet(input: GetUrlInput): Promise<PresignedRequest<'GET'>> {
    return { method: 'GET', url: this.signed(input.key, input.expiresInSeconds), headers: {} }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    await tick()
    const object = this.objects.get(key)
    if (!object) return undefined
    return {
      size: object.bytes.length,
      contentType: object.contentType,
      ...(object.checksumSha256 ? { checksumSha256: object.checksumSha256 } : {}),
    }
  }

  async readPrefix(key: string, length: number): Promise<Uint8Array | undefined> {
    await tick()
    return this.objects.get(key)?.bytes.slice(0, length)
  }

  async readSuffix(key: string, length: number): Promise<Uint8Array | undefined> {
    await tick()
    return this.objects.get(key)?.bytes.slice(-length)
  }

  async readStart(key: string, length: number): Promise<ObjectStart | undefined> {
    const head = await this.head(key)
    if (!head) return undefined
    const { checksumSha256: _onlyInAWholeRead, ...rest } = head
    return { head: rest, prefix: this.objects.get(key)!.bytes.slice(0, length) }
  }

  async delete(key: string): Promise<void> {
    await tick()
    this.objects.delete(key)
  }

  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    for (const [key, object] of [...this.objects].sort(([a], [b]) => a.localeCompare(b))) {
      if (key.startsWith(prefix)) yield { key, size: object.bytes.length, lastModified: object.lastModified }
    }
  }

  async createMultipart(key: string, contentType: string): Promise<string> {
    await tick()
    const uploadId = `upload-${this.nextUploadId++}`
    this.uploads.set(uploadId, { key, contentType, parts: new Map(), initiated: new Date() })
    return uploadId
  }

  async listParts(key: string, uploadId: string): Promise<UploadedPart[] | undefined> {
    await tick()
    const upload = this.uploads.get(uploadId)
    if (!upload || upload.key !== key) return undefined
    return [...upload.parts]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, bytes]) => ({ partNumber, size: bytes.length, etag: `"${partNumber}-${bytes.length}"` }))
  }

  async completeMultipart(key: string, uploadId: string, parts: UploadedPart[]): Promise<boolean> {
    await tick()
    const upload = this.uploads.get(uploadId)
    if (!upload || upload.key !== key) return false
    const chunks = parts.map((part) => upload.parts.get(part.partNumber)!)
    const bytes = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0))
    let offset = 0
    for (const chunk of chunks) {
      bytes.set(chunk, offset)
      offset += chunk.length
    }
    this.uploads.delete(uploadId)
    this.objects.set(key, { bytes, contentType: upload.contentType, lastModified: new Date() })
    return true
  }

  async abortMultipart(_key: string, uploadId: string): Promise<void> {
    await tick()
    this.uploads.delete(uploadId)
  }

  async listMultipartUploads(prefix: string): Promise<OpenMultipartUpload[]> {
    await tick()
    return [...this.uploads]
      .filter(([, upload]) => upload.key.startsWith(prefix))
      .map(([uploadId, upload]) => ({ key: upload.key, uploadId, initiated: upload.initiated }))
  }

  /** What an uploader's presigned PUT leaves behind. */
  async putObject(key: string, bytes: Uint8Array, contentType: string, checksumSha256?: string): Promise<void> {
    await tick()
    this.objects.set(key, {
      bytes: Uint8Array.from(bytes),
      contentType,
      ...(checksumSha256 ? { checksumSha256 } : {}),
      lastModified: new Date(),
    })
  }

  async putPart(key: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<void> {
    await tick()
    const upload = this.uploads.get(uploadId)
    if (!upload || upload.key !== key) throw new Error('NoSuchUpload')
    upload.parts.set(partNumber, Uint8Array.from(bytes))
  }

  private signed(key: string, expiresInSeconds: number): string {
    return `memory://${this.bucket}/${encodeKey(key)}?expires=${expiresInSeconds}`
  }
}
