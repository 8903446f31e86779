/**
 * `npm test`: provides what the tests need on this machine (redis-server, clamd, ffmpeg and a Chromium, installed when missing and
 * possible), starts one stack (explicit env → testcontainers → native MinIO, FerretDB, Redis) for every test file,
 * runs tap with the stack's endpoints in env, stops the stack, and prints the ten slowest test files and
 * `N passed, N failed[, N skipped]`.
 * Extra arguments are passed to tap (e.g. `npm test -- test/integration/uploads`). `npm test -- --unit` runs the logic
 * tests on in-memory doubles (test/unit) alone: no servers started, nothing installed.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { formatStack, startStack, stackEnv } from '../infra/stack/index.js'
import { findOrInstallChromium } from '../infra/system/browser.js'
import { ensureCommand } from '../infra/system/debian.js'
import { fileTimes, formatSlowest } from './support/file-times.js'
import { countBadExits, countResults, formatTotals } from './support/tap-totals.js'

const RESULTS_DIR = '.tap/test-results'
const PROCESS_INFO_DIR = '.tap/processinfo'
const DEFAULT_FILES = ['test/**/*.test.ts']
/** Logic on in-memory doubles and pure functions: no server, no child process, no build. */
const UNIT_FILES = ['test/unit/**/*.test.ts']

const started = new Date()
rmSync('.tap/totals.txt', { force: true })
rmSync('.tap/failures.txt', { force: true })
const log = (line: string): void => console.log(line)

/**
 * Test files at once: two per core. Most of a file's time is waiting — for servers, child processes, browsers, leases
 * and retries — not computing: at tap's default (one per core) the CPUs sat 45% idle through a whole run on 2 cores.
 */
const JOBS = availableParallelism() * 2

/** Loaded before tap's process tracker in every test process: see the file. */
const TRACKER_WITHOUT_MODULE_HOOKS = fileURLToPath(
  new URL('./support/processinfo-without-module-hooks.mjs', import.meta.url),
)

/** Runs tap on `args` (files, or tap's own options) with `env` added; its exit code. */
async function runTap(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  rmSync(RESULTS_DIR, { recursive: true, force: true })
  const nodeOptions = [process.env.NODE_OPTIONS, JSON.stringify(`--import=${TRACKER_WITHOUT_MODULE_HOOKS}`)]
  const tap = spawn('npx', ['tap', `--jobs=${JOBS}`, ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      ...env,
      NODE_OPTIONS: nodeOptions.filter(Boolean).join(' '),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  })
  return new Promise<number>((resolve) => tap.on('exit', (code) => resolve(code ?? 1)))
}

/**
 * Prints the slowest files, the failures and the totals (the last two also to .tap, for .ci/run); the exit code for
 * the run.
 */
function report(exitCode: number): number {
  const totals = existsSync(RESULTS_DIR)
    ? countResults(RESULTS_DIR)
    : { passed: 0, failed: 1, skipped: 0, failures: ['no results'] }
  const runs = fileTimes(PROCESS_INFO_DIR, started)
  countBadExits(runs, totals)
  if (exitCode !== 0 && totals.failed === 0) {
    totals.failed = 1
    totals.failures.push(`tap exited with code ${exitCode}`)
  }
  console.log(formatSlowest(runs))
  const failures = totals.failures.map((failure) => `FAILED: ${failure}\n`).join('')
  process.stdout.write(failures)
  console.log(`hoist: tests took ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`)
  mkdirSync('.tap', { recursive: true })
  // .ci/run prints both Node.js versions' failures again at its end, where a log's tail still shows them.
  writeFileSync('.tap/failures.txt', failures)
  writeFileSync('.tap/totals.txt', `${formatTotals(totals)}\n`)
  console.log(formatTotals(totals))
  return totals.failed > 0 ? 1 : 0
}

/**
 * tap applies its `plugin` setting (package.json: TypeScript through tsx, not its ts-node plugin) by rebuilding itself,
 * but a run that finds the build out of date rebuilds for the next run only, and spawns its own test files with the
 * old loaders. So the build comes first (a few seconds), and the first run after `npm install` is like every other.
 */
async function buildTap(): Promise<void> {
  const build = spawn('npx', ['tap', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
  const code = await new Promise<number | null>((resolve) => build.on('exit', resolve))
  if (code !== 0) throw new Error(`tap build exited with code ${code}`)
}

const args = process.argv.slice(2)
await buildTap()
if (args.includes('--unit')) {
  const rest = args.filter((arg) => arg !== '--unit')
  process.exit(report(await runTap(rest.length > 0 ? rest : UNIT_FILES, {})))
}
if (!process.env.REDIS_URL) ensureCommand('redis-server', 'redis-server', log)
// The malware-scan tests start a clamd of their own (infra/stack/clamd.ts); a missing one skips them with the reason.
ensureCommand('clamd', 'clamav-daemon', log)
// Video posters (test/integration/images/previews.test.ts); a missing one skips those tests with the reason.
ensureCommand('ffmpeg', 'ffmpeg', log)
// The chaos run's clock skew (test/integration/reliability/chaos.test.ts preloads libfaketime into Node).
ensureCommand('faketime', 'faketime', log)
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
  exitCode = await runTap(args.length > 0 ? args : DEFAULT_FILES, {
    // Each test file makes its own bucket and database on these shared servers.
    ...stackEnv(stack, 'set-per-test-file'),
    HOIST_SHARED_STACK: '1',
    ...(chromiumPath ? { CHROMIUM_PATH: chromiumPath } : {}),
  })
} finally {
  await stack.stop()
}
process.exit(report(exitCode))
