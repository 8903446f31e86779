import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

/**
 * The directory the user typed the command in. `npm run hoist -- …` runs the CLI from the repository's root but
 * sets INIT_CWD to the caller's directory, so `--from backend/uploads` means the caller's folder, as it reads.
 */
function callerDir(): string {
  return process.env.INIT_CWD ?? process.cwd()
}

/** A path the user gave, resolved against their directory. */
export function callerPath(path: string): string {
  return resolve(callerDir(), path)
}

/**
 * Creates `<caller>/.hoist/<name>/` for files the CLI writes by default (reports, manifests), with a `.gitignore`
 * in `.hoist/` so they are never committed, in this repository or the app's.
 */
export async function defaultOutputDir(name: string): Promise<string> {
  const hoistDir = join(callerDir(), '.hoist')
  const dir = join(hoistDir, name)
  await mkdir(dir, { recursive: true })
  const ignore = join(hoistDir, '.gitignore')
  if (!existsSync(ignore)) await writeFile(ignore, '# Written by the hoist CLI: reports and manifests stay local.\n*\n')
  return dir
}
