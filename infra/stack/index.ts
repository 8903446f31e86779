/**
 * The one stack module used by `npm run dev`, `npm test` and CI. It yields S3 settings and a MongoDB URI from,
 * in order: explicit env (S3_ENDPOINT…, MONGO_URI) → testcontainers when a Docker engine answers → native MinIO
 * and FerretDB processes on free loopback ports with temp data dirs, built from Go once and cached.
 */
import { join } from 'node:path'
import { ensureServerBinaries, type Log } from './binaries.js'
import { dockerAnswers, startMinioContainer, startMongoContainer } from './docker.js'
import { startNativeFerretdb, startNativeMinio, type StartedMongo, type StartedS3 } from './native.js'
import type { ManagedServer } from './process.js'
import { LOCAL_REGION, type S3Settings, type StackSource } from './settings.js'

export type { ManagedServer } from './process.js'
export type { S3Settings, StackSource } from './settings.js'
export { ensureServerBinaries, MissingToolchainError } from './binaries.js'

export interface Stack {
  source: { s3: StackSource; mongo: StackSource }
  s3: S3Settings
  mongoUri: string
  /** The servers this stack started (absent for explicit endpoints): fault tests stop and restart them. */
  servers: { s3?: ManagedServer; mongo?: ManagedServer }
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
  /** Keep the servers' data in this folder across runs (dev); tests use temp dirs. Native path only. */
  persistDir?: string
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

  let s3: StartedS3 | undefined
  let mongo: StartedMongo | undefined
  let source: StackSource = 'env'
  if (!explicitS3 || !explicitMongo) {
    dockerProbe ??= dockerAnswers()
    if (await dockerProbe) {
      source = 'docker'
      s3 = explicitS3 ? undefined : await startMinioContainer(options.corsAllowOrigin)
      mongo = explicitMongo ? undefined : await startMongoContainer()
    } else {
      source = 'native'
      const binaries = await ensureServerBinaries(log)
      ;[s3, mongo] = await Promise.all([
        explicitS3
          ? undefined
          : startNativeMinio(binaries.minio, options.corsAllowOrigin, persistIn(options.persistDir, 'minio')),
        explicitMongo ? undefined : startNativeFerretdb(binaries.ferretdb, persistIn(options.persistDir, 'ferretdb')),
      ])
    }
  }

  return {
    source: { s3: s3 ? source : 'env', mongo: mongo ? source : 'env' },
    s3: s3?.s3 ?? (explicitS3 as S3Settings),
    mongoUri: mongo?.mongoUri ?? (explicitMongo as string),
    servers: { s3: s3?.server, mongo: mongo?.server },
    async stop() {
      await Promise.all([s3?.server.dispose(), mongo?.server.dispose()])
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
  }
}
