import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Where `npm run dev` records the settings it used, relative to the repository root. */
export const DEV_ENV_PATH = join('.hoist', 'dev.env')

/** Finds .hoist/dev.env in this directory or a parent (npm workspaces run scripts from the package folder). */
export function readDevEnv(from: string = process.cwd()): Record<string, string> | undefined {
  let dir = from
  for (;;) {
    const candidate = join(dir, DEV_ENV_PATH)
    if (existsSync(candidate)) return parseEnvFile(readFileSync(candidate, 'utf8'))
    const parent = join(dir, '..')
    if (parent === dir) return undefined
    dir = parent
  }
}

export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line)
    if (!match) continue
    env[match[1]!] = match[2]!.trim().replace(/^'(.*)'$/, '$1')
  }
  return env
}

export function formatEnvFile(env: Record<string, string>, header: string): string {
  const quote = (value: string): string => (/^[A-Za-z0-9_./:@,+-]*$/.test(value) ? value : `'${value.replace(/'/g, '')}'`)
  return `${header}\n${Object.entries(env)
    .map(([name, value]) => `${name}=${quote(value)}`)
    .join('\n')}\n`
}
