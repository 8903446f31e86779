/**
 * The one stack module used by `npm run dev`, `npm test`, the benchmarks and CI. It yields S3 settings, a MongoDB URI
 * and a Redis URL from, for each server in turn: explicit env (S3_ENDPOINT…, MONGO_URI, REDIS_URL) → testcontainers
 * when a Docker engine answers → native processes on free loopback ports (MinIO and FerretDB built from Go once and
 * cached; FerretDB on PostgreSQL when its server binaries are installed, SQLite otherwise; Debian's redis-server).
 */
import { join } from 'node:path'
import { ensureServerBinaries, FERRETDB_VERSION, type Log } from './binaries.js'
import { dockerAnswers, startMinioContainer, startMongoContainer, startRedisContainer } from './docker.js'
import {
  chooseFerretdbBackend,
  startNativeFerretdb,
  startNativeMinio,
  type StartedMongo,
  type StartedS3,
} from './native.js'
import { assertPortsFree } from './ports.js'
import type { ManagedServer } from './process.js'
import { findRedisServer, startNativeRedis, type StartedRedis } from './redis.js'
import { LOCAL_REGION, type S3Settings, type StackSource } from './settings.js'

export type { ManagedServer } from './process.js'
export { freeze } from './process.js'
export type { S3Settings, StackSource } from './settings.js'
export { ensureServerBinaries, MissingToolchainError } from './binaries.js'
export { PortTakenError } from './ports.js'

export interface Stack {
  source: { s3: StackSource; mongo: StackSource; redis: StackSource | 'none' }
  s3: S3Settings
  mongoUri: string
  /** Absent when no Redis was given and none could be started (the API then keeps rate limits in memory). */
  redisUrl?: string
  /** What each server really is, for logs and benchmark labels (e.g. "FerretDB v1.24.2 on PostgreSQL 15.18 (native)"). */
  describe: { s3: string; mongo: string; redis: string }
  /** The servers this stack started (absent for explicit endpoints): fault tests stop and restart them. */
  servers: { s3?: ManagedServer; mongo?: ManagedServer; redis?: ManagedServer; backing: ManagedServer[] }
  /** Stops and removes whatever this stack started; explicit endpoints are left alone. */
  stop(): Promise<void>
}

export interface StackOptions {
  env?: NodeJS.ProcessEnv
  log?: Log
  /** Ignore explicit endpoints and start servers this caller owns (and may stop), e.g. for fault injection. */
  owned?: boolean
  /** MinIO's global CORS allow-list (it has no per-bucket CORS). */
  corsAllowOrigin?: string
  /** Extra MinIO environment (bucket notification targets). Native and Docker paths only. */
  minioEnv?: Record<string, string>
  /** Keep the servers' data in this folder across runs (dev); tests use temp dirs. Native path only. */
  persistDir?: string
  /** Ports to start the servers on again (dev keeps the addresses its URLs name); a taken one is a PortTakenError. */
  keptPorts?: KeptPorts
}

export interface KeptPorts {
  s3?: number
  mongo?: number
  redis?: number
}

export function s3SettingsFromEnv(env: NodeJS.ProcessEnv): S3Settings | undefined {
  if (!env.S3_ENDPOINT) return undefined
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('S3_ENDPOINT is set, so AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set too')
  }
  return {
    endpoint: env.S3_ENDPOINT,
    region: env.AWS_REGION ?? LOCAL_REGION,
    accessKeyId,
    secretAccessKey,
    forcePathStyle: env.S3_FORCE_PATH_STYLE !== 'false',
  }
}

let dockerProbe: Promise<boolean> | undefined

