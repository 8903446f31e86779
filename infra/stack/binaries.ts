/**
 * The native path's servers, built once from their Go modules into a cache outside the repo
 * (`$HOIST_CACHE_DIR`, else `$XDG_CACHE_HOME/hoist`, else `~/.cache/hoist`) and reused by dev, tests and CI.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withDirLock } from './lock.js'

/** MinIO publishes no semver tags to the Go proxy; this pseudo-version is the newest community source (2026-02-12). */
export const MINIO_MODULE_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c'
export const FERRETDB_VERSION = 'v1.24.2'

const ferretdbSourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'ferretdb')

export interface ServerBinaries {
  minio: string
  ferretdb: string
}

export type Log = (line: string) => void

function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HOIST_CACHE_DIR) return env.HOIST_CACHE_DIR
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hoist')
}

export class MissingToolchainError extends Error {
  constructor(what: string) {
    super(
      `${what}: no Docker engine answered and the Go toolchain (go >= 1.24) is not on PATH. ` +
        'Install Go (https://go.dev/dl/) so Hoist can build MinIO and FerretDB once, start Docker, ' +
        'or point Hoist at running servers with S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and MONGO_URI.',
    )
    this.name = 'MissingToolchainError'
  }
}

function hasGo(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0
}

/** The FerretDB wrapper's cache name changes whenever its source or pinned modules change. */
function ferretdbFingerprint(): string {
  const hash = createHash('sha256')
  for (const file of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(ferretdbSourceDir, file)))
  return hash.digest('hex').slice(0, 10)
}

export function binaryPaths(env: NodeJS.ProcessEnv = process.env): ServerBinaries {
  const bin = join(cacheDir(env), 'bin')
  return {
    minio: join(bin, `minio-${MINIO_MODULE_VERSION}`),
    ferretdb: join(bin, `hoist-ferretdb-${FERRETDB_VERSION}-${ferretdbFingerprint()}`),
  }
}

/** Returns the cached binaries, building whichever is missing (minutes on a fresh machine, printed as it goes). */
export async function ensureServerBinaries(log: Log = console.error): Promise<ServerBinaries> {
  const paths = binaryPaths()
  if (existsSync(paths.minio) && existsSync(paths.ferretdb)) return paths
  if (!hasGo()) throw new MissingToolchainError('Cannot build the local MinIO and FerretDB servers')

  const bin = dirname(paths.minio)
  mkdirSync(bin, { recursive: true })
  // Test files may start stacks in parallel: one builds, the others wait for it.
  await withDirLock(join(bin, '.build.lock'), log, async () => {
    if (!existsSync(paths.minio)) {
      log(
        `hoist: building MinIO ${MINIO_MODULE_VERSION} from its Go module into ${bin} (first run only; ~6 min on 2 cores)`,
      )
      const gobin = join(bin, '.minio-build')
      rmSync(gobin, { recursive: true, force: true })
      await runGo(['install', `github.com/minio/minio@${MINIO_MODULE_VERSION}`], { GOBIN: gobin }, process.cwd(), log)
      renameSync(join(gobin, 'minio'), paths.minio)
      rmSync(gobin, { recursive: true, force: true })
      log(`hoist: MinIO built: ${paths.minio}`)
    }
    if (!existsSync(paths.ferretdb)) {
      log(
        `hoist: building FerretDB ${FERRETDB_VERSION} (PostgreSQL and SQLite backends) from infra/ferretdb into ${bin} (first run only; ~2 min)`,
      )
      await runGo(['build', '-o', `${paths.ferretdb}.tmp`, '.'], {}, ferretdbSourceDir, log)
      renameSync(`${paths.ferretdb}.tmp`, paths.ferretdb)
      log(`hoist: FerretDB built: ${paths.ferretdb}`)
    }
  })
  return paths
}

function runGo(args: string[], extraEnv: NodeJS.ProcessEnv, cwd: string, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn('go', args, {
      cwd,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let downloads = 0
    const onLine = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) {
        if (line.startsWith('go: downloading')) downloads++
        else if (line.trim()) log(`  go: ${line.trim()}`)
      }
    }
    child.stdout.on('data', onLine)
    child.stderr.on('data', onLine)
    // go prints nothing while it compiles; a heartbeat shows the build is alive.
    const heartbeat = setInterval(() => {
      log(
        `  … go ${args[0]} still running (${Math.round((Date.now() - started) / 1000)} s, ${downloads} modules downloaded)`,
      )
    }, 30_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearInterval(heartbeat)
      if (code === 0) resolve()
      else reject(new Error(`go ${args.join(' ')} exited with code ${code}`))
    })
  })
}
