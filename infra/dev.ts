/**
 * `npm run dev`: the whole product locally. Starts the stack (explicit env → Docker → native MinIO + FerretDB, with
 * data kept in .hoist/data), provisions the bucket, starts the API (reloading on change) and the demo page, and
 * writes every setting it used to .hoist/dev.env for curl, the AWS CLI or a second terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { minioWebhookEnv } from '../server/src/bucket/notifications.js'
import { formatReports, runBucketSetup } from '../server/src/cli/bucket.js'
import { DEV_ENV_PATH, formatEnvFile, readDevEnv } from '../server/src/cli/dev-env.js'
import { loadConfig } from '../server/src/config.js'
import { devServerPort, keptDevPorts, portTakenAdvice, withoutEchoedEndpoints } from './dev-ports.js'
import { devClamd } from './stack/dev-clamd.js'
import { formatStack, PortTakenError, startStack, stackEnv } from './stack/index.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const log = (line: string): void => console.log(line)

const previous = readDevEnv(root) ?? {}
const kept = keptDevPorts(previous)
const numberFrom = (value: string | undefined): number | undefined => (value ? Number(value) : undefined)

async function keepingPorts<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start()
  } catch (error) {
    if (!(error instanceof PortTakenError)) throw error
    log(portTakenAdvice(error.port, error.server))
    process.exit(1)
  }
}

const apiPort = await keepingPorts(() => devServerPort(numberFrom(process.env.PORT) ?? kept.api, 3000, 'the API', log))
const webPort = await keepingPorts(() =>
  devServerPort(numberFrom(process.env.WEB_PORT) ?? kept.web, 5173, 'the web client', log),
)
const apiUrl = `http://127.0.0.1:${apiPort}`
const webOrigins = [`http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`]

// Every setting dev chooses yields to the environment; generated secrets are kept across runs (tokens stay valid).
const env = process.env
const keptSecret = (name: string, generate: () => string): string => env[name] ?? previous[name] ?? generate()
const bucketEventsToken = keptSecret('BUCKET_EVENTS_TOKEN', () => randomBytes(24).toString('base64url'))
const stack = await keepingPorts(() =>
  startStack({
    log,
    env: withoutEchoedEndpoints(env, previous),
    persistDir: join(root, '.hoist', 'data'),
    keptPorts: kept,
    corsAllowOrigin: webOrigins.join(','),
    // MinIO tells the API about every object created, so uploads whose tab closed are confirmed at once.
    minioEnv: minioWebhookEnv(apiUrl, bucketEventsToken, join(root, '.hoist', 'data', 'minio-events-queue')),
  }),
)
log(`hoist: dev stack: ${formatStack(stack)}`)
const clamd = await devClamd(env, log)
const webhookUrl = env.WEBHOOK_URL
const settings: Record<string, string> = {
  ...stackEnv(stack, env.S3_BUCKET_NAME ?? 'hoist-dev'),
  MONGO_DB_NAME: env.MONGO_DB_NAME ?? 'hoist',
  JWT_SECRET: keptSecret('JWT_SECRET', () => randomBytes(32).toString('base64url')),
  CORS_ORIGINS: env.CORS_ORIGINS ?? webOrigins.join(','),
  PORT: String(apiPort),
  HOST: env.HOST ?? '127.0.0.1',
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  BUCKET_EVENTS_TOKEN: bucketEventsToken,
  ...(webhookUrl
    ? {
        WEBHOOK_URL: webhookUrl,
        WEBHOOK_SECRET: keptSecret('WEBHOOK_SECRET', () => `whsec_${randomBytes(32).toString('base64')}`),
        // A receiver on this machine is the point of development: allowed here, never by default in production.
        WEBHOOK_ALLOW_LOOPBACK:
          env.WEBHOOK_ALLOW_LOOPBACK ?? String(/^http:\/\/(127\.|localhost[:/]|\[::1\])/.test(webhookUrl)),
      }
    : {}),
  ...(clamd
    ? {
        SCAN: 'clamav',
        CLAMD_HOST: clamd.host,
        CLAMD_PORT: String(clamd.port),
        SCAN_MAX_BYTES: String(clamd.streamMaxBytes),
      }
    : {}),
  API_URL: apiUrl,
  WEB_PORT: String(webPort),
  WEB_URL: `http://127.0.0.1:${webPort}`,
}
mkdirSync(join(root, '.hoist'), { recursive: true })
writeFileSync(
  join(root, DEV_ENV_PATH),
  formatEnvFile(
    settings,
    `# Written by npm run dev (${new Date().toISOString()}): the settings of the running dev stack.`,
  ),
  { mode: 0o600 },
)

const config = loadConfig({ ...process.env, ...settings })
log(
  formatReports(
    config.s3Bucket,
    await runBucketSetup(config, {
      access: 'public-read',
      abortIncompleteMultipartAfterDays: 2,
      // Only a MinIO this stack started has the HOIST webhook target.
      bucketEvents: stack.source.s3 === 'env' ? 'off' : 'minio',
    }),
  ),
)

const children: ChildProcess[] = []
/**
 * A tool of node_modules/.bin, run directly: through npx, a SIGTERM to this process's children stopped npx and left
 * the tool running (tsx and vite pass the signal on to their own child; npx did not).
 */
const bin = (tool: string): string => join(root, 'node_modules', '.bin', tool)
function start(name: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' })
  child.on('exit', (code, signal) => {
    if (!stopping) log(`hoist: ${name} exited (${signal ?? code})`)
  })
  children.push(child)
  return child
}

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  log('hoist: stopping')
  for (const child of children) child.kill('SIGTERM')
  await Promise.all([stack.stop(), clamd?.server.dispose()])
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())

start('API', bin('tsx'), ['watch', '--clear-screen=false', 'server/src/main.ts'], {
  ...settings,
  SHUTDOWN_DRAIN_DELAY_MS: '0',
})
start('image worker', bin('tsx'), ['server/src/cli/hoist.ts', 'worker'], settings)
start('web client', bin('vite'), ['web-client/demo', '--config', 'web-client/demo/vite.config.ts'], {
  ...settings,
  WEB_PORT: String(webPort),
  VITE_HOIST_API_URL: apiUrl,
})

const deadline = Date.now() + 60_000
for (;;) {
  const ready = await fetch(`${apiUrl}/readyz`)
    .then((r) => r.ok)
    .catch(() => false)
  if (ready) break
  if (Date.now() > deadline) {
    log('hoist: the API did not become ready within 60 s; see its log above')
    await stop()
  }
  await sleep(250)
}
log(`API ready at ${apiUrl}`)
log(`Web client at http://127.0.0.1:${webPort}  ·  settings in ${DEV_ENV_PATH}  ·  token: npm run token`)
log(
  webhookUrl
    ? `Webhooks: upload events go to ${webhookUrl} (WEBHOOK_SECRET in ${DEV_ENV_PATH}; loopback ${settings.WEBHOOK_ALLOW_LOOPBACK === 'true' ? 'allowed' : 'refused'})`
    : `Webhooks: off (set WEBHOOK_URL to receive them); the events are at ${apiUrl}/v1/events`,
)
log(
  clamd
    ? `Malware scanning: clamd at ${clamd.host}:${clamd.port} (a test database that finds the EICAR string; uploads are quarantined until scanned)`
    : 'Malware scanning: off (SCAN=clamav npm run dev starts a clamd)',
)
log(
  `Bucket notifications: ${stack.source.s3 === 'env' ? 'off (S3_ENDPOINT names a store this command did not start)' : `MinIO → ${apiUrl}/v1/bucket-events`}`,
)
