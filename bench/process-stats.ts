/** CPU time and memory of another process, read from /proc (Linux), to measure a server without touching it. */
import { readFileSync, writeFileSync } from 'node:fs'
import { CLOCK_TICKS } from './machine.js'

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  // Field 2 (comm) may contain spaces: split after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return (utime + stime) / CLOCK_TICKS
}

function statusField(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`))
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024
}

/** Resident memory now, in MiB. */
export function rssMiB(pid: number): number {
  return statusField(pid, 'VmRSS')
}

/** The highest resident memory since the process started, in MiB. */
export function peakRssMiB(pid: number): number {
  return statusField(pid, 'VmHWM')
}

/** Resets the peak to the current size, so a phase's peak excludes what start-up used (Linux ≥ 4.0). */
export function resetPeak(pid: number): void {
  try {
    // Writing 5 to clear_refs resets VmHWM.
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not permitted: the peak then includes start-up, which is reported separately anyway.
  }
}
