/**
 * The processes tests start run without tap's process tracker (test/support/processinfo-not-inherited.mjs): each
 * would otherwise load it through NODE_OPTIONS, and the rest of NODE_OPTIONS must still reach them. The test processes
 * keep it, without its module hooks (test/support/processinfo-without-module-hooks.mjs).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

t.test('a child of a test process keeps NODE_OPTIONS but not tap’s process tracker', async (t) => {
  const seen = execFileSync(
    process.execPath,
    ['-p', 'JSON.stringify([process.env.NODE_OPTIONS ?? "", Object.keys(process.env)])'],
    {
      env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-http-header-size=20000` },
    },
  ).toString()
  const [nodeOptions, names] = JSON.parse(seen) as [string, string[]]
  t.notMatch(nodeOptions, /processinfo/, 'no tracker in NODE_OPTIONS')
  t.match(nodeOptions, /--max-http-header-size=20000/, 'the other options are kept')
  t.same(
    names.filter((name) => name.startsWith('_TAPJS_PROCESSINFO_')),
    [],
    'none of its variables',
  )
})

const TRACKER = import.meta.resolve('@tapjs/processinfo/import')
const WITHOUT_MODULE_HOOKS = import.meta.resolve('../support/processinfo-without-module-hooks.mjs')

interface TrackerRecord {
  files: string[]
  runtime?: number
}

/** Runs a script that loads a module, as a root process under the tracker (after `preload`); what the tracker saved. */
function trackedRun(dir: string, preload: string[]): { record: TrackerRecord; loaded: string } {
  rmSync(join(dir, '.tap'), { recursive: true, force: true })
  const loaded = join(dir, 'loaded.mjs')
  writeFileSync(loaded, 'export default 1\n')
  writeFileSync(join(dir, 'main.mjs'), "await import('./loaded.mjs')\n")
  const imports = [...preload, TRACKER].map((url) => `--import=${url}`)
  execFileSync(process.execPath, [...imports, 'main.mjs'], { cwd: dir })
  const saved = readdirSync(join(dir, '.tap', 'processinfo'))
  const record = JSON.parse(readFileSync(join(dir, '.tap', 'processinfo', saved[0] ?? ''), 'utf8')) as TrackerRecord
  return { record, loaded }
}

t.test('a test process’s tracker records its runtime, but not each module it loads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-processinfo-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))

  const plain = trackedRun(dir, [])
  t.ok(plain.record.files.includes(plain.loaded), 'on its own, the tracker records each module loaded')

  const trimmed = trackedRun(dir, [WITHOUT_MODULE_HOOKS])
  t.type(trimmed.record.runtime, 'number', 'the runtime is still recorded (the slowest files list)')
  t.notOk(trimmed.record.files.includes(trimmed.loaded), 'no module hook of its own is left')
})
