import { mkdirSync, rmSync, statSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** A build left behind by a killed process must not block the next one forever. */
const STALE_LOCK_MS = 30 * 60_000

/** Runs `work` while holding a lock directory (mkdir is atomic), waiting for another holder to finish. */
export async function withDirLock<T>(lockDir: string, log: (line: string) => void, work: () => Promise<T>): Promise<T> {
  let announced = false
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (Date.now() - statSync(lockDir).mtimeMs > STALE_LOCK_MS) {
        rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (!announced) log(`hoist: waiting for another process to finish building (${lockDir})`)
      announced = true
      await sleep(1000)
    }
  }
  try {
    return await work()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}
