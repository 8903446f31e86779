import t from 'tap'
import { ConfigError, ENV_NAMES, loadConfig, REQUIRED_ENV_NAMES } from '../../server/src/config.js'

const minimal = {
  S3_BUCKET_NAME: 'my-bucket',
  MONGO_URI: 'mongodb://127.0.0.1:27017/',
  JWT_SECRET: 'a'.repeat(32),
}

t.test('a minimal env gives a config with documented defaults', async (t) => {
  const config = loadConfig(minimal)
  t.equal(config.port, 3000)
  t.equal(config.awsRegion, 'us-east-1')
  t.equal(config.s3ForcePathStyle, false)
  t.equal(config.uploadUrlTtlSeconds, 900)
  t.same(config.corsOrigins, [])
  t.ok(config.allowedContentTypes.includes('image/png'))
  t.equal(config.s3KeyPrefix, 'uploads/', 'keys (and maintenance) stay under uploads/ unless told otherwise')
})

t.test('S3_KEY_PREFIX set but empty means the bucket root, not the default', async (t) => {
  t.equal(loadConfig({ ...minimal, S3_KEY_PREFIX: '' }).s3KeyPrefix, '')
  t.equal(loadConfig({ ...minimal, S3_KEY_PREFIX: 'media/hoist/' }).s3KeyPrefix, 'media/hoist/')
})

t.test('env strings are converted: numbers, booleans and comma lists', async (t) => {
  const config = loadConfig({
    ...minimal,
    PORT: '8080',
    S3_FORCE_PATH_STYLE: 'true',
    CORS_ORIGINS: 'https://a.example, https://b.example',
    ALLOWED_CONTENT_TYPES: 'image/png,video/mp4',
  })
  t.equal(config.port, 8080)
  t.equal(config.s3ForcePathStyle, true)
  t.same(config.corsOrigins, ['https://a.example', 'https://b.example'])
  t.same(config.allowedContentTypes, ['image/png', 'video/mp4'])
})

t.test('missing required settings are named by their env var', async (t) => {
  const error = t.throws(() => loadConfig({})) as ConfigError
  t.type(error, ConfigError)
  t.match(error.message, /S3_BUCKET_NAME is required/)
  t.match(error.message, /MONGO_URI is required/)
  t.match(error.message, /JWT_SECRET \(HS256\) or JWT_PUBLIC_KEY \(RS256\) is required/)
})

t.test('bad values are refused with the env var and the rule', async (t) => {
  const error = t.throws(() => loadConfig({ ...minimal, PORT: 'eighty', JWT_SECRET: 'short' })) as ConfigError
  t.match(error.message, /PORT/)
  t.match(error.message, /JWT_SECRET/)
})

t.test('presigned URLs cannot outlive SigV4’s 7 days', async (t) => {
  t.throws(
    () => loadConfig({ ...minimal, UPLOAD_URL_TTL_SECONDS: '604801', PENDING_TTL_SECONDS: '700000' }),
    /UPLOAD_URL_TTL_SECONDS/,
  )
})

t.test('types Hoist cannot verify cannot be allow-listed', async (t) => {
  t.throws(() => loadConfig({ ...minimal, ALLOWED_CONTENT_TYPES: 'image/png,image/svg+xml' }), /image\/svg\+xml/)
})

t.test('access keys go in pairs', async (t) => {
  t.throws(() => loadConfig({ ...minimal, AWS_ACCESS_KEY_ID: 'AKIA' }), /go together/)
})

t.test('the required env names are exactly the schema’s required keys', async (t) => {
  t.same([...REQUIRED_ENV_NAMES].sort(), ['MONGO_URI', 'S3_BUCKET_NAME'])
  t.equal(new Set(Object.values(ENV_NAMES)).size, Object.values(ENV_NAMES).length, 'no env name is used twice')
})

t.test('the compose file’s placeholder JWT secret is refused unless NODE_ENV=development', async (t) => {
  const placeholder = { ...minimal, JWT_SECRET: 'change-me-to-a-long-random-secret-of-32-chars' }
  t.throws(() => loadConfig(placeholder), /JWT_SECRET is the placeholder/, 'NODE_ENV unset')
  t.throws(() => loadConfig({ ...placeholder, NODE_ENV: 'production' }), /JWT_SECRET is the placeholder/)
  t.throws(() => loadConfig({ ...placeholder, NODE_ENV: 'Development ' }), /placeholder/, 'exactly "development"')
  t.equal(loadConfig({ ...placeholder, NODE_ENV: 'development' }).jwtSecret, placeholder.JWT_SECRET)
  t.ok(loadConfig({ ...minimal, NODE_ENV: 'production' }), 'any other secret, anywhere')
})

