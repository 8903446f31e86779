/**
 * Counts tests (not assertions) from the TAP that tap saves per file in .tap/test-results: a test is a subtest
 * with no subtests of its own. A file that failed outside any test (a crash, a timeout) counts as one failure.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FileTime } from './file-times.js'

export interface Totals {
  passed: number
  failed: number
  skipped: number
  failures: string[]
}

const RESULT = /^(\s*)(not ok|ok)\b[^#]*?(?:-\s(.*?))?\s*(?:#\s*(SKIP|TODO)\b.*)?$/i
const SUBTEST = /^(\s*)# Subtest: (.*)$/

/** What a failure line says after its name: the first failing assertion's description, cut to one short line. */
const reasonOf = (message: string | undefined): string =>
  message ? `: ${message.length > 160 ? `${message.slice(0, 157)}...` : message}` : ''

export function countTap(tap: string, file: string, totals: Totals): void {
  // Open subtests by indent: whether each has seen a nested subtest (then it is not a leaf), and the first failing
  // assertion in its own body — CI shows only a log's tail, so each failure line says why.
  const open = new Map<number, { name: string; hasChildren: boolean; firstFailure?: string }>()
  let failedInTests = 0
  let fileFailed = false
  let outsideFailure: string | undefined
  for (const line of tap.split('\n')) {
    const subtest = SUBTEST.exec(line)
    if (subtest) {
      const indent = subtest[1]!.length
      const parent = open.get(indent - 4)
      if (parent) parent.hasChildren = true
      open.set(indent, { name: subtest[2]!, hasChildren: false })
      continue
    }
    const result = RESULT.exec(line)
    if (!result) continue
    const indent = result[1]!.length
    const ok = result[2]!.toLowerCase() === 'ok'
    const directive = result[4]?.toUpperCase()
    const started = open.get(indent)
    open.delete(indent)
    if (started && started.hasChildren) {
      if (!ok && indent === 0) fileFailed = true
      // A group's own failure (thrown in its body, between its subtests) is a failure outside any test.
      if (!ok) outsideFailure ??= started.firstFailure && `in "${started.name}"${reasonOf(started.firstFailure)}`
      continue
    }
    if (!started && !directive) {
      // An assertion; a failing one at the top of a file is a failure outside any test.
      if (!ok && indent === 0) {
        fileFailed = true
        outsideFailure ??= reasonOf(result[3]).slice(2) || undefined
      }
      const enclosing = open.get(indent - 4)
      if (!ok && enclosing) enclosing.firstFailure ??= result[3]
      continue
    }
    const name = `${file} > ${started?.name ?? result[3] ?? '(unnamed)'}`
    if (directive) totals.skipped++
    else if (ok) totals.passed++
    else {
      totals.failed++
      failedInTests++
      totals.failures.push(`${name}${reasonOf(started?.firstFailure)}`)
    }
  }
  if (fileFailed && failedInTests === 0) {
    totals.failed++
    totals.failures.push(`${file} (failed outside any test: ${outsideFailure ?? 'crash, timeout or bad plan'})`)
  }
}

export function countResults(dir: string): Totals {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0, failures: [] }
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry)
      if (statSync(full).isDirectory()) walk(full)
      else if (entry.endsWith('.tap'))
        countTap(readFileSync(full, 'utf8'), full.slice(dir.length + 1, -'.tap'.length), totals)
    }
  }
  walk(dir)
  return totals
}

/**
 * A file whose process exited badly after its tests all passed (an error thrown after the last test, a handle that
 * failed at exit) has nothing failing in its TAP: tap's runner fails it on the exit code alone. Each such file counts
 * as one failure, named with how it ended.
 */
export function countBadExits(runs: FileTime[], totals: Totals): void {
  for (const { file, exit } of runs) {
    if (!exit || (exit.code === 0 && !exit.signal)) continue
    if (totals.failures.some((failure) => failure.startsWith(`${file} `))) continue
    totals.failed++
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`
    totals.failures.push(`${file} (its process ended with ${how}; no failing test in its TAP)`)
  }
}

export function formatTotals(totals: Totals): string {
  return `${totals.passed} passed, ${totals.failed} failed${totals.skipped > 0 ? `, ${totals.skipped} skipped` : ''}`
}
