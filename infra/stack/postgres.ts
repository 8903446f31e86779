/**
 * PostgreSQL for FerretDB's PostgreSQL backend, from the server binaries Debian installs (`/usr/lib/postgresql/N/bin`),
 * on a free loopback port with its own data directory. PostgreSQL refuses to run as root, so when we are root it
 * runs as the `postgres` user (the data directory is handed over to it). It serves FerretDB's filtered reads from
 * indexes (ferretdb-gin-twins.sql), as a MongoDB server would.
 */
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { dataDirFor, type ServerDataOptions } from './data-dir.js'
import { freePort } from './ports.js'
import { NativeProcess, type ManagedServer, type RunAs } from './process.js'

export interface PostgresBinaries {
  binDir: string
  version: string
}

/** `HOIST_POSTGRES_BIN`, else the newest `/usr/lib/postgresql/<version>/bin` holding initdb and postgres. */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresBinaries | undefined {
  const candidates = env.HOIST_POSTGRES_BIN
    ? [env.HOIST_POSTGRES_BIN]
    : existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .filter((version) => /^\d+$/.test(version))
          .sort((a, b) => Number(b) - Number(a))
          .map((version) => join('/usr/lib/postgresql', version, 'bin'))
      : []
  for (const binDir of candidates) {
    if (!existsSync(join(binDir, 'initdb')) || !existsSync(join(binDir, 'postgres'))) continue
    const printed = spawnSync(join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout ?? ''
    return { binDir, version: /(\d+(?:\.\d+)?)/.exec(printed)?.[1] ?? 'unknown' }
  }
  return undefined
}

/** Root cannot run PostgreSQL: the `postgres` account when it exists (Debian's package creates it). */
export function postgresUser(): RunAs | undefined | 'unavailable' {
  if (process.getuid?.() !== 0) return undefined
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (ids.status !== 0 || gids.status !== 0) return 'unavailable'
  return { uid: Number(ids.stdout.trim()), gid: Number(gids.stdout.trim()) }
}

export interface StartedPostgres {
  server: ManagedServer
  /** For FerretDB: the server's own `postgres` database, trust auth on loopback. */
  url: string
}

export async function startNativePostgres(
  binaries: PostgresBinaries,
  runAs: RunAs | undefined,
  data: ServerDataOptions = {},
): Promise<StartedPostgres> {
  const { dir, remove } = dataDirFor('hoist-postgres-', data)
  if (runAs) chownSync(dir, runAs.uid, runAs.gid)
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    const init = spawnSync(
      join(binaries.binDir, 'initdb'),
      ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
      { encoding: 'utf8', ...(runAs ?? {}) },
    )
    if (init.status !== 0) throw new Error(`initdb failed in ${dir}:\n${init.stdout}${init.stderr}`)
  }
  const port = await freePort()
  const server = new NativeProcess({
    name: `PostgreSQL ${binaries.version} (127.0.0.1:${port})`,
    port,
    command: join(binaries.binDir, 'postgres'),
    args: [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      // No Unix socket: /var/run/postgresql may not exist or be writable.
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      // A local, disposable server: durability is not what these runs measure.
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      // FerretDB sends every filter as a prepared `_jsonb -> $1 @> $2`; a generic plan cannot match `$1` to the
      // GIN twin of an index on `_jsonb -> 'field'` (see ferretdb-gin-twins.sql), a plan for the given values can.
      '-c',
      'plan_cache_mode=force_custom_plan',
    ],
    ...(runAs ? { runAs } : {}),
    isReady: async () =>
      spawnSync(join(binaries.binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], {
        stdio: 'ignore',
      }).status === 0,
    onDispose: remove,
  })
  await server.start()
  try {
    installGinTwins(binaries, port)
  } catch (error) {
    await server.dispose()
    throw error
  }
  return { server, url: `postgres://postgres@127.0.0.1:${port}/postgres` }
}

/** Makes PostgreSQL answer FerretDB's filters from an index: see ferretdb-gin-twins.sql. */
function installGinTwins(binaries: PostgresBinaries, port: number): void {
  const psql = join(binaries.binDir, 'psql')
  const sql = readFileSync(fileURLToPath(new URL('ferretdb-gin-twins.sql', import.meta.url)), 'utf8')
  const result = spawnSync(
    psql,
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1'],
    { input: sql, encoding: 'utf8' },
  )
  if (result.status !== 0)
    throw new Error(
      `installing FerretDB's GIN index twins failed (${psql}):\n${result.error?.message ?? ''}${result.stderr}`,
    )
}