function persistIn(dir: string | undefined, name: string): { persistDir?: string } {
  return dir ? { persistDir: join(dir, name) } : {}
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = options.env ?? process.env
  const log = options.log ?? console.error
  const explicitS3 = options.owned ? undefined : s3SettingsFromEnv(env)
  const explicitMongo = options.owned ? undefined : env.MONGO_URI
  const explicitRedis = options.owned ? undefined : env.REDIS_URL

  let s3: StartedS3 | undefined
  let mongo: StartedMongo | undefined
  let redis: StartedRedis | undefined
  let source: StackSource = 'env'
  let redisNote = 'none'
  if (!explicitS3 || !explicitMongo || !explicitRedis) {
    dockerProbe ??= dockerAnswers()
    if (await dockerProbe) {
      source = 'docker'
      const kept = options.keptPorts ?? {}
      s3 = explicitS3 ? undefined : await startMinioContainer(options.corsAllowOrigin, options.minioEnv, kept.s3)
      mongo = explicitMongo ? undefined : await startMongoContainer(kept.mongo)
      redis = explicitRedis ? undefined : await startRedisContainer(kept.redis)
    } else {
      source = 'native'
      const needsGo = !explicitS3 || !explicitMongo
      const binaries = needsGo ? await ensureServerBinaries(log) : undefined
      const redisBinary = explicitRedis ? undefined : findRedisServer()
      if (!explicitRedis && !redisBinary)
        redisNote = 'none (redis-server not installed: rate limits stay in each API process)'
      const backend = chooseFerretdbBackend(env)
      if (!explicitMongo) log(`hoist: FerretDB backend: ${backend.backend} (${backend.why})`)
      const kept = options.keptPorts ?? {}
      // All checked before any server starts, so one taken port leaves nothing half-started.
      await assertPortsFree({ MinIO: kept.s3, FerretDB: kept.mongo, Redis: kept.redis })
      ;[s3, mongo, redis] = await Promise.all([
        explicitS3
          ? undefined
          : startNativeMinio(
              binaries!.minio,
              options.corsAllowOrigin,
              persistIn(options.persistDir, 'minio'),
              options.minioEnv,
              options.keptPorts?.s3,
            ),
        explicitMongo
          ? undefined
          : startNativeFerretdb(
              binaries!.ferretdb,
              FERRETDB_VERSION,
              backend.backend,
              {
                sqlite: persistIn(options.persistDir, 'ferretdb'),
                postgres: persistIn(options.persistDir, 'postgres'),
              },
              options.keptPorts?.mongo,
            ),
        redisBinary ? startNativeRedis(redisBinary, options.keptPorts?.redis) : undefined,
      ])
    }
  }

  const redisUrl = redis?.redisUrl ?? explicitRedis
  return {
    source: {
      s3: s3 ? source : 'env',
      mongo: mongo ? source : 'env',
      redis: redis ? source : explicitRedis ? 'env' : 'none',
    },
    s3: s3?.s3 ?? (explicitS3 as S3Settings),
    mongoUri: mongo?.mongoUri ?? (explicitMongo as string),
    ...(redisUrl ? { redisUrl } : {}),
    describe: {
      s3: s3 ? `MinIO (${source}) ${s3.s3.endpoint}` : `S3 from S3_ENDPOINT ${explicitS3!.endpoint}`,
      mongo: mongo ? `${mongo.description} (${source})` : 'MongoDB from MONGO_URI',
      redis: redis ? `Redis (${source}) ${redis.redisUrl}` : explicitRedis ? 'Redis from REDIS_URL' : redisNote,
    },
    servers: { s3: s3?.server, mongo: mongo?.server, redis: redis?.server, backing: mongo?.backing ?? [] },
    async stop() {
      await Promise.all([s3?.server.dispose(), mongo?.server.dispose(), redis?.server.dispose()])
      await Promise.all((mongo?.backing ?? []).map((server) => server.dispose()))
    },
  }
}

/** The env vars that point the product (and any other tool) at this stack. */
export function stackEnv(stack: Stack, bucket: string): Record<string, string> {
  return {
    S3_ENDPOINT: stack.s3.endpoint,
    S3_FORCE_PATH_STYLE: String(stack.s3.forcePathStyle),
    AWS_REGION: stack.s3.region,
    AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
    S3_BUCKET_NAME: bucket,
    MONGO_URI: stack.mongoUri,
    ...(stack.redisUrl ? { REDIS_URL: stack.redisUrl } : {}),
  }
}

/** One line per server, as `npm test`, `npm run dev` and the benchmarks print it. */
export function formatStack(stack: Stack): string {
  return `S3: ${stack.describe.s3}; MongoDB: ${stack.describe.mongo}; Redis: ${stack.describe.redis}`
}
