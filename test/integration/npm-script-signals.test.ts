/**
 * A SIGTERM to `npm run <script>` — from a process manager, `kill`, a CI timeout — reaches the script's own process.
 * npm passes it to the shell that runs the script line; a shell that forked the command would die of it and leave the
 * command running (for `npm run dev`, the whole dev stack). So each script line execs its command (package.json).
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { cliEnv } from '../helpers/cli.js'
import { startHoist } from '../helpers/hoist.js'

const { stack, config } = await startHoist(t)

/** The processes whose environment holds `marker`: the npm run and everything it started. */
function processesMarked(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)
      } catch {
        return false // gone, or not ours to read
      }
    })
    .map(Number)
}

t.test('SIGTERM to `npm run hoist -- worker` stops the worker, not only npm', async (t) => {
  const marker = `HOIST_SIGNAL_TEST=${randomUUID()}`
  const [name, value] = marker.split('=') as [string, string]
  const npm = spawn('npm', ['run', '-s', 'hoist', '--', 'worker'], {
    env: { ...process.env, ...cliEnv(stack, config), [name]: value },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    npm.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes('image worker started')) resolve()
    })
    npm.on('exit', () => reject(new Error(`npm exited before the worker started:\n${stderr}`)))
  })
  t.ok(processesMarked(marker).length >= 2, 'npm and the worker are running')

  npm.kill('SIGTERM')
  let left = processesMarked(marker)
  for (let waited = 0; left.length > 0 && waited < 20_000; waited += 250) {
    await sleep(250)
    left = processesMarked(marker)
  }
  t.same(left, [], 'nothing the script started is left running')
  for (const pid of left) process.kill(pid, 'SIGKILL')
})
