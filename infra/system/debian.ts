/**
 * What a fresh machine of this kind lacks and the test run can install itself: Debian packages (when running as root
 * on Debian, as CI does). Elsewhere it says what to install instead of failing later with a stranger error.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export type Log = (line: string) => void

export function commandPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim() || undefined : undefined
}

function canInstallDebianPackages(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && commandPath('apt-get') !== undefined
}

let updated = false

/** apt-get installs `packages`; false (never throws) when this machine cannot or the install failed. */
export function installDebianPackages(packages: string[], log: Log): boolean {
  if (!canInstallDebianPackages()) return false
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  log(`hoist: installing Debian packages: ${packages.join(' ')} (apt-get, once per machine)`)
  const started = Date.now()
  if (!updated) {
    const update = spawnSync('apt-get', ['update', '-q'], { env, encoding: 'utf8' })
    if (update.status !== 0) log(`hoist: apt-get update failed:\n${update.stderr.slice(-2000)}`)
    updated = true
  }
  const install = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    env,
    encoding: 'utf8',
  })
  if (install.status !== 0) {
    log(`hoist: apt-get install ${packages.join(' ')} failed:\n${install.stderr.slice(-2000)}`)
    return false
  }
  log(`hoist: installed ${packages.join(' ')} in ${Math.round((Date.now() - started) / 1000)} s`)
  return true
}

/** The command, installing its Debian package first when it is missing and that is possible. */
export function ensureCommand(command: string, debianPackage: string, log: Log): string | undefined {
  const found = commandPath(command)
  if (found) return found
  installDebianPackages([debianPackage], log)
  return commandPath(command)
}
