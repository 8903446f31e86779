/**
 * The type stripping the test processes run on (test/support/strip-types.mjs) keeps each stripped file by the hash of
 * its text: a changed file must run as changed, never as a stripped copy of what it was.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'

const stripTypes = fileURLToPath(new URL('../support/strip-types.mjs', import.meta.url))
const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/hoist-strip-types/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'hoist-strip-types-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/**
 * How many stripped files in the cache came from this test's folder (their source maps name it). Other test files
 * fill the same cache meanwhile, so the cache's size alone says nothing.
 */
function keptFromHere(): number {
  return readdirSync(cacheDir).filter((name) => {
    const map = /sourceMappingURL=data:application\/json;base64,(\S+)/.exec(readFileSync(join(cacheDir, name), 'utf8'))
    return map?.[1] !== undefined && Buffer.from(map[1], 'base64').toString().includes(pathToFileURL(dir).href)
  }).length
}

/** Runs `file` on the stripping hooks; what it printed. */
function run(file: string): string {
  return execFileSync(process.execPath, ['--import', stripTypes, file], { encoding: 'utf8' }).trim()
}

t.test('a file runs stripped, then again from the cache, then as changed after an edit', async (t) => {
  const file = join(dir, 'answer.ts')
  const helper = join(dir, 'helper.ts')
  writeFileSync(helper, 'export const unit: string = "kB"\n')
  writeFileSync(file, 'import { unit } from "./helper.js"\nconst size: number = 1\nconsole.log(`${size} ${unit}`)\n')
  t.equal(run(file), '1 kB', 'types stripped, and ./helper.js found as helper.ts')
  t.equal(keptFromHere(), 2, 'both files kept, stripped')
  t.equal(run(file), '1 kB', 'the same again, from the cache')
  t.equal(keptFromHere(), 2, 'nothing stripped twice')
  writeFileSync(helper, 'export const unit: string = "MB"\n')
  t.equal(run(file), '1 MB', 'the edited helper runs as edited')
  t.equal(keptFromHere(), 3, 'the edit kept beside the original')
})
