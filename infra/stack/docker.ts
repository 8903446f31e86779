/**
 * The testcontainers path, for machines with a Docker engine. Loaded lazily: most of this repo's runs are native.
 * Each server binds a fixed host port so a fault test can stop it and start it again at the same address.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StartedTestContainer } from 'testcontainers'
import type { StartedMongo, StartedS3 } from './native.js'
import type { StartedRedis } from './redis.js'
import { keptOrFreePort } from './ports.js'
import type { ManagedServer } from './process.js'
import { LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY } from './settings.js'

const MINIO_IMAGE = process.env.HOIST_MINIO_IMAGE ?? 'minio/minio:RELEASE.2025-04-22T22-12-26Z'
const MONGO_IMAGE = process.env.HOIST_MONGO_IMAGE ?? 'mongo:7.0'
const REDIS_IMAGE = process.env.HOIST_REDIS_IMAGE ?? 'redis:7.2-alpine'
const DOCKER_PROBE_TIMEOUT_MS = 5_000

/** True when a container runtime answers; false (never throws) when there is none, as on this repo's CI machine. */
export async function dockerAnswers(): Promise<boolean> {
  if (process.env.HOIST_NO_DOCKER === '1') return false
  try {
    const { getContainerRuntimeClient } = await import('testcontainers')
    const probe = getContainerRuntimeClient().then(() => true)
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DOCKER_PROBE_TIMEOUT_MS).unref())
    return await Promise.race([probe, timeout])
  } catch {
    return false
  }
}

type ContainerFactory = (hostPort: number, dataDir: string) => Promise<StartedTestContainer>

class ContainerServer implements ManagedServer {
  private container: StartedTestContainer | undefined

  constructor(
    readonly name: string,
    private readonly hostPort: number,
    private readonly dataDir: string,
    private readonly create: ContainerFactory,
  ) {}

  async start(): Promise<void> {
    this.container ??= await this.create(this.hostPort, this.dataDir)
  }

  async stop(): Promise<void> {
    const container = this.container
    this.container = undefined
    await container?.stop()
  }

  async dispose(): Promise<void> {
    await this.stop()
    rmSync(this.dataDir, { recursive: true, force: true })
  }
}

export async function startMinioContainer(
  corsAllowOrigin = '*',
  extraEnv: Record<string, string> = {},
  keptPort?: number,
): Promise<StartedS3> {
  const { GenericContainer, Wait } = await import('testcontainers')
  const hostPort = await keptOrFreePort(keptPort, 'MinIO')
  const server = new ContainerServer(
    `MinIO container (${MINIO_IMAGE})`,
    hostPort,
    mkdtempSync(join(tmpdir(), 'hoist-minio-')),
    (port, dataDir) =>
      new GenericContainer(MINIO_IMAGE)
        .withCommand(['server', '/data'])
        .withEnvironment({
          MINIO_ROOT_USER: LOCAL_ACCESS_KEY,
          MINIO_ROOT_PASSWORD: LOCAL_SECRET_KEY,
          MINIO_BROWSER: 'off',
          MINIO_API_CORS_ALLOW_ORIGIN: corsAllowOrigin,
          ...extraEnv,
        })
        .withBindMounts([{ source: dataDir, target: '/data' }])
        .withExposedPorts({ container: 9000, host: port })
        .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
        .start(),
  )
  await server.start()
  return {
    server,
    s3: {
      endpoint: `http://127.0.0.1:${hostPort}`,
      region: LOCAL_REGION,
      accessKeyId: LOCAL_ACCESS_KEY,
      secretAccessKey: LOCAL_SECRET_KEY,
      forcePathStyle: true,
    },
  }
}

export async function startMongoContainer(keptPort?: number): Promise<StartedMongo> {
  const { GenericContainer, Wait } = await import('testcontainers')
  const hostPort = await keptOrFreePort(keptPort, 'MongoDB')
  const server = new ContainerServer(
    `MongoDB container (${MONGO_IMAGE})`,
    hostPort,
    mkdtempSync(join(tmpdir(), 'hoist-mongo-')),
    (port, dataDir) =>
      new GenericContainer(MONGO_IMAGE)
        .withBindMounts([{ source: dataDir, target: '/data/db' }])
        .withExposedPorts({ container: 27017, host: port })
        .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
        .start(),
  )
  await server.start()
  return { server, mongoUri: `mongodb://127.0.0.1:${hostPort}/`, description: `MongoDB (${MONGO_IMAGE})` }
}

export async function startRedisContainer(keptPort?: number): Promise<StartedRedis> {
  const { GenericContainer, Wait } = await import('testcontainers')
  const hostPort = await keptOrFreePort(keptPort, 'Redis')
  const server = new ContainerServer(
    `Redis container (${REDIS_IMAGE})`,
    hostPort,
    mkdtempSync(join(tmpdir(), 'hoist-redis-')),
    (port) =>
      new GenericContainer(REDIS_IMAGE)
        .withExposedPorts({ container: 6379, host: port })
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .start(),
  )
  await server.start()
  return { server, redisUrl: `redis://127.0.0.1:${hostPort}` }
}
