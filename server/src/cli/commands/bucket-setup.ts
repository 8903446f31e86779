import type { BucketEvents } from '../../bucket/notifications.js'
import { defineCommand, UsageError, wholeNumber } from '../command.js'

export default defineCommand({
  usage:
    'bucket setup [--access public-read|private] [--abort-multipart-days N] [--bucket-events minio|eventbridge|off] [--whole-bucket]',
  help: `Provisions the configured bucket; idempotent (a second run reports "unchanged").

  --access public-read|private   anonymous read of S3_KEY_PREFIX only (never listing), or none: private removes
                                 Hoist's public statement (default public-read)
  --abort-multipart-days N       lifecycle rule aborting abandoned multipart uploads under the prefix (default 2)
  --bucket-events <target>       object-created notifications to POST /v1/bucket-events: minio (its HOIST webhook
                                 target), eventbridge (AWS), off. Default: minio when the store is MinIO and
                                 BUCKET_EVENTS_TOKEN is set, else off
  --whole-bucket                 allow the policy and lifecycle rule on the whole bucket when S3_KEY_PREFIX is empty`,
  options: {
    access: { type: 'string', default: 'public-read' },
    'abort-multipart-days': { type: 'string', default: '2' },
    'bucket-events': { type: 'string' },
    'whole-bucket': { type: 'boolean', default: false },
  },
  async run({ values }, config) {
    if (values.access !== 'public-read' && values.access !== 'private')
      throw new UsageError('--access is public-read or private')
    const bucketEvents = values['bucket-events']
    if (bucketEvents !== undefined && !['minio', 'eventbridge', 'off'].includes(bucketEvents)) {
      throw new UsageError('--bucket-events is minio, eventbridge or off')
    }
    const { formatReports, runBucketSetup } = await import('../bucket.js')
    const resolved = await config()
    const reports = await runBucketSetup(resolved, {
      access: values.access,
      abortIncompleteMultipartAfterDays: wholeNumber(values['abort-multipart-days'], 'abort-multipart-days'),
      wholeBucket: values['whole-bucket'],
      ...(bucketEvents ? { bucketEvents: bucketEvents as BucketEvents } : {}),
    })
    console.log(formatReports(resolved.s3Bucket, reports))
    return 0
  },
})
