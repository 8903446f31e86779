// The FastifyInstance.config declaration.
import type {} from './config.js'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import type { ObjectStore } from '../storage/object-store.js'
import { SdkUrlSigner } from '../storage/presign/sdk-url-signer.js'
import { SigV4UrlSigner } from '../storage/presign/sigv4-url-signer.js'
import type { UrlSigner } from '../storage/presign/url-signer.js'
import { S3Address } from '../storage/s3-address.js'
import { createS3Client } from '../storage/s3-client.js'
import { S3ObjectStore } from '../storage/s3-object-store.js'
import type { S3Client } from '@aws-sdk/client-s3'

declare module 'fastify' {
  interface FastifyInstance {
    objectStore: ObjectStore
  }
}

export function createUrlSigner(config: Config, client: S3Client, address: S3Address): UrlSigner {
  if (config.presigner === 'sdk') return new SdkUrlSigner(client, config.s3Bucket)
  // The client's credential provider caches and refreshes (instance roles, SSO) for the hand signer too.
  return new SigV4UrlSigner({ address, region: config.awsRegion, credentials: client.config.credentials })
}

/** Builds the object store exactly as the API uses it (the CLI tools reuse this). */
export function createObjectStore(config: Config): { store: S3ObjectStore; client: S3Client } {
  const client = createS3Client(config)
  const address = new S3Address({
    bucket: config.s3Bucket,
    region: config.awsRegion,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    forcePathStyle: config.s3ForcePathStyle,
  })
  const base = config.publicBaseUrl?.replace(/\/+$/, '')
  const store = new S3ObjectStore({
    client,
    bucket: config.s3Bucket,
    signer: createUrlSigner(config, client, address),
    publicUrl: (key) => (base ? `${base}/${key}` : address.objectUrl(key)),
  })
  return { store, client }
}

/** The S3 client (one per process) and the object store on it. */
export default fp(
  async (app) => {
    const { store, client } = createObjectStore(app.config)
    app.addHook('onClose', async () => {
      client.destroy()
    })
    app.decorate('objectStore', store)
  },
  { name: 'hoist-s3', dependencies: ['hoist-config'] },
)
