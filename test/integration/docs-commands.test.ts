/**
 * Every shell example of README.md and docs/ that can run against the dev stack is run here, as a reader would:
 * in a folder that looks like the clone, after `npm run dev` wrote .hoist/dev.env (here: the test's stack and an
 * API process), with `bash -e -o pipefail`. A wrong example fails `npm test`.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { stackEnv } from '../../infra/stack/index.js'
import { formatEnvFile } from '../../server/src/cli/dev-env.js'
import { startApiProcess } from '../helpers/api-process.js'
import { fileOf } from '../helpers/fixtures.js'
import { startHoist, uniqueName } from '../helpers/hoist.js'
import { BLOCK_TAGS, shellBlocks } from '../helpers/markdown-commands.js'
import { TEST_JWT_SECRET } from '../helpers/tokens.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const documents = ['README.md', ...readdirSync(join(root, 'docs')).map((name) => join('docs', name))].filter((name) =>
  name.endsWith('.md'),
)
const blocks = documents.flatMap((name) =>
  shellBlocks(join(root, name)).map((block) => ({ ...block, where: block.where.slice(root.length) })),
)

t.test('every shell block says whether it runs against the dev stack, or why not', async (t) => {
  for (const block of blocks) {
    t.ok(block.tag && block.tag in BLOCK_TAGS, `${block.where}: tag it: ${Object.keys(BLOCK_TAGS).join(' | ')}`)
  }
  t.ok(blocks.filter((block) => block.tag === 'dev-stack').length >= 2, 'the curl flow and hoist upload are run')
})

t.test('the dev-stack blocks succeed, in order, against a running API', async (t) => {
  // The bucket set up as npm run dev sets it up (public-read, CORS); the API as its own process.
  const { config, stack } = await startHoist(t, { config: { s3Bucket: uniqueName('docs') } })
  const settings: Record<string, string> = {
    ...stackEnv(stack, config.s3Bucket),
    MONGO_DB_NAME: config.mongoDbName,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'warn',
  }
  const api = await startApiProcess({ entry: 'source', env: settings })
  t.teardown(() => api.child.kill('SIGTERM'))
  const clone = cloneLookalike({ ...settings, API_URL: api.url, PORT: String(api.port), HOST: '127.0.0.1' })
  // What the README's `hoist upload` example presumes: the reader's own screenshots.
  mkdirSync(join(clone, 'shots'))
  for (const name of ['step-1.png', 'step-2.png']) writeFileSync(join(clone, 'shots', name), fileOf('image/png', 3_000))

  for (const block of blocks.filter((block) => block.tag === 'dev-stack')) {
    const run = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', block.code], {
      cwd: clone,
      env: readerEnv(settings),
      encoding: 'utf8',
      timeout: 120_000,
    })
    t.equal(run.status, 0, `${block.where} exits 0\n${run.stdout}\n${run.stderr}`)
    t.notMatch(run.stdout, /"error":\s*\{/, `${block.where} prints no API error`)
  }
})

/** A folder with every top-level entry of the clone linked in, and its own .hoist/dev.env. */
function cloneLookalike(devEnv: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-docs-'))
  for (const entry of readdirSync(root)) {
    if (!['.hoist', '.git', '.tap'].includes(entry)) symlinkSync(join(root, entry), join(dir, entry))
  }
  mkdirSync(join(dir, '.hoist'))
  writeFileSync(join(dir, '.hoist', 'dev.env'), formatEnvFile(devEnv, '# written by the docs-commands test'))
  return dir
}

/** A reader's shell: none of this test run's stack settings, which the examples must get from dev.env. */
function readerEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(settings)) delete env[name]
  return env
}
