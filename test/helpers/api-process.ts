/** The API as its own process — the built entry point Render runs, or the source — ready to serve. */
import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { builtCodeEnv } from '../../infra/source-condition.js'
import { freePort } from '../../infra/stack/ports.js'
import { FROM_SOURCE } from './from-source.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const READY_WITHIN_MS = 30_000

export interface ApiProcess {
  url: string
  port: number
  child: ChildProcess
  exited: Promise<number | null>
  /** Everything the process printed so far. */
  output: () => string
}

/**
 * Starts the API on a port picked for it. A port found free can be taken by another process before the API binds it
 * (other test files start servers at the same time), so a start that fails with EADDRINUSE is tried on a new port.
 */
export async function startApiProcess(options: {
  entry: 'dist' | 'source'
  env: NodeJS.ProcessEnv
}): Promise<ApiProcess> {
  for (let attempt = 1; ; attempt++) {
    const start = await startOnce(options.entry, options.env, await freePort())
    if ('url' in start) return start
    if (!(start.failure.includes('EADDRINUSE') && attempt < PORT_ATTEMPTS))
      throw new Error(`the API did not become ready: ${start.failure}`)
  }
}

const PORT_ATTEMPTS = 3

async function startOnce(
  entry: 'dist' | 'source',
  envOverrides: NodeJS.ProcessEnv,
  port: number,
): Promise<ApiProcess | { failure: string }> {
  const args = entry === 'dist' ? ['server/dist/main.js'] : [...FROM_SOURCE, 'server/src/main.ts']
  const env = { ...process.env, ...envOverrides, PORT: String(port), HOST: '127.0.0.1' }
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: entry === 'dist' ? builtCodeEnv(env) : env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  // 'close' comes after the last of its output has been read; 'exit' can come before.
  const closed = new Promise<string>((resolve) =>
    child.on('close', (code, signal) => resolve(`exit code ${code}, signal ${signal}`)),
  )
  const url = `http://127.0.0.1:${port}`
  // Generous: a machine busy with other test files can take many seconds to load the server's modules.
  const deadline = Date.now() + READY_WITHIN_MS
  while (Date.now() < deadline) {
    if (
      // Bounded: the port may have been taken by a server that never answers HTTP.
      await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.ok)
        .catch(() => false)
    )
      return { url, port, child, exited, output: () => output }
    if (child.exitCode !== null || child.signalCode !== null) break
    await sleep(100)
  }
  child.kill('SIGKILL')
  const ending = await closed
  return { failure: `${ending}, port ${port}, after printing:\n${output}` }
}

/** The API as its own process (from source) that is expected to stop during start-up: its exit code and stderr. */
export async function runApiToExit(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...FROM_SOURCE, 'server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(await freePort()), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  return { code, stderr }
}