t.test('NODE_ENV=production refuses development-only settings, naming each', async (t) => {
  const production = { ...minimal, NODE_ENV: 'production' }
  const refusals: [Record<string, string>, RegExp][] = [
    [{ WEBHOOK_ALLOW_LOOPBACK: 'true' }, /WEBHOOK_ALLOW_LOOPBACK=true is for development only/],
    [{ AWS_ACCESS_KEY_ID: 'hoist-local', AWS_SECRET_ACCESS_KEY: 'hoist-local-secret-key' }, /AWS_SECRET_ACCESS_KEY/],
    [{ AWS_ACCESS_KEY_ID: 'minioadmin', AWS_SECRET_ACCESS_KEY: 'minioadmin' }, /AWS_SECRET_ACCESS_KEY/],
    [{ S3_ENDPOINT: 'http://localhost:9000' }, /S3_ENDPOINT is a loopback address/],
    [{ PUBLIC_BASE_URL: 'http://127.0.0.1:9000/hoist-dev' }, /PUBLIC_BASE_URL is a loopback address/],
  ]
  for (const [settings, message] of refusals) {
    t.throws(() => loadConfig({ ...production, ...settings }), message, Object.keys(settings).join(', '))
    t.ok(loadConfig({ ...minimal, ...settings, NODE_ENV: 'development' }), 'fine in development')
  }
  t.ok(loadConfig({ ...production, S3_ENDPOINT: 'https://s3.example.com', WEBHOOK_ALLOW_LOOPBACK: 'false' }))
})

t.test('TOKEN_MAX_LIFETIME_SECONDS: a day unless set, between a minute and 30 days', async (t) => {
  t.equal(loadConfig(minimal).tokenMaxLifetimeSeconds, 86_400)
  t.equal(loadConfig({ ...minimal, TOKEN_MAX_LIFETIME_SECONDS: '3600' }).tokenMaxLifetimeSeconds, 3600)
  t.throws(() => loadConfig({ ...minimal, TOKEN_MAX_LIFETIME_SECONDS: '10' }), /TOKEN_MAX_LIFETIME_SECONDS/)
})

t.test('WEBHOOK_ALLOW_LOOPBACK allows a plain http WEBHOOK_URL only on a loopback host', async (t) => {
  const webhook = { ...minimal, WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}` }
  const allowed = { ...webhook, WEBHOOK_ALLOW_LOOPBACK: 'true' }
  for (const url of ['http://127.0.0.1:8000/hooks', 'http://localhost:8000/hooks', 'http://[::1]:8000/hooks'])
    t.equal(loadConfig({ ...allowed, WEBHOOK_URL: url }).webhookUrl, url, url)
  for (const url of ['http://example.com/hooks', 'http://93.184.216.34/hooks', 'http://127.0.0.1.example.com/hooks'])
    t.throws(() => loadConfig({ ...allowed, WEBHOOK_URL: url }), /WEBHOOK_URL must be https/, url)
  t.throws(() => loadConfig({ ...webhook, WEBHOOK_URL: 'http://127.0.0.1:8000/hooks' }), /WEBHOOK_URL must be https/)
})

t.test('each dependency has a time budget with a default', async (t) => {
  const config = loadConfig(minimal)
  t.equal(config.mongoTimeoutMs, 5_000)
  t.equal(config.s3TimeoutMs, 10_000)
  t.equal(config.redisTimeoutMs, 1_000)
  t.equal(loadConfig({ ...minimal, MONGO_TIMEOUT_MS: '1500' }).mongoTimeoutMs, 1_500)
  t.throws(() => loadConfig({ ...minimal, REDIS_TIMEOUT_MS: '0' }), /REDIS_TIMEOUT_MS/)
})

t.test(
  'the worker’s gc: off by default; GC_INTERVAL_SECONDS needs GC_DB and GC_COLLECTIONS; GC_GRACE is checked',
  async (t) => {
    t.equal(loadConfig(minimal).gcIntervalSeconds, 0)
    t.throws(() => loadConfig({ ...minimal, GC_INTERVAL_SECONDS: '86400' }), /GC_INTERVAL_SECONDS needs GC_DB/)
    t.throws(() => loadConfig({ ...minimal, GC_GRACE: '5s' }), /GC_GRACE is a duration of at least a minute/)
    const config = loadConfig({
      ...minimal,
      GC_INTERVAL_SECONDS: '86400',
      GC_DB: 'app',
      GC_COLLECTIONS: 'walkthroughs, versions',
      GC_GRACE: '14d',
    })
    t.same([config.gcDb, config.gcCollections, config.gcGrace], ['app', ['walkthroughs', 'versions'], '14d'])
  },
)

t.test(
  'malware scanning: off by default; SCAN=clamav needs CLAMD_HOST; oversize files rejected unless told',
  async (t) => {
    const off = loadConfig(minimal)
    t.same([off.scan, off.scanOversize, off.scanTimeoutSeconds], ['off', 'reject', 300])
    t.throws(() => loadConfig({ ...minimal, SCAN: 'clamav' }), /SCAN=clamav needs CLAMD_HOST/)
    const on = loadConfig({ ...minimal, SCAN: 'clamav', CLAMD_HOST: 'clamav.internal', SCAN_RETRY_DELAYS: '5,30' })
    t.same([on.clamdHost, on.clamdPort, on.scanRetryDelaysSeconds], ['clamav.internal', 3310, [5, 30]])
    t.throws(() => loadConfig({ ...minimal, SCAN: 'yes' }), /SCAN/)
    t.throws(() => loadConfig({ ...minimal, SCAN_OVERSIZE: 'ignore' }), /SCAN_OVERSIZE/)
  },
)
