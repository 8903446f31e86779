/**
 * A Chromium for the browser tests, found or installed, in order: `CHROMIUM_PATH` → one already installed →
 * Debian's `chromium` (as root on Debian) → Playwright's own download (where the network allows it; not on this
 * machine kind, whose network reaches package registries only).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { commandPath, installDebianPackages, type Log } from './debian.js'

const INSTALLED = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']

class NoBrowserError extends Error {
  constructor(tried: string[]) {
    super(
      `no Chromium for the browser tests. Tried: ${tried.join('; ')}. Install Debian's chromium (apt-get install -y chromium), or set CHROMIUM_PATH.`,
    )
    this.name = 'NoBrowserError'
  }
}

export async function findOrInstallChromium(log: Log, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const tried: string[] = []
  if (env.CHROMIUM_PATH) {
    if (existsSync(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH
    tried.push(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist`)
  }
  const installed = (): string | undefined => INSTALLED.map(commandPath).find(Boolean)
  const found = installed()
  if (found) return found
  tried.push(`none of ${INSTALLED.join(', ')} on PATH`)
  if (installDebianPackages(['chromium'], log)) {
    const debian = installed()
    if (debian) return debian
  }
  tried.push('Debian’s chromium (needs root on Debian)')
  const { chromium } = await import('playwright-core')
  log('hoist: trying Playwright’s own Chromium download (npx playwright-core install chromium)')
  const download = spawnSync('npx', ['playwright-core', 'install', 'chromium'], { encoding: 'utf8', timeout: 600_000 })
  if (download.status === 0 && existsSync(chromium.executablePath())) return chromium.executablePath()
  tried.push(
    `Playwright’s download (${(download.stderr || download.stdout || '').trim().split('\n').pop() ?? 'failed'})`,
  )
  throw new NoBrowserError(tried)
}
