/**
 * The target of a move, described like the source (a Config: the same validation, S3 client, time budget and public
 * URLs), from the --to-* options and the TO_AWS_* credentials; and, when its bucket does not exist yet, the bucket
 * created and set up as `hoist bucket setup` would.
 */
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import { detectMinio, setupBucket, type StepReport } from '../bucket/setup.js'
import { parseConfig, type Config } from '../config.js'
import { isS3Forbidden, isS3NotFound } from '../storage/s3-errors.js'

export interface TargetOptions {
  bucket: string
  /** Default: the source's S3_ENDPOINT. */
  endpoint?: string | undefined
  /** Default: the source's AWS_REGION. */
  region?: string | undefined
  /** Default: the source's S3_FORCE_PATH_STYLE. */
  pathStyle?: boolean | undefined
  /** Default: none — the target bucket's own URL. */
  publicBaseUrl?: string | undefined
  /** TO_AWS_ACCESS_KEY_ID / TO_AWS_SECRET_ACCESS_KEY; default: the source's credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined
}

/** The source's settings with the target's store: everything else (prefix, time budget, part size) carries over. */
export function targetConfig(source: Config, target: TargetOptions): Config {
  const { publicBaseUrl: _sourceBase, s3Endpoint: _sourceEndpoint, ...rest } = source
  const endpoint = target.endpoint ?? source.s3Endpoint
  return parseConfig({
    ...rest,
    s3Bucket: target.bucket,
    ...(endpoint ? { s3Endpoint: endpoint } : {}),
    awsRegion: target.region ?? source.awsRegion,
    s3ForcePathStyle: target.pathStyle ?? source.s3ForcePathStyle,
    ...(target.publicBaseUrl ? { publicBaseUrl: target.publicBaseUrl } : {}),
    ...(target.credentials
      ? { awsAccessKeyId: target.credentials.accessKeyId, awsSecretAccessKey: target.credentials.secretAccessKey }
      : {}),
  })
}

export interface PreparedTarget {
  state: 'existing' | 'created' | 'to create'
  /** What `hoist bucket setup`'s steps did, when the bucket was created. */
  setup?: StepReport[]
}

/** Creates and sets up the target bucket when it does not exist (dry run: only says so). */
export async function prepareTargetBucket(
  client: S3Client,
  config: Config,
  options: { dryRun: boolean; access: 'public-read' | 'private'; wholeBucket: boolean },
): Promise<PreparedTarget> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.s3Bucket }))
    return { state: 'existing' }
  } catch (error) {
    if (!isS3NotFound(error)) throw unreachableTarget(config, error)
  }
  if (options.dryRun) return { state: 'to create' }
  const setup = await setupBucket(client, {
    bucket: config.s3Bucket,
    region: config.awsRegion,
    keyPrefix: config.s3KeyPrefix,
    corsOrigins: config.corsOrigins,
    access: options.access,
    abortIncompleteMultipartAfterDays: 2,
    minio: await detectMinio(config.s3Endpoint),
    wholeBucket: options.wholeBucket,
    // Notifications name the API's address: `hoist bucket setup` with the new settings turns them on.
    bucketEvents: 'off',
  })
  return { state: 'created', setup }
}

/** A HEAD answers a refusal with a bare 403 (no body, so the SDK names it UnknownError): say what it means. */
function unreachableTarget(config: Config, error: unknown): Error {
  const where = `s3://${config.s3Bucket} at ${config.s3Endpoint ?? `AWS S3 (${config.awsRegion})`}`
  const problem = isS3Forbidden(error)
    ? 'access denied: TO_AWS_ACCESS_KEY_ID and TO_AWS_SECRET_ACCESS_KEY (else the source credentials) may not use it'
    : (error as Error).message
  return new Error(`cannot reach the target bucket ${where}: ${problem}`, { cause: error })
}

/** What to change once the move is done: the settings that name the source's store, with the target's values. */
export function settingsToChange(source: Config, target: Config, credentialsFromEnv: boolean): string[] {
  const lines: string[] = []
  const change = (name: string, from: string | undefined, to: string | undefined): void => {
    if (from !== to) lines.push(to === undefined ? `${name}=   (unset; was ${from})` : `${name}=${to}`)
  }
  change('S3_BUCKET_NAME', source.s3Bucket, target.s3Bucket)
  change('S3_ENDPOINT', source.s3Endpoint, target.s3Endpoint)
  change('AWS_REGION', source.awsRegion, target.awsRegion)
  change('S3_FORCE_PATH_STYLE', String(source.s3ForcePathStyle), String(target.s3ForcePathStyle))
  change('PUBLIC_BASE_URL', source.publicBaseUrl, target.publicBaseUrl)
  if (credentialsFromEnv)
    lines.push('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: the values of TO_AWS_ACCESS_KEY_ID, TO_AWS_SECRET_ACCESS_KEY')
  return lines
}
