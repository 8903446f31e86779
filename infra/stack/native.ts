import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NativeProcess, type ManagedServer } from './process.js'
import { freePort } from './ports.js'
import { LOCAL_ACCESS_KEY, LOCAL_REGION, LOCAL_SECRET_KEY, type S3Settings } from './settings.js'

export interface StartedS3 {
  server: ManagedServer
  s3: S3Settings
}

export interface StartedMongo {
  server: ManagedServer
  mongoUri: string
}

export interface ServerDataOptions {
  /** Keep data here across runs (dev); absent: a temp dir removed on dispose (tests). */
  persistDir?: string
}

function dataDirFor(prefix: string, options: ServerDataOptions): { dir: string; remove: () => Promise<void> } {
  if (options.persistDir) {
    mkdirSync(options.persistDir, { recursive: true })
    return { dir: options.persistDir, remove: async () => undefined }
  }
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: async () => rmSync(dir, { recursive: true, force: true }) }
}

/** Starts MinIO on a free loopback port with a temp data dir; `corsAllowOrigin` is MinIO's global CORS setting. */
export async function startNativeMinio(
  binary: string,
  corsAllowOrigin = '*',
  data: ServerDataOptions = {},
): Promise<StartedS3> {
  const { dir: dataDir, remove } = dataDirFor('hoist-minio-', data)
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const server = new NativeProcess({
    name: `MinIO (${endpoint})`,
    command: binary,
    args: ['server', dataDir, '--address', `127.0.0.1:${port}`, '--quiet'],
    env: {
      MINIO_ROOT_USER: LOCAL_ACCESS_KEY,
      MINIO_ROOT_PASSWORD: LOCAL_SECRET_KEY,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_API_CORS_ALLOW_ORIGIN: corsAllowOrigin,
    },
    isReady: async () => (await fetch(`${endpoint}/minio/health/ready`)).ok,
    onDispose: remove,
  })
  await server.start()
  return {
    server,
    s3: { endpoint, region: LOCAL_REGION, accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_SECRET_KEY, forcePathStyle: true },
  }
}

/** Starts FerretDB (SQLite backend) on a free loopback port with a temp data dir. */
export async function startNativeFerretdb(binary: string, data: ServerDataOptions = {}): Promise<StartedMongo> {
  const { dir: dataDir, remove } = dataDirFor('hoist-ferretdb-', data)
  const port = await freePort()
  const server = new NativeProcess({
    name: `FerretDB (127.0.0.1:${port})`,
    command: binary,
    args: ['--listen-addr', `127.0.0.1:${port}`, '--sqlite-dir', dataDir],
    isReady: () => acceptsConnections(port),
    onDispose: remove,
  })
  await server.start()
  return { server, mongoUri: `mongodb://127.0.0.1:${port}/` }
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
