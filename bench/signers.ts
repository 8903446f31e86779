/**
 * The signing step alone, in this process: CPU per presigned PUT URL with Hoist's SigV4 signer and with the SDK's
 * getSignedUrl, on one long-lived client. No server, no database: the part of a presign that differs between them.
 */
import { SdkUrlSigner } from '../server/src/storage/presign/sdk-url-signer.js'
import { SigV4UrlSigner } from '../server/src/storage/presign/sigv4-url-signer.js'
import type { UrlSigner } from '../server/src/storage/presign/url-signer.js'
import { S3Address } from '../server/src/storage/s3-address.js'
import { createS3Client } from '../server/src/storage/s3-client.js'
import type { Stack } from '../infra/stack/index.js'

export interface SignerRow {
  signer: string
  microsPerUrl: number
}

const URLS = 5_000

async function measure(signer: UrlSigner): Promise<number> {
  const sign = (i: number) =>
    signer.putObject({
      key: `ws/2026/11/${i}.png`,
      contentType: 'image/png',
      contentLength: 1000 + i,
      expiresInSeconds: 900,
      checksumSha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
    })
  for (let i = 0; i < 500; i++) await sign(i) // warm-up: JIT, credential provider
  const before = process.cpuUsage()
  for (let i = 0; i < URLS; i++) await sign(i)
  const used = process.cpuUsage(before)
  return Number(((used.user + used.system) / URLS).toFixed(1))
}

export async function benchSigners(stack: Stack, bucket: string): Promise<SignerRow[]> {
  const config = {
    awsRegion: stack.s3.region,
    s3Endpoint: stack.s3.endpoint,
    s3ForcePathStyle: true,
    awsAccessKeyId: stack.s3.accessKeyId,
    awsSecretAccessKey: stack.s3.secretAccessKey,
  }
  const client = createS3Client(config)
  try {
    const address = new S3Address({
      bucket,
      region: stack.s3.region,
      endpoint: stack.s3.endpoint,
      forcePathStyle: true,
    })
    return [
      {
        signer: 'SigV4 on a prepared request (Hoist)',
        microsPerUrl: await measure(
          new SigV4UrlSigner({ address, region: stack.s3.region, credentials: client.config.credentials }),
        ),
      },
      { signer: 'SDK getSignedUrl', microsPerUrl: await measure(new SdkUrlSigner(client, bucket)) },
    ]
  } finally {
    client.destroy()
  }
}
