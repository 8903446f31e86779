/**
 * A Python virtual environment for the tests that run Python for real (the FastAPI receiver in examples/, the
 * schemathesis contract fuzzer), made once per requirements file in the cache and reused. python3 comes from the
 * machine (Debian's python3-venv is installed when venv is missing and we are root on Debian).
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { withDirLock } from '../stack/lock.js'
import { commandPath, installDebianPackages, type Log } from './debian.js'

function cacheRoot(): string {
  return process.env.HOIST_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'hoist')
}

/** The venv's python, with the packages of `requirementsFile` installed. */
export async function ensurePythonVenv(requirementsFile: string, log: Log): Promise<string> {
  const requirements = readFileSync(requirementsFile, 'utf8')
  const dir = join(cacheRoot(), 'venvs', createHash('sha256').update(requirements).digest('hex').slice(0, 12))
  const python = join(dir, 'bin', 'python')
  const ready = join(dir, '.installed')
  if (existsSync(ready)) return python
  mkdirSync(join(cacheRoot(), 'venvs'), { recursive: true })
  await withDirLock(`${dir}.lock`, log, async () => {
    if (existsSync(ready)) return
    const system =
      commandPath('python3') ??
      (installDebianPackages(['python3', 'python3-venv'], log) ? commandPath('python3') : undefined)
    if (!system) throw new Error('python3 is needed for this test: install Python 3.9 or later')
    rmSync(dir, { recursive: true, force: true })
    let venv = spawnSync(system, ['-m', 'venv', dir], { encoding: 'utf8' })
    if (venv.status !== 0 && installDebianPackages(['python3-venv'], log))
      venv = spawnSync(system, ['-m', 'venv', dir], { encoding: 'utf8' })
    if (venv.status !== 0) throw new Error(`python3 -m venv failed:\n${venv.stderr}`)
    log(`hoist: installing ${requirements.trim().split('\n').join(', ')} into ${dir} (once)`)
    const started = Date.now()
    const pip = spawnSync(
      python,
      ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', requirementsFile],
      { encoding: 'utf8' },
    )
    if (pip.status !== 0) throw new Error(`pip install failed:\n${pip.stderr.slice(-3000)}`)
    log(`hoist: Python packages ready in ${Math.round((Date.now() - started) / 1000)} s`)
    spawnSync('touch', [ready])
  })
  return python
}
