/**
 * `npm run typecheck`: `tsc` on every TypeScript project of the repository, each under its own strict config.
 * Each check keeps its build info in node_modules/.cache/hoist/tsc (git-ignored, never shipped), so a run after a
 * small change re-checks only the files that change can affect: tsc's incremental mode records every file's hash
 * and what it depends on, and checks again whatever depends on a changed file. A fresh clone checks everything.
 *
 * The checker is TypeScript 7 (the `typescript-7` alias: the compiler ported to native code), about five times less CPU
 * than TypeScript 5.9 on these projects (a fresh clone's check: 156 s -> 37 s of CPU) with the same files and the same
 * errors. The workspaces' builds call it by the same path. TypeScript 5.9 stays the `typescript` package, for
 * typescript-eslint alone (it needs TypeScript's JavaScript API, which 7 does not have); both packages declare a `tsc`
 * bin, so which one `node_modules/.bin/tsc` is depends on how they were installed, and nothing here calls it.
 */
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const BUILD_INFO_DIR = join('node_modules', '.cache', 'hoist', 'tsc')
/** Its package exports no `bin/tsc`; the bin is found beside its package.json. */
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript-7/package.json')), 'bin', 'tsc')

/** In order: server/tsconfig.build.json checks against the declarations `tsc -b` writes for web-client and protocol. */
const PROJECTS: { project: string; build?: true; noEmit?: true }[] = [
  { project: 'tsconfig.json' },
  { project: 'test/tsconfig.dom.json' },
  { project: 'bench/tsconfig.json' },
  // Composite: `tsc -b` keeps the build info in dist (a deleted dist is rebuilt).
  { project: 'web-client/tsconfig.build.json', build: true },
  { project: 'server/tsconfig.build.json', noEmit: true },
  { project: 'web-client/tsconfig.json', noEmit: true },
  { project: 'web-client/demo/tsconfig.json' },
  { project: 'react/tsconfig.json', noEmit: true },
  { project: 'react/example/tsconfig.json' },
  { project: 'uppy/tsconfig.json', noEmit: true },
  { project: 'uppy/example/tsconfig.json' },
]

function tscArgs({ project, build, noEmit }: (typeof PROJECTS)[number]): string[] {
  if (build) return ['-b', project]
  const buildInfo = join(BUILD_INFO_DIR, `${project.replace(/\.json$/, '').replaceAll('/', '__')}.tsbuildinfo`)
  return ['-p', project, ...(noEmit ? ['--noEmit'] : []), '--incremental', '--tsBuildInfoFile', buildInfo]
}

function tsc(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TSC, ...args], { stdio: 'inherit' })
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

mkdirSync(BUILD_INFO_DIR, { recursive: true })
let failed = 0
for (const project of PROJECTS) {
  const code = await tsc(tscArgs(project))
  if (code !== 0) {
    console.error(`typecheck: ${project.project} has errors (tsc exited with ${code})`)
    failed++
  }
}
process.exit(failed > 0 ? 1 : 0)
