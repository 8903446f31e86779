/**
 * The native path: MinIO, and FerretDB on PostgreSQL when PostgreSQL's server binaries are installed (SQLite
 * otherwise), as processes on free loopback ports. FerretDB on PostgreSQL is far closer to a real MongoDB server
 * under load than SQLite, whose single writer lock bounds every figure taken on it.
 */
import { connect } from 'node:net'
import { dataDirFor, type ServerDataOptions } from './data-dir.js'
import { keptOrFreePort } from './ports.js'
import { findPostgres, postgresUser, startNativePostgres } from './postgres.js'
import { NativeProcess, type ManagedServer } from './process.js'
import { LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY, type S3Settings } from './settings.js'

export type { ServerDataOptions } from './data-dir.js'

export interface StartedS3 {
  server: ManagedServer
  s3: S3Settings
}

export interface StartedMongo {
  /** The MongoDB-wire server (what a fault test stops); the servers behind it stay up. */
  server: ManagedServer
  mongoUri: string
  /** What actually stores the data, for logs and benchmark labels, e.g. "FerretDB v1.24.2 on PostgreSQL 15.18". */
  description: string
  /** Servers behind `server` (PostgreSQL), disposed after it. */
  backing?: ManagedServer[]
}

/** Starts MinIO on a free (or the kept) loopback port with a temp data dir; `corsAllowOrigin` is MinIO's global CORS setting. */
export async function startNativeMinio(
  binary: string,
  corsAllowOrigin = '*',
  data: ServerDataOptions = {},
  extraEnv: Record<string, string> = {},
  keptPort?: number,
): Promise<StartedS3> {
  const port = await keptOrFreePort(keptPort, 'MinIO')
  const { dir: dataDir, remove } = dataDirFor('hoist-minio-', data)
  const endpoint = `http://127.0.0.1:${port}`
  const server = new NativeProcess({
    name: `MinIO (${endpoint})`,
    port,
    command: binary,
    args: ['server', dataDir, '--address', `127.0.0.1:${port}`, '--quiet'],
    env: {
      MINIO_ROOT_USER: LOCAL_ACCESS_KEY,
      MINIO_ROOT_PASSWORD: LOCAL_SECRET_KEY,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_API_CORS_ALLOW_ORIGIN: corsAllowOrigin,
      ...extraEnv,
    },
    isReady: async () => (await fetch(`${endpoint}/minio/health/ready`)).ok,
    onDispose: remove,
  })
  await server.start()
  return {
    server,
    s3: {
      endpoint,
      region: LOCAL_REGION,
      accessKeyId: LOCAL_ACCESS_KEY,
      secretAccessKey: LOCAL_SECRET_KEY,
      forcePathStyle: true,
    },
  }
}

export type FerretdbBackend = 'postgresql' | 'sqlite'

/** PostgreSQL when its server binaries are here (and, as root, a `postgres` user to run them); `HOIST_FERRETDB_BACKEND` overrides. */
export function chooseFerretdbBackend(env: NodeJS.ProcessEnv = process.env): { backend: FerretdbBackend; why: string } {
  if (env.HOIST_FERRETDB_BACKEND === 'sqlite') return { backend: 'sqlite', why: 'HOIST_FERRETDB_BACKEND=sqlite' }
  if (!findPostgres(env))
    return {
      backend: 'sqlite',
      why: 'no PostgreSQL server binaries found (/usr/lib/postgresql/N/bin or HOIST_POSTGRES_BIN)',
    }
  if (postgresUser() === 'unavailable')
    return { backend: 'sqlite', why: 'running as root and there is no postgres user to run PostgreSQL as' }
  return { backend: 'postgresql', why: 'PostgreSQL server binaries found' }
}

/** Starts FerretDB on the chosen backend (PostgreSQL first when that backend is chosen). */
export async function startNativeFerretdb(
  binary: string,
  version: string,
  backend: FerretdbBackend,
  data: { sqlite?: ServerDataOptions; postgres?: ServerDataOptions } = {},
  keptPort?: number,
): Promise<StartedMongo> {
  const port = await keptOrFreePort(keptPort, 'FerretDB')
  const start = (args: string[], onDispose?: () => Promise<void>): NativeProcess =>
    new NativeProcess({
      name: `FerretDB (127.0.0.1:${port})`,
      port,
      command: binary,
      args: ['--listen-addr', `127.0.0.1:${port}`, ...args],
      isReady: () => acceptsConnections(port),
      ...(onDispose ? { onDispose } : {}),
    })
  if (backend === 'postgresql') {
    const binaries = findPostgres()!
    const runAs = postgresUser()
    const postgres = await startNativePostgres(binaries, runAs === 'unavailable' ? undefined : runAs, data.postgres)
    const server = start(['--postgresql-url', postgres.url])
    try {
      await server.start()
    } catch (error) {
      await postgres.server.dispose()
      throw error
    }
    return {
      server,
      mongoUri: `mongodb://127.0.0.1:${port}/`,
      description: `FerretDB ${version} on PostgreSQL ${binaries.version}`,
      backing: [postgres.server],
    }
  }
  const { dir, remove } = dataDirFor('hoist-ferretdb-', data.sqlite ?? {})
  const server = start(['--sqlite-dir', dir], remove)
  await server.start()
  return { server, mongoUri: `mongodb://127.0.0.1:${port}/`, description: `FerretDB ${version} on SQLite` }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
