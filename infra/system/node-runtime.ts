/**
 * A supported Node.js major for the test suite (22, the floor render.yaml deploys, and 24), from npm's `node` package,
 * installed once into the cache: this machine's own Node.js is 20, past its end of life.
 * `tsx infra/system/node-runtime.ts 22` prints the directory to put first on PATH.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

export function ensureNodeMajor(major: number, log: (line: string) => void): string {
  const prefix = join(
    process.env.HOIST_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hoist'),
    `node-${major}`,
  )
  const bin = join(prefix, 'node_modules', '.bin')
  const installed = (): string | undefined => {
    const version = spawnSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' })
    return version.status === 0 && version.stdout.startsWith(`v${major}.`) ? version.stdout.trim() : undefined
  }
  if (existsSync(join(bin, 'node')) && installed()) return bin
  mkdirSync(prefix, { recursive: true })
  log(`hoist: installing Node.js ${major} from npm's node package into ${prefix}`)
  const install = spawnSync(
    'npm',
    ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', `node@${major}`],
    { encoding: 'utf8' },
  )
  const version = installed()
  if (install.status !== 0 || !version)
    throw new Error(`could not install node@${major}:\n${install.stderr.slice(-2000)}`)
  log(`hoist: Node.js ${version} ready`)
  return bin
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(ensureNodeMajor(Number(process.argv[2] ?? 22), (line) => console.error(line)))
}
