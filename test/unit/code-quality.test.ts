/**
 * The code's own checks, enforced by `npm test` so CI keeps them: every workspace compiles under the strict config
 * (tsx and Vite strip types without checking them), type-aware lint finds nothing, the formatting is Prettier's, and
 * knip finds no unused file, export or dependency.
 */
import { spawn } from 'node:child_process'
import t from 'tap'

function npmRun(script: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('exit', (status) => resolve({ status, output }))
  })
}

const checks = [
  ['typecheck', 'every workspace type-checks'],
  ['lint', 'type-aware lint (typescript-eslint) finds nothing'],
  ['format:check', 'every file is formatted as Prettier formats it'],
  ['knip', 'knip finds no unused file, export or dependency'],
] as const
// One after another: typecheck and lint each keep a core busy; run together on two cores they are slower.
for (const [script, rule] of checks) {
  t.test(rule, async (t) => {
    const { status, output } = await npmRun(script)
    t.equal(status, 0, output.trim().slice(0, 4000))
  })
}
