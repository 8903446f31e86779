/**
 * `npm test`: provides what the tests need on this machine (redis-server and a Chromium, installed when missing and
 * possible), starts one stack (explicit env → testcontainers → native MinIO, FerretDB, Redis) for every test file,
 * runs tap with the stack's endpoints in env, stops the stack, and prints the ten slowest test files and
 * `N passed, N failed[, N skipped]`.
 * Extra arguments are passed to tap (e.g. `npm test -- test/unit`).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { formatStack, startStack, stackEnv } from '../infra/stack/index.js'
import { findOrInstallChromium } from '../infra/system/browser.js'
import { ensureCommand } from '../infra/system/debian.js'
import { fileTimes, formatSlowest } from './support/file-times.js'
import { countResults, formatTotals } from './support/tap-totals.js'

const RESULTS_DIR = '.tap/test-results'
const PROCESS_INFO_DIR = '.tap/processinfo'
const DEFAULT_FILES = ['test/**/*.test.ts']

const started = new Date()
rmSync('.tap/totals.txt', { force: true })
const log = (line: string): void => console.log(line)
if (!process.env.REDIS_URL) ensureCommand('redis-server', 'redis-server', log)
// The malware-scan tests start a clamd of their own (infra/stack/clamd.ts); a missing one skips them with the reason.
ensureCommand('clamd', 'clamav-daemon', log)
// The README's curl examples, run by test/integration/docs-commands.test.ts.
for (const tool of ['curl', 'jq']) ensureCommand(tool, tool, log)
// A missing browser fails the browser tests with the reason, not the whole run.
const chromiumPath = await findOrInstallChromium(log).catch((error: Error) => {
  log(`hoist: ${error.message}`)
  return undefined
})
if (chromiumPath) log(`hoist: browser tests use ${chromiumPath}`)
const stack = await startStack({ log })
console.log(`hoist: test stack ready: ${formatStack(stack)}`)

let exitCode = 1
try {
  rmSync(RESULTS_DIR, { recursive: true, force: true })
  const args = process.argv.slice(2)
  const tap = spawn('npx', ['tap', ...(args.length > 0 ? args : DEFAULT_FILES)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      // Each test file makes its own bucket and database on these shared servers.
      ...stackEnv(stack, 'set-per-test-file'),
      HOIST_SHARED_STACK: '1',
      ...(chromiumPath ? { CHROMIUM_PATH: chromiumPath } : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  })
  exitCode = await new Promise<number>((resolve) => tap.on('exit', (code) => resolve(code ?? 1)))
} finally {
  await stack.stop()
}

const totals = existsSync(RESULTS_DIR)
  ? countResults(RESULTS_DIR)
  : { passed: 0, failed: 1, skipped: 0, failures: ['no results'] }
if (exitCode !== 0 && totals.failed === 0) {
  totals.failed = 1
  totals.failures.push(`tap exited with code ${exitCode}`)
}
console.log(formatSlowest(fileTimes(PROCESS_INFO_DIR, started)))
for (const failure of totals.failures) console.log(`FAILED: ${failure}`)
console.log(`hoist: tests took ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`)
mkdirSync('.tap', { recursive: true })
writeFileSync('.tap/totals.txt', `${formatTotals(totals)}\n`)
console.log(formatTotals(totals))
process.exit(totals.failed > 0 ? 1 : 0)
