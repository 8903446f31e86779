/**
 * Configuration: one TypeBox schema (the type and the validator), read from env once at boot.
 * Tests build the app with an explicit `Config` object instead of env.
 */
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { mimeEssence } from '@hoist/protocol'
import { DEFAULT_RETRY_DELAYS_SECONDS } from './events/retry-schedule.js'
import { WEBHOOK_SECRET_PATTERN } from './events/webhook-signature.js'
import { DEFAULT_GRACE, parseGrace } from './gc/grace.js'
import { isLoopbackHost } from './net/addresses.js'
import { developmentOnlyProblems } from './production-settings.js'
import { DEFAULT_ALLOWED_CONTENT_TYPES, mediaTypeOf, type MediaKind } from './uploads/media-types.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB
/** SigV4 presigned URLs cannot live longer than 7 days. */
const MAX_PRESIGN_TTL_SECONDS = 604_800
/** S3_TIMEOUT_MS's default, for S3 clients made without a whole config (the stack, benchmarks). */
export const DEFAULT_S3_TIMEOUT_MS = 10_000

const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  host: Type.String({ minLength: 1, default: '0.0.0.0' }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),

  s3Bucket: Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]+[a-z0-9]$' }),
  awsRegion: Type.String({ minLength: 1, default: 'us-east-1' }),
  /** Absent: the AWS SDK's default credential chain (instance role, SSO profile…). */
  awsAccessKeyId: Type.Optional(Type.String({ minLength: 1 })),
  awsSecretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
  /** For MinIO, R2 and other S3-compatible stores; absent for AWS S3. */
  s3Endpoint: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  s3ForcePathStyle: Type.Boolean({ default: false }),
  /**
   * Every key Hoist writes starts with this, and its maintenance (doctor --fix, the public-read policy, the lifecycle
   * rule) stays under it, so it never touches other files in a shared bucket. `S3_KEY_PREFIX=` (set, empty) puts
   * keys at the bucket's root; then that maintenance needs --whole-bucket.
   */
  s3KeyPrefix: Type.String({ pattern: '^([A-Za-z0-9_-]+/)*$', maxLength: 100, default: 'uploads/' }),
  /** CDN or public bucket URL that serves the keys; absent: the bucket's own URL. */
  publicBaseUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  /** `sigv4` signs prepared requests directly; `sdk` uses getSignedUrl (same URLs, ~10x the CPU). */
  presigner: Type.Union([Type.Literal('sigv4'), Type.Literal('sdk')], { default: 'sigv4' }),
  /**
   * The time budget of one S3 attempt: connecting, and each wait for the store's next bytes (the SDK's
   * `connectionTimeout`/`socketTimeout`, and the same for the direct calls). A silent store is a 503 with Retry-After.
   */
  s3TimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: DEFAULT_S3_TIMEOUT_MS }),

  mongoUri: Type.String({ pattern: '^mongodb(\\+srv)?://' }),
  mongoDbName: Type.String({ minLength: 1, maxLength: 60, pattern: '^[A-Za-z0-9_-]+$', default: 'hoist' }),
  /**
   * The time budget of each of the MongoDB driver's waits: server selection, connecting, a pooled connection, a
   * silent command socket (see mongo-client.ts; a read the driver retries once can spend it twice). Spent: the
   * request answers 503 with Retry-After. Long scans (doctor, migrate) get it per batch.
   */
  mongoTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5_000 }),

  jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
  /** PEM public key: switches verification to RS256. */
  jwtPublicKey: Type.Optional(Type.String({ minLength: 100 })),
  jwtIssuer: Type.Optional(Type.String({ minLength: 1 })),
  jwtAudience: Type.Optional(Type.String({ minLength: 1 })),
  /** Tokens whose `exp` is further ahead are refused: a leaked token is good for at most this long. */
  tokenMaxLifetimeSeconds: Type.Integer({ minimum: 60, maximum: 30 * 86_400, default: 86_400 }),

  corsOrigins: Type.Array(Type.String({ pattern: '^https?://[^\\s/]+$' }), { default: [] }),

  allowedContentTypes: Type.Array(Type.String({ minLength: 3 }), {
    default: [...DEFAULT_ALLOWED_CONTENT_TYPES],
    minItems: 1,
  }),
  maxImageBytes: Type.Integer({ minimum: 1, default: 25 * MiB }),
  maxVideoBytes: Type.Integer({ minimum: 1, default: 5 * GiB }),
  /** PDFs: the worker holds one whole in memory to render its first page, so this also bounds that. */
  maxDocumentBytes: Type.Integer({ minimum: 1, default: 50 * MiB }),
  workspaceQuotaBytes: Type.Integer({ minimum: 0, default: 50 * GiB }),
  /** Above this size an upload goes multipart. */
  multipartThresholdBytes: Type.Integer({ minimum: 5 * MiB, maximum: 5 * GiB, default: 64 * MiB }),
  /** Preferred part size; grown when a file would need more than 10,000 parts. */
  multipartPartSizeBytes: Type.Integer({ minimum: 5 * MiB, maximum: 5 * GiB, default: 16 * MiB }),

  uploadUrlTtlSeconds: Type.Integer({ minimum: 10, maximum: MAX_PRESIGN_TTL_SECONDS, default: 900 }),
  /** How long a single-PUT upload may stay pending before the sweeper expires it (≥ the URL's life). */
  pendingTtlSeconds: Type.Integer({ minimum: 10, default: 3600 }),
  /** Multipart uploads resume over hours: their part URLs are re-signed on demand. */
  multipartPendingTtlSeconds: Type.Integer({ minimum: 60, default: 86_400 }),
  downloadUrlTtlSeconds: Type.Integer({ minimum: 10, maximum: MAX_PRESIGN_TTL_SECONDS, default: 300 }),

  /** Per user, route and minute: presigns, and each route that costs S3 calls (confirm, parts, download, delete). */
  presignRateLimitPerMinute: Type.Integer({ minimum: 1, default: 300 }),
  bucketCallRateLimitPerMinute: Type.Integer({ minimum: 1, default: 600 }),
  /** Per user and minute, each of the listings (GET /v1/uploads, GET /v1/events): database scans. */
  listRateLimitPerMinute: Type.Integer({ minimum: 1, default: 600 }),
  /** Where rate-limit counters are shared by every API instance; absent: each process counts alone. */
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://[^\\s]+$' })),
  /**
   * The time budget of one Redis command (ioredis `commandTimeout`). Spent: the request is let through uncounted
   * (fail-open, logged), never held.
   */
  redisTimeoutMs: Type.Integer({ minimum: 50, maximum: 30_000, default: 1_000 }),
  /** 0 turns the in-process sweeper off (run `hoist sweep` from a cron instead). */
  sweepIntervalSeconds: Type.Integer({ minimum: 0, default: 60 }),

  /** Standard Webhooks receiver of upload events; absent: events are only in GET /v1/events. */
  webhookUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
  /** `whsec_` and a base64 key, as Standard Webhooks libraries and Svix generate them. */
  webhookSecret: Type.Optional(Type.String({ pattern: WEBHOOK_SECRET_PATTERN })),
  /** Development only: allow an http receiver on a loopback address. */
  webhookAllowLoopback: Type.Boolean({ default: false }),
  webhookTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 30, default: 10 }),
  /** Seconds between attempts after each failure; after the last, the event is marked failed. */
  webhookRetryDelaysSeconds: Type.Array(Type.Number({ minimum: 0 }), {
    default: [...DEFAULT_RETRY_DELAYS_SECONDS],
    maxItems: 50,
  }),
  /** `api`: the API delivers events itself; `worker`: only a separate `hoist events deliver` process does. */
  eventDelivery: Type.Union([Type.Literal('api'), Type.Literal('worker')], { default: 'api' }),
  /** Shared secret of POST /v1/bucket-events (`Authorization: Bearer <token>`); absent: bucket notifications are off. */
  bucketEventsToken: Type.Optional(Type.String({ minLength: 24 })),
  /** Bucket notifications older than this are ignored (the sweeper still finds their objects). */
  bucketEventsMaxAgeSeconds: Type.Integer({ minimum: 10, default: 300 }),

  /** Widths of the image worker's variants (never wider than the original). */
  imageWidths: Type.Array(Type.Integer({ minimum: 16, maximum: 8192 }), {
    default: [320, 640, 1280, 1920],
    minItems: 1,
    maxItems: 12,
  }),
  /** AVIF variants beside the WebP ones (~2× the worker's CPU at effort 2; smaller files for browsers that take it). */
  imageAvif: Type.Boolean({ default: false }),
  /** Larger images are refused from their header: the memory bound (a 50 MP decode is ~200 MB). */
  imageMaxPixels: Type.Integer({ minimum: 1_000_000, default: 50_000_000 }),
  imageTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 600, default: 60 }),
  /** Images a worker process makes variants of at once (each takes up to one core). */
  imageConcurrency: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),

  /** PDFs with more pages get no preview but a processingError (only the first page is rendered). */
  pdfMaxPages: Type.Integer({ minimum: 1, default: 5000 }),
  /**
   * The memory ceiling of each preview renderer: the PDF renderer's WebAssembly heap, ffmpeg's address space (Debian's
   * ffmpeg maps ~300 MB of libraries before it reads anything).
   */
  previewMemoryMb: Type.Integer({ minimum: 512, maximum: 2048, default: 1024 }),
  /** The ffmpeg that makes video posters; not found: videos get no preview (and no error). */
  ffmpegPath: Type.String({ minLength: 1, default: 'ffmpeg' }),
  /** `hoist worker` runs `hoist gc` this often (0: never; run it from a cron job instead). */
  gcIntervalSeconds: Type.Integer({ minimum: 0, default: 0 }),
  /** The app's database for the worker's gc: its name on MONGO_URI's server, or a URI naming it. */
  gcDb: Type.Optional(Type.String({ minLength: 1 })),
  /** The app's collections the worker's gc looks for references in. */
  gcCollections: Type.Array(Type.String({ minLength: 1 }), { default: [], maxItems: 100 }),
  /** The worker's gc grace period (gc/grace.ts): 30m, 12h, 7d, 2w. */
  gcGrace: Type.String({ default: DEFAULT_GRACE }),
  /**
   * `clamav`: every upload is quarantined (not publicly readable, no URL) until clamd finds it clean; `off` (default):
   * confirmed uploads are public at once.
   */
  scan: Type.Union([Type.Literal('off'), Type.Literal('clamav')], { default: 'off' }),
  /** Where clamd listens (its TCPSocket/TCPAddr); required with SCAN=clamav. */
  clamdHost: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s/]+$' })),
  clamdPort: Type.Integer({ minimum: 1, maximum: 65535, default: 3310 }),
  /** The time budget of one scan, all of it: connecting, streaming the file, clamd's answer. Spent: retried later. */
  scanTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
  /** clamd's StreamMaxLength (Debian's clamd.conf: 25M): larger files are not sent, clamd would cut them off. */
  scanMaxBytes: Type.Integer({ minimum: 1, default: 25 * MiB }),
  /**
   * Files larger than clamd's StreamMaxLength cannot be scanned: `reject` (default: never publish what was not
   * scanned) rejects them with reason `too large to scan`; `publish` confirms them unscanned.
   */
  scanOversize: Type.Union([Type.Literal('reject'), Type.Literal('publish')], { default: 'reject' }),
  /** Seconds between scan attempts while clamd is down; the last repeats for ever (a quarantined file is never given up). */
  scanRetryDelaysSeconds: Type.Array(Type.Number({ minimum: 0 }), {
    default: [10, 60, 300, 900],
    minItems: 1,
    maxItems: 50,
  }),
  /** `off`: no /metrics and no measuring at all (the benchmark's baseline); `on`: Prometheus metrics (docs/OPERATIONS.md). */
  metrics: Type.Union([Type.Literal('on'), Type.Literal('off')], { default: 'on' }),
  /**
   * Scrapers send `Authorization: Bearer <METRICS_TOKEN>`. Unset: /metrics is open, except with NODE_ENV=production,
   * where it is then refused (the API is public on Render).
   */
  metricsToken: Type.Optional(Type.String({ minLength: 24 })),
  /** `hoist worker` and `hoist events deliver` serve their /metrics on this port; unset: none. (The API's is on PORT.) */
  metricsPort: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
})

