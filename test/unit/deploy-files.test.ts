/**
 * The deployment files agree with the code: render.yaml and docker-compose declare exactly the settings the config
 * schema knows, DEPLOYMENT.md documents every one and names only files that exist, the IAM policy is least-privilege.
 */
import { existsSync, readFileSync } from 'node:fs'
import t from 'tap'
import { parse } from 'yaml'
import { ENV_NAMES, loadConfig, REQUIRED_ENV_NAMES } from '../../server/src/config.js'

const KNOWN = new Set<string>(Object.values(ENV_NAMES))
/** Read by the platform, not by Hoist. */
const PLATFORM = new Set(['NODE_VERSION'])

interface RenderService {
  name: string
  type: string
  runtime: string
  buildCommand: string
  startCommand?: string
  healthCheckPath?: string
  staticPublishPath?: string
  disk?: unknown
  envVars: { key: string; value?: string; sync?: boolean; generateValue?: boolean; fromService?: unknown }[]
}

const render = parse(readFileSync('render.yaml', 'utf8')) as { services: RenderService[] }
const api = render.services.find((service) => service.name === 'hoist-api')!
const web = render.services.find((service) => service.name === 'hoist-web')!
const worker = render.services.find((service) => service.name === 'hoist-worker')!

t.test('render.yaml: the API declares only settings the config knows, and every required one', async (t) => {
  const declared = api.envVars.map((v) => v.key)
  t.same(
    declared.filter((key) => !KNOWN.has(key) && !PLATFORM.has(key)),
    [],
    'no unknown variables',
  )
  t.same(
    REQUIRED_ENV_NAMES.filter((key) => !declared.includes(key)),
    [],
    'every required variable',
  )
  t.ok(declared.includes('JWT_SECRET'))
})

t.test('render.yaml: the image worker runs the built CLI with the API’s own settings, never copies', async (t) => {
  t.equal(worker.type, 'worker')
  t.equal(worker.startCommand, 'NODE_ENV=production node server/dist/cli/hoist.js worker')
  const declared = api.envVars.map((v) => v.key)
  for (const entry of worker.envVars) {
    t.ok(KNOWN.has(entry.key) || PLATFORM.has(entry.key), `${entry.key} is a known setting`)
    if (entry.fromService) {
      t.same(
        entry.fromService,
        { type: 'web', name: 'hoist-api', envVarKey: entry.key },
        `${entry.key} comes from the API`,
      )
      t.ok(declared.includes(entry.key), `and the API declares ${entry.key}`)
    }
    t.notOk(
      entry.sync === false || (entry.value && /secret|key/i.test(entry.key)),
      `${entry.key}: no secret of its own`,
    )
  }
  t.same(
    REQUIRED_ENV_NAMES.filter((key) => !worker.envVars.some((v) => v.key === key)),
    [],
    'every required variable',
  )
})

t.test('render.yaml: secrets are never committed; JWT_SECRET and METRICS_TOKEN are generated', async (t) => {
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'MONGO_URI']) {
    const entry = api.envVars.find((v) => v.key === key)
    t.equal(entry?.sync, false, `${key} is set in the dashboard`)
    t.equal(entry?.value, undefined, `${key} has no value in the file`)
  }
  t.equal(api.envVars.find((v) => v.key === 'JWT_SECRET')?.generateValue, true)
  t.equal(api.envVars.find((v) => v.key === 'METRICS_TOKEN')?.generateValue, true, '/metrics is never public there')
})

t.test('render.yaml: health check, no disk, the built entry point, the static site’s output folder', async (t) => {
  t.equal(api.healthCheckPath, '/healthz')
  t.equal(api.disk, undefined, 'no persistent disk: nothing is stored on the server')
  t.equal(api.startCommand, 'NODE_ENV=production node server/dist/main.js', 'production refuses development settings')
  t.match(api.buildCommand, /npm run build -w @hoist\/server/)
  t.equal(web.runtime, 'static')
  t.equal(web.staticPublishPath, 'web-client/dist-demo')
  t.match(
    readFileSync('web-client/demo/vite.config.ts', 'utf8'),
    /'\.\.\/dist-demo'/,
    'the demo builds into that folder',
  )
  t.ok(web.envVars.some((v) => v.key === 'VITE_HOIST_API_URL'))
})

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string>; ports?: string[] }>
}
const compose = parse(readFileSync('infra/docker-compose.yml', 'utf8')) as ComposeFile
/** Read by Hoist beside its config schema: `development` lets the compose file's placeholder secret through. */
const READ_BESIDE_THE_SCHEMA = new Set(['NODE_ENV'])

