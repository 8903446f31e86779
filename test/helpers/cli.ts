import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Stack } from '../../infra/stack/index.js'
import { stackEnv } from '../../infra/stack/index.js'
import type { Config } from '../../server/src/config.js'
import { FROM_SOURCE } from './from-source.js'

const HOIST_CLI = fileURLToPath(new URL('../../server/src/cli/hoist.ts', import.meta.url))

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** The environment a deployment would give the `hoist` CLI, for a test API's bucket and database. */
export function cliEnv(stack: Stack, config: Config): Record<string, string> {
  return {
    ...stackEnv(stack, config.s3Bucket),
    MONGO_DB_NAME: config.mongoDbName,
    JWT_SECRET: config.jwtSecret ?? '',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}

/** Runs `hoist <args>` as its own process, as an operator would. `onOutput` may kill it mid-way. */
export function runHoist(
  args: string[],
  env: Record<string, string>,
  onOutput?: (text: string, kill: () => void) => void,
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...FROM_SOURCE, HOIST_CLI, ...args], {
      env: { ...process.env, ...env, MONGO_URI: env.MONGO_URI },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const kill = (): void => void child.kill('SIGKILL')
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      onOutput?.(chunk.toString(), kill)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      onOutput?.(chunk.toString(), kill)
    })
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
}