export type Config = Static<typeof ConfigSchema>

/** The size limit of a kind of file (MAX_IMAGE_BYTES, MAX_VIDEO_BYTES, MAX_DOCUMENT_BYTES). */
export function maxBytesOfKind(
  config: Pick<Config, 'maxImageBytes' | 'maxVideoBytes' | 'maxDocumentBytes'>,
  kind: MediaKind,
): number {
  return { image: config.maxImageBytes, video: config.maxVideoBytes, document: config.maxDocumentBytes }[kind]
}

/** The env var behind each setting: the user's guide's names where it has them. */
export const ENV_NAMES = {
  port: 'PORT',
  host: 'HOST',
  logLevel: 'LOG_LEVEL',
  s3Bucket: 'S3_BUCKET_NAME',
  awsRegion: 'AWS_REGION',
  awsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  s3Endpoint: 'S3_ENDPOINT',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE',
  s3KeyPrefix: 'S3_KEY_PREFIX',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  presigner: 'PRESIGNER',
  s3TimeoutMs: 'S3_TIMEOUT_MS',
  mongoUri: 'MONGO_URI',
  mongoDbName: 'MONGO_DB_NAME',
  mongoTimeoutMs: 'MONGO_TIMEOUT_MS',
  jwtSecret: 'JWT_SECRET',
  jwtPublicKey: 'JWT_PUBLIC_KEY',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  tokenMaxLifetimeSeconds: 'TOKEN_MAX_LIFETIME_SECONDS',
  corsOrigins: 'CORS_ORIGINS',
  allowedContentTypes: 'ALLOWED_CONTENT_TYPES',
  maxImageBytes: 'MAX_IMAGE_BYTES',
  maxVideoBytes: 'MAX_VIDEO_BYTES',
  maxDocumentBytes: 'MAX_DOCUMENT_BYTES',
  workspaceQuotaBytes: 'WORKSPACE_QUOTA_BYTES',
  multipartThresholdBytes: 'MULTIPART_THRESHOLD_BYTES',
  multipartPartSizeBytes: 'MULTIPART_PART_SIZE_BYTES',
  uploadUrlTtlSeconds: 'UPLOAD_URL_TTL_SECONDS',
  pendingTtlSeconds: 'PENDING_TTL_SECONDS',
  multipartPendingTtlSeconds: 'MULTIPART_PENDING_TTL_SECONDS',
  downloadUrlTtlSeconds: 'DOWNLOAD_URL_TTL_SECONDS',
  presignRateLimitPerMinute: 'PRESIGN_RATE_LIMIT_PER_MINUTE',
  bucketCallRateLimitPerMinute: 'BUCKET_CALL_RATE_LIMIT_PER_MINUTE',
  listRateLimitPerMinute: 'LIST_RATE_LIMIT_PER_MINUTE',
  redisUrl: 'REDIS_URL',
  redisTimeoutMs: 'REDIS_TIMEOUT_MS',
  sweepIntervalSeconds: 'SWEEP_INTERVAL_SECONDS',
  webhookUrl: 'WEBHOOK_URL',
  webhookSecret: 'WEBHOOK_SECRET',
  webhookAllowLoopback: 'WEBHOOK_ALLOW_LOOPBACK',
  webhookTimeoutSeconds: 'WEBHOOK_TIMEOUT_SECONDS',
  webhookRetryDelaysSeconds: 'WEBHOOK_RETRY_DELAYS',
  eventDelivery: 'EVENT_DELIVERY',
  bucketEventsToken: 'BUCKET_EVENTS_TOKEN',
  bucketEventsMaxAgeSeconds: 'BUCKET_EVENTS_MAX_AGE_SECONDS',
  imageWidths: 'IMAGE_WIDTHS',
  imageAvif: 'IMAGE_AVIF',
  imageMaxPixels: 'IMAGE_MAX_PIXELS',
  imageTimeoutSeconds: 'IMAGE_TIMEOUT_SECONDS',
  imageConcurrency: 'IMAGE_CONCURRENCY',
  pdfMaxPages: 'PDF_MAX_PAGES',
  previewMemoryMb: 'PREVIEW_MEMORY_MB',
  ffmpegPath: 'FFMPEG_PATH',
  gcIntervalSeconds: 'GC_INTERVAL_SECONDS',
  gcDb: 'GC_DB',
  gcCollections: 'GC_COLLECTIONS',
  gcGrace: 'GC_GRACE',
  scan: 'SCAN',
  clamdHost: 'CLAMD_HOST',
  clamdPort: 'CLAMD_PORT',
  scanTimeoutSeconds: 'SCAN_TIMEOUT_SECONDS',
  scanMaxBytes: 'SCAN_MAX_BYTES',
  scanOversize: 'SCAN_OVERSIZE',
  scanRetryDelaysSeconds: 'SCAN_RETRY_DELAYS',
  metrics: 'METRICS',
  metricsToken: 'METRICS_TOKEN',
  metricsPort: 'METRICS_PORT',
} as const satisfies Record<keyof Config, string>

