/**
 * A Hoist process (the API, `hoist worker`) whose clock is off by a given number of seconds: libfaketime preloaded
 * into Node (`LD_PRELOAD` + `FAKETIME`, as Debian's `faketime` command does, but without its wrapper process, so the
 * pid is Node's own and SIGSTOP freezes the process itself). Only the wall clock moves: timers and `performance.now()`
 * keep the real monotonic clock (`FAKETIME_DONT_FAKE_MONOTONIC`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { builtCodeEnv } from '../infra/source-condition.js'
import { freePort } from '../infra/stack/ports.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Debian's libfaketime (package `faketime`); `$LIB` is expanded by the dynamic linker. */
const LIBFAKETIME = '/usr/$LIB/faketime/libfaketime.so.1'

export function libfaketimeInstalled(): boolean {
  return ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib'].some((dir) =>
    existsSync(`${dir}/faketime/libfaketime.so.1`),
  )
}

export interface SkewedProcess {
  name: string
  url: string
  pid: number
  /** The process's wall clock minus the real one, in seconds, as read from its HTTP `Date` header (±1 s). */
  measuredSkewSeconds: number
  output(): string
  stop(): Promise<void>
}

export interface SkewedProcessOptions {
  name: string
  /** `api`: the server; `worker`: `hoist worker`, with its metrics port as the thing to ask. */
  role: 'api' | 'worker'
  /** The built server (server/dist, as Render runs it) or the TypeScript source under tsx. */
  entry: 'dist' | 'source'
  skewSeconds: number
  env: Record<string, string>
}

function argsFor(role: SkewedProcessOptions['role'], entry: SkewedProcessOptions['entry']): string[] {
  if (entry === 'dist') return role === 'api' ? ['server/dist/main.js'] : ['server/dist/cli/hoist.js', 'worker']
  return role === 'api'
    ? ['--import', 'tsx', 'server/src/main.ts']
    : ['--import', 'tsx', 'server/src/cli/hoist.ts', 'worker']
}

export async function startSkewedProcess(options: SkewedProcessOptions): Promise<SkewedProcess> {
  const port = await freePort()
  const sign = options.skewSeconds < 0 ? '-' : '+'
  const env = {
    ...process.env,
    ...options.env,
    ...(options.role === 'api' ? { PORT: String(port), HOST: '127.0.0.1' } : { METRICS_PORT: String(port) }),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `${sign}${Math.abs(options.skewSeconds)}s`,
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  }
  const child: ChildProcess = spawn(process.execPath, argsFor(options.role, options.entry), {
    cwd: root,
    env: options.entry === 'dist' ? builtCodeEnv(env) : env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const probe = options.role === 'api' ? `${url}/readyz` : `${url}/metrics`
  for (let i = 0; i < 600; i++) {
    const answer = await fetch(probe).catch(() => undefined)
    if (answer?.ok) {
      const skew = (Date.parse(answer.headers.get('date') ?? '') - Date.now()) / 1000
      await answer.arrayBuffer()
      return {
        name: options.name,
        url,
        pid: child.pid!,
        measuredSkewSeconds: Math.round(skew),
        output: () => output,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return
          // A frozen process ignores SIGTERM until it runs again.
          process.kill(child.pid!, 'SIGCONT')
          child.kill('SIGTERM')
          await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))])
          await exited
        },
      }
    }
    if (child.exitCode !== null) break
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`${options.name} did not become ready:\n${output}`)
}
