/**
 * Bucket notifications to POST /v1/bucket-events. MinIO: a webhook target named HOIST, configured by environment
 * variables when MinIO starts (`minioWebhookEnv`), and a bucket notification configuration pointing at it. AWS: the
 * bucket sends its events to EventBridge, where a rule and an API destination forward them (docs/DEPLOYMENT.md).
 * Setting a bucket's notification configuration replaces all of it, so other teams' entries are read and kept.
 */
import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type NotificationConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3'

export type BucketEvents = 'minio' | 'eventbridge' | 'off'

const MINIO_TARGET_ID = 'HOIST'
const CONFIGURATION_ID = 'hoist-object-created'

/** The environment a MinIO server needs for its HOIST webhook target (the queue survives API restarts). */
export function minioWebhookEnv(apiUrl: string, token: string, queueDir: string): Record<string, string> {
  return {
    [`MINIO_NOTIFY_WEBHOOK_ENABLE_${MINIO_TARGET_ID}`]: 'on',
    [`MINIO_NOTIFY_WEBHOOK_ENDPOINT_${MINIO_TARGET_ID}`]: `${apiUrl.replace(/\/+$/, '')}/v1/bucket-events`,
    [`MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_${MINIO_TARGET_ID}`]: token,
    [`MINIO_NOTIFY_WEBHOOK_QUEUE_DIR_${MINIO_TARGET_ID}`]: queueDir,
  }
}

/** The configuration we want, merged into what the bucket has (entries of others kept). */
function wanted(
  current: NotificationConfiguration,
  bucketEvents: BucketEvents,
  keyPrefix: string,
): NotificationConfiguration {
  const others = (current.QueueConfigurations ?? []).filter((entry) => entry.Id !== CONFIGURATION_ID)
  const { EventBridgeConfiguration: _eventBridge, QueueConfigurations: _queues, ...rest } = current
  const queues =
    bucketEvents === 'minio'
      ? [
          ...others,
          {
            Id: CONFIGURATION_ID,
            QueueArn: `arn:minio:sqs::${MINIO_TARGET_ID}:webhook`,
            Events: ['s3:ObjectCreated:*' as const],
            ...(keyPrefix ? { Filter: { Key: { FilterRules: [{ Name: 'prefix' as const, Value: keyPrefix }] } } } : {}),
          },
        ]
      : others
  return {
    ...rest,
    ...(queues.length > 0 ? { QueueConfigurations: queues } : {}),
    ...(bucketEvents === 'eventbridge' || current.EventBridgeConfiguration ? { EventBridgeConfiguration: {} } : {}),
  }
}

/** Normalised for comparison: stores echo configurations back with defaults filled in. */
function comparable(configuration: NotificationConfiguration): string {
  return JSON.stringify({
    queues: (configuration.QueueConfigurations ?? []).map((q) => [
      q.Id,
      q.QueueArn,
      [...(q.Events ?? [])].sort(),
      q.Filter?.Key?.FilterRules ?? [],
    ]),
    eventBridge: Boolean(configuration.EventBridgeConfiguration),
  })
}

export async function ensureNotifications(
  client: S3Client,
  bucket: string,
  bucketEvents: BucketEvents,
  keyPrefix: string,
): Promise<{ outcome: 'created' | 'updated' | 'unchanged' | 'skipped'; note?: string }> {
  if (bucketEvents === 'off')
    return { outcome: 'skipped', note: 'bucket notifications off (the sweeper confirms uploads whose client vanished)' }
  const { $metadata: _metadata, ...current } = await client.send(
    new GetBucketNotificationConfigurationCommand({ Bucket: bucket }),
  )
  const next = wanted(current, bucketEvents, keyPrefix)
  if (comparable(next) === comparable(current)) return { outcome: 'unchanged' }
  await client.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: next }))
  const ours =
    (current.QueueConfigurations ?? []).some((entry) => entry.Id === CONFIGURATION_ID) ||
    Boolean(current.EventBridgeConfiguration)
  return {
    outcome: ours ? 'updated' : 'created',
    note: bucketEvents === 'minio' ? `to MinIO's ${MINIO_TARGET_ID} webhook target` : 'to EventBridge',
  }
}
