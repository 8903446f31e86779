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

/** Runs the scripts one after another, starting now; each result is ready when its script ends. */
function lane(scripts: string[]): [string, ReturnType<typeof npmRun>][] {
  let previous: Promise<unknown> = Promise.resolve()
  return scripts.map((script) => {
    const result = previous.then(() => npmRun(script))
    previous = result
    return [script, result]
  })
}

// Two lanes, one per core: lint (the longest check) beside the others. typecheck and format:check reuse what an
// earlier run checked (tsc's incremental build info and Prettier's cache, under node_modules/.cache); lint has no
// cache: ESLint's is keyed by each file's own content, and a type-aware rule's finding in a file can change when
// only a file it imports does.
const results = new Map([...lane(['lint']), ...lane(['typecheck', 'format:check', 'knip'])])
for (const [script, rule] of checks) {
  t.test(rule, async (t) => {
    const { status, output } = await results.get(script)!
    t.equal(status, 0, output.trim().slice(0, 4000))
  })
}