t.test('docker-compose: the API gets only known settings, and every required one', async (t) => {
  const environment = Object.keys(compose.services.api?.environment ?? {})
  t.same(
    environment.filter((key) => !KNOWN.has(key) && !READ_BESIDE_THE_SCHEMA.has(key)),
    [],
  )
  t.same(
    REQUIRED_ENV_NAMES.filter((key) => !environment.includes(key)),
    [],
  )
  t.ok(compose.services.minio && compose.services.mongo, 'MinIO and MongoDB are in it')
})

t.test('docker-compose: MinIO and MongoDB are published on loopback only', async (t) => {
  for (const name of ['minio', 'mongo']) {
    const ports = compose.services[name]?.ports ?? []
    t.ok(ports.length > 0, `${name} publishes ports`)
    for (const port of ports) t.match(port, /^127\.0\.0\.1:\d+:\d+$/, `${name}: ${port}`)
  }
})

t.test('docker-compose: its placeholder JWT secret runs only because it says NODE_ENV=development', async (t) => {
  const environment = compose.services.api?.environment ?? {}
  t.equal(environment.NODE_ENV, 'development')
  t.ok(loadConfig(environment), 'the compose settings load as they are')
  t.throws(() => loadConfig({ ...environment, NODE_ENV: 'production' }), /JWT_SECRET is the placeholder/)
  t.throws(() => loadConfig({ ...environment, NODE_ENV: undefined }), /JWT_SECRET is the placeholder/)
})

t.test('DEPLOYMENT.md documents every setting and names only files that exist', async (t) => {
  const guide = readFileSync('docs/DEPLOYMENT.md', 'utf8')
  for (const name of KNOWN) t.ok(guide.includes(`\`${name}\``), `${name} is documented`)
  const files = [...guide.matchAll(/`((?:infra|server|web-client|docs|test)\/[^`\s]+|render\.yaml)`/g)].map(
    (m) => m[1]!,
  )
  t.ok(files.length >= 4, `it names ${files.length} files`)
  for (const file of files) t.ok(existsSync(file), `${file} exists`)
})

t.test('the IAM policy is valid JSON, limited to the bucket and the key prefix', async (t) => {
  const text = readFileSync('infra/aws/iam-policy.json', 'utf8')
  const policy = JSON.parse(text) as {
    Statement: { Effect: string; Action: string | string[]; Resource: string; Condition?: unknown }[]
  }
  const actionsOf = (statement: { Action: string | string[] }): string[] => [statement.Action].flat()
  const actions = policy.Statement.flatMap(actionsOf)
  for (const needed of [
    's3:PutObject',
    's3:GetObject',
    's3:DeleteObject',
    's3:AbortMultipartUpload',
    's3:ListMultipartUploadParts',
    's3:ListBucket',
  ]) {
    t.ok(actions.includes(needed), `${needed}: the API uses it`)
  }
  t.notOk(
    actions.some((a) => a.includes('*')),
    'no wildcard actions',
  )
  t.notOk(
    actions.some((a) => /Policy|Acl|Cors|Lifecycle|DeleteBucket|CreateBucket/.test(a)),
    'the API role cannot change the bucket itself',
  )
  t.notMatch(text, /IfExists/, 'no …IfExists condition: it lets a request without the key through')
  for (const statement of policy.Statement) {
    t.equal(statement.Effect, 'Allow')
    t.match(statement.Resource, /^arn:aws:s3:::YOUR-BUCKET(\/uploads\/\*)?$/, 'the bucket, or keys under the prefix')
  }
  const listing = policy.Statement.filter((statement) => actionsOf(statement).includes('s3:ListBucket'))
  t.equal(listing.length, 1, 'one statement grants listing')
  t.same(actionsOf(listing[0]!), ['s3:ListBucket'], 'and nothing else')
  t.same(
    listing[0]!.Condition,
    { StringLike: { 's3:prefix': ['uploads/*'] } },
    'listing only with a prefix under uploads/ (HeadBucket, which needs it unconditioned, is not used)',
  )
  const bucketLevel = policy.Statement.filter((statement) => statement.Resource === 'arn:aws:s3:::YOUR-BUCKET')
  t.same(
    bucketLevel.filter((statement) => !statement.Condition).flatMap(actionsOf),
    ['s3:ListBucketMultipartUploads'],
    'unconditioned on the bucket: only the list of unfinished multipart uploads (it has no s3:prefix key)',
  )
})
