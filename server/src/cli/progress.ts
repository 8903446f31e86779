/** Progress of a long command: a bar on a terminal (stderr), else a line every twentieth of a phase, for logs. */
import cliProgress from 'cli-progress'
import type { Progress } from '../progress.js'

export function progressReporter(): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: '{phase} [{bar}] {value}/{total}', hideCursor: true },
      cliProgress.Presets.shades_classic,
    )
    return {
      phase: (name, total) => bar.start(total, 0, { phase: name.padEnd(20) }),
      tick: () => bar.increment(),
      done: () => bar.stop(),
    }
  }
  let name = ''
  let total = 0
  let count = 0
  let printed = 0
  const print = (): void => {
    console.error(`${name}: ${count}/${total}`)
    printed = count
  }
  return {
    phase: (phase, phaseTotal) => {
      ;[name, total, count] = [phase, phaseTotal, 0]
      print()
    },
    tick: () => {
      count++
      if (count === total || count % Math.max(1, Math.ceil(total / 20)) === 0) print()
    },
    // Where the phase really ended (a document deleted meanwhile is never written): the last line is the truth.
    done: () => {
      if (printed !== count) print()
    },
  }
}
