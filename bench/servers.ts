/** The servers a benchmark measures, each in its own process so its CPU and memory can be read from /proc. */
import { createSigner } from 'fast-jwt'
import { builtCodeEnv } from '../infra/source-condition.js'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { freePort } from '../infra/stack/ports.js'
import { stackEnv, type Stack } from '../infra/stack/index.js'
import { parseConfig, type Config } from '../server/src/config.js'
import { createS3Client } from '../server/src/storage/s3-client.js'

const root = fileURLToPath(new URL('..', import.meta.url))

export interface ServerProcess {
  url: string
  pid: number
  stop(): Promise<void>
}

/** An S3 client on the stack's MinIO, for a benchmark's own set-up and checks. */
export function stackS3Client(stack: Stack): ReturnType<typeof createS3Client> {
  return createS3Client({
    awsRegion: stack.s3.region,
    s3Endpoint: stack.s3.endpoint,
    s3ForcePathStyle: true,
    awsAccessKeyId: stack.s3.accessKeyId,
    awsSecretAccessKey: stack.s3.secretAccessKey,
  })
}

export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789'

/** The bench user's token, for workspace `bench`, valid for an hour. */
export function benchToken(): string {
  return createSigner({ key: BENCH_JWT_SECRET, expiresIn: 3_600_000 })({ sub: 'bench', workspace: 'bench' })
}

/** The config of a benchmark's own checks (doctor, the ledger) on the stack's bucket and database. */
export function stackConfig(stack: Stack, bucket: string, database: string, jwtSecret = BENCH_JWT_SECRET): Config {
  return parseConfig({
    s3Bucket: bucket,
    s3Endpoint: stack.s3.endpoint,
    s3ForcePathStyle: true,
    awsRegion: stack.s3.region,
    awsAccessKeyId: stack.s3.accessKeyId,
    awsSecretAccessKey: stack.s3.secretAccessKey,
    mongoUri: stack.mongoUri,
    mongoDbName: database,
    jwtSecret,
  })
}

async function startProcess(args: string[], env: Record<string, string>, readyPath: string): Promise<ServerProcess> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: root,
    // Built code (server/dist) runs on the packages' own dist, as on Render.
    env: {
      ...(args[0] === '--import' ? process.env : builtCodeEnv()),
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}${readyPath}`)
        .then((r) => r.status < 500)
        .catch(() => false)
    )
      break
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`)
    await sleep(100)
  }
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** Builds the API once, as Render does; the benchmarks run the built server, not tsx. */
export function buildServer(): void {
  const result = spawnSync('npm', ['run', 'build', '-w', '@hoist/server'], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}${result.stderr}`)
}

/**
 * `BENCH_CPU_PROFILE=<dir>`: each API process writes a V8 CPU profile there when it stops (node --cpu-prof), to see
 * where a request's CPU goes. It costs CPU itself: figures from such a run are not comparable. Read its native frames
 * with care: V8 samples wall time, so a socket write that wakes a server on the same cores and is preempted shows as
 * a long `writeBuffer` (about 1.3 ms per confirm here, where `perf` found 6% of the process's CPU in the kernel).
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []
}

export function startHoistApi(
  stack: Stack,
  bucket: string,
  database: string,
  extra: Record<string, string> = {},
): Promise<ServerProcess> {
  return startProcess(
    [...profileArgs(), 'server/dist/main.js'],
    {
      ...stackEnv(stack, bucket),
      MONGO_DB_NAME: database,
      JWT_SECRET: BENCH_JWT_SECRET,
      LOG_LEVEL: 'warn',
      SWEEP_INTERVAL_SECONDS: '0',
      SHUTDOWN_DRAIN_DELAY_MS: '0',
      PRESIGN_RATE_LIMIT_PER_MINUTE: '100000000',
      BUCKET_CALL_RATE_LIMIT_PER_MINUTE: '100000000',
      WORKSPACE_QUOTA_BYTES: String(2 ** 52),
      ...extra,
    },
    '/readyz',
  )
}

export function startCompanion(stack: Stack, bucket: string): Promise<ServerProcess> {
  return startProcess(
    ['--import', 'tsx', 'bench/companion-server.ts'],
    { ...stackEnv(stack, bucket) },
    '/s3/params?filename=warm.png&type=image/png',
  )
}

export function startProxy(stack: Stack, bucket: string): Promise<ServerProcess> {
  return startProcess(['--import', 'tsx', 'bench/proxy-server.ts'], { ...stackEnv(stack, bucket) }, '/healthz')
}
