/**
 * The app's side as a Python package (python/, import name hoist_client): its own pytest suite, run in a cached venv
 * against a real Hoist API, so a change to the API that breaks the package fails `npm test`; and the folder builds
 * and installs with pip.
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ensurePythonVenv } from '../../infra/system/python.js'
import { baseUrl, startHoist } from '../helpers/hoist.js'
import { TEST_JWT_SECRET } from '../helpers/tokens.js'

const packageDir = fileURLToPath(new URL('../../python/', import.meta.url))
const python = await ensurePythonVenv(`${packageDir}requirements-test.txt`, (line) => t.comment(line))
const { app } = await startHoist(t, { listen: true })

t.test('the package’s pytest suite passes against the API', async (t) => {
  const pytest = spawn(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests'], {
    cwd: packageDir,
    env: {
      ...process.env,
      PYTHONPATH: join(packageDir, 'src'),
      HOIST_API_URL: baseUrl(app),
      HOIST_JWT_SECRET: TEST_JWT_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  pytest.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  pytest.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => pytest.on('exit', resolve))
  t.equal(code, 0, output)
  // pytest's summary, e.g. "14 passed in 2.31s": the suite ran, and ran everything.
  t.match(output, /\b(\d+) passed\b/)
  t.notMatch(output, /\b(failed|error|skipped)\b/)
})

t.test('pip installs the folder, and the installed package imports', async (t) => {
  const target = mkdtempSync(join(tmpdir(), 'hoist-client-install-'))
  // A copy is built, so the build leaves nothing (build/, *.egg-info) in the clone.
  const source = mkdtempSync(join(tmpdir(), 'hoist-client-source-'))
  t.teardown(() => {
    rmSync(target, { recursive: true, force: true })
    rmSync(source, { recursive: true, force: true })
  })
  cpSync(packageDir, source, { recursive: true, filter: (path) => !/(__pycache__|\.egg-info|\/build)$/.test(path) })
  // No build isolation: setuptools comes from the venv, so nothing is fetched for the build.
  const install = spawnSync(
    python,
    ['-m', 'pip', 'install', '-q', '--no-deps', '--no-build-isolation', '--target', target, source],
    { encoding: 'utf8' },
  )
  t.equal(install.status, 0, install.stderr)
  const imported = spawnSync(python, ['-c', 'import hoist_client; print(hoist_client.__all__)'], {
    cwd: target,
    env: { ...process.env, PYTHONPATH: target },
    encoding: 'utf8',
  })
  t.equal(imported.status, 0, imported.stderr)
  t.match(imported.stdout, /mint_token/)
})
