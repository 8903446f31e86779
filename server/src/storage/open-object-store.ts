import type { S3Client } from '@aws-sdk/client-s3'
import type { Config } from '../config.js'
import { SdkUrlSigner } from './presign/sdk-url-signer.js'
import { SigV4UrlSigner } from './presign/sigv4-url-signer.js'
import type { UrlSigner } from './presign/url-signer.js'
import { S3Address } from './s3-address.js'
import { createS3Client } from './s3-client.js'
import { S3DirectCalls } from './s3-direct-calls.js'
import { createS3Signer } from './s3-signer.js'
import { S3ObjectStore } from './s3-object-store.js'

function createUrlSigner(config: Config, client: S3Client, address: S3Address): UrlSigner {
  if (config.presigner === 'sdk') return new SdkUrlSigner(client, config.s3Bucket)
  // The client's credential provider caches and refreshes (instance roles, SSO) for the hand signer too.
  return new SigV4UrlSigner({ address, region: config.awsRegion, credentials: client.config.credentials })
}

/** The same time budget as the SDK client (s3-client.ts), and its credentials. */
function createDirectCalls(config: Config, client: S3Client, address: S3Address): S3DirectCalls {
  return new S3DirectCalls({
    address,
    signer: createS3Signer(config.awsRegion, client.config.credentials),
    connectionTimeoutMs: config.s3TimeoutMs,
    requestTimeoutMs: config.s3TimeoutMs,
  })
}

/** The object store exactly as the API uses it — its S3 client, URL signer and public URLs — for the API, the CLI and the benchmarks. Call `close()` when done. */
export function openObjectStore(config: Config): S3ObjectStore {
  const client = createS3Client(config)
  const address = new S3Address({
    bucket: config.s3Bucket,
    region: config.awsRegion,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    forcePathStyle: config.s3ForcePathStyle,
  })
  const base = config.publicBaseUrl?.replace(/\/+$/, '')
  return new S3ObjectStore({
    client,
    bucket: config.s3Bucket,
    signer: createUrlSigner(config, client, address),
    publicUrl: (key) => (base ? `${base}/${key}` : address.objectUrl(key)),
    keyPrefix: config.s3KeyPrefix,
    direct: createDirectCalls(config, client, address),
  })
}
