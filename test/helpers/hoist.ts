/**
 * A Hoist API on the test stack: its own bucket and database (test files share the servers, not the data),
 * built with an explicit config, closed when the test file ends.
 */
import { randomBytes } from 'node:crypto'
import type { S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { MongoClient, type Db } from 'mongodb'
import type { Test } from 'tap'
import type { Stack } from '../../infra/stack/index.js'
import { buildApp } from '../../server/src/app.js'
import type { BucketEvents } from '../../server/src/bucket/notifications.js'
import { detectMinio, setupBucket } from '../../server/src/bucket/setup.js'
import { parseConfig, type Config } from '../../server/src/config.js'
import { createS3Client } from '../../server/src/storage/s3-client.js'
import { sharedStack } from './stack.js'
import { TEST_JWT_SECRET } from './tokens.js'

export interface TestHoist {
  app: FastifyInstance
  config: Config
  stack: Stack
  s3: S3Client
  db: Db
  /** Lines the API logged (JSON), for the no-secrets-in-logs check. */
  logs: string[]
}

export interface TestHoistOptions {
  stack?: Stack
  config?: Partial<Config>
  /** Listen on a loopback port (for browsers and load); otherwise use app.inject. */
  listen?: boolean
  /** The port to listen on (a bucket notification target set up before the API started); default: any free one. */
  port?: number
  /** Bucket notifications to set up (MinIO's HOIST webhook target). */
  bucketEvents?: BucketEvents
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`
}

export function configFor(stack: Stack, overrides: Partial<Config> = {}): Config {
  return parseConfig({
    s3Bucket: uniqueName('t'),
    s3Endpoint: stack.s3.endpoint,
    s3ForcePathStyle: stack.s3.forcePathStyle,
    awsRegion: stack.s3.region,
    awsAccessKeyId: stack.s3.accessKeyId,
    awsSecretAccessKey: stack.s3.secretAccessKey,
    mongoUri: stack.mongoUri,
    mongoDbName: uniqueName('t').replace('-', '_'),
    jwtSecret: TEST_JWT_SECRET,
    logLevel: 'info',
    sweepIntervalSeconds: 0,
    port: 0,
    host: '127.0.0.1',
    ...overrides,
  })
}

export async function startHoist(t: Test, options: TestHoistOptions = {}): Promise<TestHoist> {
  const stack = options.stack ?? (await sharedStack(t))
  const config = configFor(stack, options.config)
  const s3 = createS3Client(config)
  await setupBucket(s3, {
    bucket: config.s3Bucket,
    region: config.awsRegion,
    keyPrefix: config.s3KeyPrefix,
    corsOrigins: config.corsOrigins,
    access: 'public-read',
    abortIncompleteMultipartAfterDays: 1,
    minio: await detectMinio(config.s3Endpoint),
    wholeBucket: false,
    bucketEvents: options.bucketEvents ?? 'off',
  })
  const logs: string[] = []
  const { default: pino } = await import('pino')
  const { loggerOptions } = await import('../../server/src/logging.js')
  const loggerInstance = pino(loggerOptions(config) as object, { write: (line: string) => void logs.push(line) })
  const app = await buildApp(config, { loggerInstance })
  if (options.listen || options.port) await app.listen({ port: options.port ?? 0, host: '127.0.0.1' })
  const mongo = new MongoClient(config.mongoUri)
  const db = mongo.db(config.mongoDbName)
  t.teardown(async () => {
    await app.close()
    await db.dropDatabase().catch(() => undefined)
    await mongo.close()
    s3.destroy()
  })
  return { app, config, stack, s3, db, logs }
}

/** The listening API's base URL. */
export function baseUrl(app: FastifyInstance): string {
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('the app is not listening')
  return `http://127.0.0.1:${address.port}`
}