/** Env vars a deployment must set: the schema's required keys that have no default, by their env names. */
export const REQUIRED_ENV_NAMES: string[] = (ConfigSchema.required as (keyof Config)[])
  .filter((key) => (ConfigSchema.properties[key] as { default?: unknown }).default === undefined)
  .map((key) => ENV_NAMES[key])

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

const ARRAY_KEYS = new Set<keyof Config>([
  'corsOrigins',
  'allowedContentTypes',
  'webhookRetryDelaysSeconds',
  'imageWidths',
  'gcCollections',
  'scanRetryDelaysSeconds',
])
/** Settings where an empty value means something (`S3_KEY_PREFIX=`: keys at the bucket's root) rather than "unset". */
const EMPTY_IS_A_VALUE = new Set<keyof Config>(['s3KeyPrefix'])

function envNameOf(instancePath: string): string {
  const key = instancePath.split('/')[1] as keyof Config | undefined
  return key ? (ENV_NAMES[key] ?? key) : 'config'
}

/** Secrets published in Hoist's own files (infra/docker-compose.yml): anyone could mint tokens with them. */
const PLACEHOLDER_SECRETS = new Set(['change-me-to-a-long-random-secret-of-32-chars'])

/**
 * Validates a whole config (env-derived or explicit), applying defaults; throws ConfigError naming the env vars.
 * `nodeEnv` (NODE_ENV) is `development` only on a laptop: the one place a placeholder secret is tolerated;
 * `production` refuses every development-only setting (production-settings.ts).
 */
