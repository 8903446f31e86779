import { GetObjectCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { GetUrlInput, PartUrlInput, PresignedRequest, PutUrlInput } from '../object-store.js'
import { IMMUTABLE_CACHE_CONTROL } from '../cache-control.js'
import { contentDisposition, putHeaders, type UrlSigner } from './url-signer.js'

/** The S3 presigner drops content-type from the signature unless told otherwise. */
const SIGNABLE = new Set(['content-type', 'content-length', 'if-none-match', 'cache-control'])
const UNHOISTABLE = new Set(['x-amz-checksum-sha256'])

/**
 * The SDK's getSignedUrl: the reference implementation, kept for comparison (tests upload through both signers'
 * URLs; the benchmark measures both). Needs a client built with requestChecksumCalculation WHEN_REQUIRED, or
 * the SDK signs a checksum of an empty body into every PUT URL.
 */
export class SdkUrlSigner implements UrlSigner {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putObject(input: PutUrlInput): Promise<PresignedRequest<'PUT'>> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: input.key,
      ContentType: input.contentType,
      ContentLength: input.contentLength,
      CacheControl: IMMUTABLE_CACHE_CONTROL,
      IfNoneMatch: '*',
      ...(input.checksumSha256 ? { ChecksumSHA256: input.checksumSha256 } : {}),
    })
    const url = await getSignedUrl(this.client, command, {
      expiresIn: input.expiresInSeconds,
      signableHeaders: SIGNABLE,
      unhoistableHeaders: UNHOISTABLE,
    })
    return { method: 'PUT', url, headers: putHeaders(input) }
  }

  async uploadPart(input: PartUrlInput): Promise<PresignedRequest<'PUT'>> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: input.key,
      UploadId: input.uploadId,
      PartNumber: input.partNumber,
      ContentLength: input.contentLength,
    })
    const url = await getSignedUrl(this.client, command, {
      expiresIn: input.expiresInSeconds,
      signableHeaders: SIGNABLE,
    })
    return { method: 'PUT', url, headers: {} }
  }

  async getObject(input: GetUrlInput): Promise<PresignedRequest<'GET'>> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: input.key,
      ...(input.downloadName ? { ResponseContentDisposition: contentDisposition(input.downloadName) } : {}),
      ...(input.cacheControl ? { ResponseCacheControl: input.cacheControl } : {}),
    })
    return {
      method: 'GET',
      url: await getSignedUrl(this.client, command, { expiresIn: input.expiresInSeconds }),
      headers: {},
    }
  }
}
