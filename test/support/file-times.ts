/**
 * How long each test file took, and how its process ended, from the process info tap saves for every process it runs
 * (.tap/processinfo): a test file's own process has no parent, names the file as its `externalID` and records its
 * whole `runtime` (node start, TypeScript loading and the tests), which the `# time=` of its TAP leaves out in part,
 * and its exit `code` or `signal`, which its TAP does not have at all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface FileTime {
  file: string
  ms: number
  /** How the file's process ended: a code other than 0 or a signal fails the file even when every test passed. */
  exit?: { code: number | null; signal: string | null }
}

interface ProcessInfo {
  date?: string
  parent?: string | null
  externalID?: string | null
  runtime?: number
  code?: number | null
  signal?: string | null
}

/** The files whose processes started at or after `since` (earlier runs' info stays in the folder), slowest first. */
export function fileTimes(dir: string, since: Date): FileTime[] {
  if (!existsSync(dir)) return []
  const times: FileTime[] = []
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.json')) continue
    let info: ProcessInfo
    try {
      info = JSON.parse(readFileSync(join(dir, entry), 'utf8')) as ProcessInfo
    } catch {
      continue // a process killed while tap wrote its info
    }
    if (info.parent || !info.externalID || typeof info.runtime !== 'number') continue
    if (!info.date || Date.parse(info.date) < since.getTime()) continue
    times.push({
      file: info.externalID,
      ms: info.runtime,
      exit: { code: info.code ?? null, signal: info.signal ?? null },
    })
  }
  return times.sort((a, b) => b.ms - a.ms)
}

export function formatSlowest(times: FileTime[], count = 10): string {
  const slowest = times.slice(0, count)
  if (slowest.length === 0) return 'hoist: no per-file times (no .tap/processinfo from this run)'
  const width = Math.max(...slowest.map((time) => (time.ms / 1000).toFixed(1).length))
  const lines = slowest.map((time) => `  ${(time.ms / 1000).toFixed(1).padStart(width)} s  ${time.file}`)
  return [`hoist: the ${slowest.length} slowest test files:`, ...lines].join('\n')
}
