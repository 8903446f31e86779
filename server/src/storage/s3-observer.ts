/**
 * Measures every SDK call of an S3 client: a middleware at the start of the client's stack, so one observation per
 * command however many attempts the SDK makes, named by the command (`ListParts`, `CompleteMultipartUpload`).
 */
import type { S3Client } from '@aws-sdk/client-s3'
import type { DependencyObserver } from '../metrics/observers.js'
import { observed } from '../metrics/observers.js'
import { isS3Timeout } from './s3-errors.js'

export function observeS3Client(client: S3Client, observer: DependencyObserver): void {
  client.middlewareStack.add(
    (next, context) => (args) =>
      observed(observer, 's3', String(context.commandName ?? 'unknown').replace(/Command$/, ''), isS3Timeout, () =>
        next(args),
      ),
    { step: 'initialize', name: 'hoistDependencyMetrics', priority: 'high' },
  )
}
