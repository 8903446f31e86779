/**
 * Chromium, headless, driven by playwright-core: the one `npm test` found or installed (CHROMIUM_PATH), or found here
 * when a file runs alone. Flags keep it off the network it cannot reach; each run gets a fresh profile.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core'
import type { Test } from 'tap'
import { findOrInstallChromium } from '../../infra/system/browser.js'

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export async function launchBrowser(t: Test): Promise<{ browser: BrowserContext }> {
  const executablePath = await findOrInstallChromium((line) => t.comment(line))
  const profile = mkdtempSync(join(tmpdir(), 'hoist-chromium-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 900 },
  })
  t.teardown(async () => {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return { browser }
}

/** Slows the page's uploads to `bytesPerSecond` (Chromium's network emulation), so a test can act mid-upload. */
export async function throttleUploads(
  browser: BrowserContext,
  page: Page,
  bytesPerSecond: number,
): Promise<CDPSession> {
  const cdp = await browser.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  })
  return cdp
}
