import { mkdtempSync, rmSync } from 'node:fs'
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

function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Starts MinIO on a free loopback port with a temp data dir; `corsAllowOrigin` is MinIO's global CORS setting. */
export async function startNativeMinio(binary: string, corsAllowOrigin = '*'): Promise<StartedS3> {
  const dataDir = tempDir('hoist-minio-')
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
    onDispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  })
  await server.start()
  return {
    server,
    s3: { endpoint, region: LOCAL_REGION, accessKeyId: LOCAL_ACCESS_KEY, secretAccessKey: LOCAL_SECRET_KEY, forcePathStyle: true },
  }
}

/** Starts FerretDB (SQLite backend) on a free loopback port with a temp data dir. */
export async function startNativeFerretdb(binary: string): Promise<StartedMongo> {
  const dataDir = tempDir('hoist-ferretdb-')
  const port = await freePort()
  const server = new NativeProcess({
    name: `FerretDB (127.0.0.1:${port})`,
    command: binary,
    args: ['--listen-addr', `127.0.0.1:${port}`, '--sqlite-dir', dataDir],
    isReady: () => acceptsConnections(port),
    onDispose: async () => rmSync(dataDir, { recursive: true, force: true }),
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
