/** `hoist bucket setup`: provisions the configured bucket (idempotent) and prints what each step did. */
import { detectMinio, setupBucket, type StepReport } from '../bucket/setup.js'
import type { Config } from '../config.js'
import { createS3Client } from '../storage/s3-client.js'

export interface BucketSetupFlags {
  access: 'public-read' | 'private'
  abortIncompleteMultipartAfterDays: number
  /** Lets the policy and lifecycle rule cover the whole bucket when S3_KEY_PREFIX is empty. */
  wholeBucket?: boolean
}

export async function runBucketSetup(config: Config, flags: BucketSetupFlags): Promise<StepReport[]> {
  const client = createS3Client(config)
  try {
    return await setupBucket(client, {
      bucket: config.s3Bucket,
      region: config.awsRegion,
      keyPrefix: config.s3KeyPrefix,
      corsOrigins: config.corsOrigins,
      access: flags.access,
      abortIncompleteMultipartAfterDays: flags.abortIncompleteMultipartAfterDays,
      minio: await detectMinio(config.s3Endpoint),
      wholeBucket: flags.wholeBucket ?? false,
    })
  } finally {
    client.destroy()
  }
}

export function formatReports(bucket: string, reports: StepReport[]): string {
  return [
    `bucket ${bucket}:`,
    ...reports.map((report) => `  ${report.step.padEnd(9)} ${report.outcome}${report.note ? ` — ${report.note}` : ''}`),
  ].join('\n')
}
