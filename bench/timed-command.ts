/** A command's wall time as an operator sees it, process start included, for benchmarks that time whole commands. */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const TIME = '/usr/bin/time'

export interface CommandRun {
  seconds: number
  /** stdout and stderr, interleaved as they came. */
  output: string
  /** Peak resident memory, when asked for and /usr/bin/time is there to measure it. */
  peakMiB?: number
}

/**
 * Runs a command from the repository's root to its end: its wall seconds and output, or throws with its output.
 * `peakMemory` runs it under /usr/bin/time (when there) for its peak RSS.
 */
export function runTimed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  { peakMemory = false } = {},
): Promise<CommandRun> {
  const wrapped = peakMemory && existsSync(TIME)
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = wrapped
      ? spawn(TIME, ['-f', 'peak-rss-kb %M', command, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => {
      const seconds = (performance.now() - started) / 1000
      const kb = /peak-rss-kb (\d+)/.exec(output)?.[1]
      if (code === 0) resolve({ seconds, output, ...(kb ? { peakMiB: Number(kb) / 1024 } : {}) })
      else reject(new Error(`${command} ${args.slice(0, 2).join(' ')} exited with ${code}:\n${output.slice(-3000)}`))
    })
  })
}

/** Runs a command from the repository's root to its end; returns its wall seconds, or throws with its output. */
export async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return (await runTimed(command, args, env)).seconds
}
