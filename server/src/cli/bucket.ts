/** `hoist bucket setup`: provisions the configured bucket (idempotent) and prints what each step did. */
import { detectMinio, setupBucket, type StepReport } from '../bucket/setup.js'
import type { BucketEvents } from '../bucket/notifications.js'
import type { Config } from '../config.js'
import { createS3Client } from '../storage/s3-client.js'

export interface BucketSetupFlags {
  access: 'public-read' | 'private'
  abortIncompleteMultipartAfterDays: number
  /** Lets the policy and lifecycle rule cover the whole bucket when S3_KEY_PREFIX is empty. */
  wholeBucket?: boolean
  /** Default: MinIO's HOIST webhook target when the store is MinIO and BUCKET_EVENTS_TOKEN is set, else off. */
  bucketEvents?: BucketEvents
}

export async function runBucketSetup(config: Config, flags: BucketSetupFlags): Promise<StepReport[]> {
  const client = createS3Client(config)
  const minio = await detectMinio(config.s3Endpoint)
  try {
    return await setupBucket(client, {
      bucket: config.s3Bucket,
      region: config.awsRegion,
      keyPrefix: config.s3KeyPrefix,
      corsOrigins: config.corsOrigins,
      access: flags.access,
      abortIncompleteMultipartAfterDays: flags.abortIncompleteMultipartAfterDays,
      minio,
      wholeBucket: flags.wholeBucket ?? false,
      bucketEvents: flags.bucketEvents ?? (minio && config.bucketEventsToken ? 'minio' : 'off'),
    })
  } finally {
    client.destroy()
  }
}

export function formatReports(bucket: string, reports: StepReport[]): string {
  return [
    `bucket ${bucket}:`,
    ...reports.map(
      (report) => `  ${report.step.padEnd(13)} ${report.outcome}${report.note ? ` — ${report.note}` : ''}`,
    ),
  ].join('\n')
}