export function parseConfig(input: Record<string, unknown>, nodeEnv?: string): Config {
  const value = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, structuredClone(input)))
  const problems = Value.Errors(ConfigSchema, value).map((error) => {
    if (error.keyword === 'required') {
      const missing = error.params.requiredProperties
      return missing.map((key) => `${ENV_NAMES[key as keyof Config] ?? key} is required`).join('; ')
    }
    return `${envNameOf(error.instancePath)}${error.instancePath.split('/').length > 2 ? error.instancePath.replace(/^\/[^/]+/, '') : ''} ${error.message}`
  })
  const config = value as Config
  if (!config.jwtSecret && !config.jwtPublicKey)
    problems.push('JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256) is required')
  if (config.jwtSecret && config.jwtPublicKey) problems.push('set JWT_SECRET or JWT_PUBLIC_KEY, not both')
  if (config.jwtSecret && PLACEHOLDER_SECRETS.has(config.jwtSecret) && nodeEnv !== 'development') {
    problems.push('JWT_SECRET is the placeholder from infra/docker-compose.yml: set a long random secret')
  }
  if (Boolean(config.awsAccessKeyId) !== Boolean(config.awsSecretAccessKey)) {
    problems.push('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together')
  }
  if (config.pendingTtlSeconds < config.uploadUrlTtlSeconds) {
    problems.push(
      'PENDING_TTL_SECONDS must be at least UPLOAD_URL_TTL_SECONDS (an upload may finish as its URL expires)',
    )
  }
  if (config.webhookUrl && !config.webhookSecret)
    problems.push('WEBHOOK_URL needs WEBHOOK_SECRET (whsec_…) to sign deliveries')
  if (
    config.webhookUrl?.startsWith('http:') &&
    !(config.webhookAllowLoopback && isLoopbackHost(new URL(config.webhookUrl).hostname.replace(/^\[|\]$/g, '')))
  ) {
    problems.push(
      'WEBHOOK_URL must be https (plain http only to a loopback receiver, with WEBHOOK_ALLOW_LOOPBACK=true)',
    )
  }
  if (config.scan === 'clamav' && !config.clamdHost) problems.push('SCAN=clamav needs CLAMD_HOST (where clamd listens)')
  const unknownTypes = (config.allowedContentTypes ?? []).filter((type) => !mediaTypeOf(type))
  if (unknownTypes.length > 0) {
    problems.push(`ALLOWED_CONTENT_TYPES has types Hoist cannot verify: ${unknownTypes.join(', ')}`)
  }
  if (parseGrace(config.gcGrace) === undefined)
    problems.push(`GC_GRACE is a duration of at least a minute: 30m, 12h, 7d, 2w (not ${config.gcGrace})`)
  if (config.gcIntervalSeconds > 0 && (!config.gcDb || config.gcCollections.length === 0))
    problems.push(
      'GC_INTERVAL_SECONDS needs GC_DB (the app’s database) and GC_COLLECTIONS (where its files are referenced)',
    )
  if (nodeEnv === 'production') problems.push(...developmentOnlyProblems(config))
  if (problems.length > 0) throw new ConfigError(problems)
  // The API's schema lists these exactly: store each once, as its essence (`IMAGE/PNG` → `image/png`).
  config.allowedContentTypes = [...new Set(config.allowedContentTypes.map(mimeEssence))]
  return config
}

/** Reads the config from env vars (empty strings count as unset). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, unknown> = {}
  for (const [key, envName] of Object.entries(ENV_NAMES) as [keyof Config, string][]) {
    const raw = env[envName]
    if (raw === undefined || (raw.trim() === '' && !EMPTY_IS_A_VALUE.has(key))) continue
    input[key] = ARRAY_KEYS.has(key)
      ? raw
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : key === 'jwtPublicKey'
        ? raw.replace(/\\n/g, '\n')
        : raw.trim()
  }
  return parseConfig(input, env.NODE_ENV)
}
