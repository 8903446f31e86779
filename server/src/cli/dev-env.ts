import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEnv } from 'node:util'

/** Where `npm run dev` records the settings it used, relative to the repository root. */
export const DEV_ENV_PATH = join('.hoist', 'dev.env')

/** Finds .hoist/dev.env in this directory or a parent (npm workspaces run scripts from the package folder). */
export function readDevEnv(from: string = process.cwd()): Record<string, string> | undefined {
  let dir = from
  for (;;) {
    const candidate = join(dir, DEV_ENV_PATH)
    if (existsSync(candidate)) return parseEnv(readFileSync(candidate, 'utf8')) as Record<string, string>
    const parent = join(dir, '..')
    if (parent === dir) return undefined
    dir = parent
  }
}

/** The dotenv format `parseEnv` reads; values are generated settings, quoted when they hold anything unusual. */
export function formatEnvFile(env: Record<string, string>, header: string): string {
  const quote = (value: string): string =>
    /^[A-Za-z0-9_./:@,+-]*$/.test(value) ? value : `'${value.replace(/'/g, '')}'`
  return `${header}\n${Object.entries(env)
    .map(([name, value]) => `${name}=${quote(value)}`)
    .join('\n')}\n`
}
