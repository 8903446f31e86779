import { S3Client } from '@aws-sdk/client-s3'
import { NodeHttpHandler } from '@smithy/node-http-handler'
import { DEFAULT_S3_TIMEOUT_MS, type Config } from '../config.js'

export type S3ClientConfig = Pick<
  Config,
  'awsRegion' | 'awsAccessKeyId' | 'awsSecretAccessKey' | 's3Endpoint' | 's3ForcePathStyle'
> &
  Partial<Pick<Config, 's3TimeoutMs'>>

/** One long-lived client per process: it keeps connections and credentials warm. */
export function createS3Client(config: S3ClientConfig): S3Client {
  const timeoutMs = config.s3TimeoutMs ?? DEFAULT_S3_TIMEOUT_MS
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
    // S3's time budget: a frozen store (it accepts the connection, then never answers) is a 503, not a hang.
    // socketTimeout is the longest silence on the socket, so a long transfer that keeps moving is not cut. (Not
    // requestTimeout: since @smithy/node-http-handler 4 it times the whole request and only logs a warning unless
    // told to throw — the chaos run found deletes waiting for a frozen MinIO to thaw.) From 6 s on, the handler
    // arms the socket timer 3 s into the request, so the longest wait is then the budget plus 3 s.
    requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, socketTimeout: timeoutMs }),
    maxAttempts: 2,
  })
}
