import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { fileTimes, formatSlowest, type FileTime } from '../support/file-times.js'

const dir = mkdtempSync(join(tmpdir(), 'hoist-processinfo-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const since = new Date('2026-12-01T10:00:00Z')
const info = (name: string, fields: Record<string, unknown>): void =>
  writeFileSync(join(dir, `${name}.json`), JSON.stringify({ date: '2026-12-01T10:00:05Z', parent: null, ...fields }))
info('a', { externalID: 'test/a.test.ts', runtime: 1_500, code: 0, signal: null })
info('b', { externalID: 'test/b.test.ts', runtime: 42_000, code: null, signal: 'SIGTERM' })
info('child', { externalID: null, parent: 'b', runtime: 40_000 })
info('earlier-run', { externalID: 'test/old.test.ts', runtime: 99_000, date: '2026-11-30T10:00:00Z' })
writeFileSync(join(dir, 'half-written.json'), '{"date":')

t.test(
  'each test file of this run, slowest first, with how it ended; child processes and earlier runs left out',
  async (t) => {
    t.same(fileTimes(dir, since), [
      { file: 'test/b.test.ts', ms: 42_000, exit: { code: null, signal: 'SIGTERM' } },
      { file: 'test/a.test.ts', ms: 1_500, exit: { code: 0, signal: null } },
    ])
  },
)

t.test('the report names at most the asked number of files, with seconds aligned', async (t) => {
  const times: FileTime[] = [
    { file: 'slow.test.ts', ms: 148_012 },
    { file: 'medium.test.ts', ms: 9_870 },
    { file: 'fast.test.ts', ms: 120 },
  ]
  t.equal(
    formatSlowest(times, 2),
    'hoist: the 2 slowest test files:\n  148.0 s  slow.test.ts\n    9.9 s  medium.test.ts',
  )
})

t.test('no process info says so', async (t) => {
  t.same(fileTimes(join(dir, 'missing'), since), [])
  t.match(formatSlowest([]), /no per-file times/)
})
