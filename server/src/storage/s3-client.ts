import { S3Client } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import type { Config } from '../config.js'

export type S3ClientConfig = Pick<
  Config,
  'awsRegion' | 'awsAccessKeyId' | 'awsSecretAccessKey' | 's3Endpoint' | 's3ForcePathStyle'
>

export const S3_CONNECTION_TIMEOUT_MS = 3_000
export const S3_REQUEST_TIMEOUT_MS = 60_000

/** One long-lived client per process: it keeps connections and credentials warm. */
export function createS3Client(config: S3ClientConfig): S3Client {
  return new S3Client({
    region: config.awsRegion,
    ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
    forcePathStyle: config.s3ForcePathStyle,
    ...(config.awsAccessKeyId && config.awsSecretAccessKey
      ? { credentials: { accessKeyId: config.awsAccessKeyId, secretAccessKey: config.awsSecretAccessKey } }
      : {}),
    // Otherwise recent SDKs add a CRC32 of the (empty) body to presigned PUTs and to requests MinIO rejects.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A stopped store must turn into a quick 503, not a request hanging for minutes.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: S3_CONNECTION_TIMEOUT_MS,
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
    }),
    maxAttempts: 2,
  })
}
