/**
 * The packages as people install them: `npm pack` of @hoist/protocol, @hoist/web-client, @hoist/react and
 * @hoist/uppy (prepack builds each), installed from the tarballs into a scratch project outside the workspace; a
 * TypeScript program type-checks against them strictly (skipLibCheck off, so the shipped .d.ts are checked too) and
 * uploads a file to a test API from Node with `nodePut` (`@hoist/web-client/node`); browser code using the hooks and the Uppy plugin
 * type-checks too. The scratch project's TypeScript is 7, what `npm install typescript` gives a new user, as are the
 * packages' builds, which write the .d.ts and check the packages' own code as they build them.
 */
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { builtCodeEnv } from '../../../infra/source-condition.js'
import { baseUrl, startHoist, uniqueName } from '../../helpers/hoist.js'
import { pngImage } from '../../helpers/png.js'
import { mintToken } from '../../helpers/tokens.js'

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const PACKAGES = ['@hoist/protocol', '@hoist/web-client', '@hoist/react', '@hoist/uppy']

interface Packed {
  name: string
  filename: string
  size: number
  unpackedSize: number
  files: { path: string }[]
}

/** Runs a command without the in-repo source condition: the scratch project must work on the packages' dist. */
function run(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: builtCodeEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

const { app } = await startHoist(t, { listen: true })
const workspace = uniqueName('tarball')
const scratch = mkdtempSync(join(tmpdir(), 'hoist-consumer-'))
t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
let packed: Packed[] = []

t.test('npm pack: each package ships its built ESM, its declarations and its README — no sources', async (t) => {
  const args = ['pack', '--json', '--pack-destination', scratch, ...PACKAGES.flatMap((name) => ['-w', name])]
  const result = await run('npm', args, repoRoot)
  t.equal(result.code, 0, result.stderr)
  // Prepack scripts print their banners on the same stdout as the JSON.
  packed = JSON.parse(result.stdout.slice(result.stdout.indexOf('[\n'))) as Packed[]
  t.same(packed.map((p) => p.name).sort(), [...PACKAGES].sort())
  for (const pkg of packed) {
    const paths = pkg.files.map((file) => file.path)
    t.comment(`${pkg.filename}: ${pkg.size} bytes packed, ${pkg.unpackedSize} unpacked, ${paths.length} files`)
    for (const required of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts'])
      t.ok(paths.includes(required), `${pkg.name} ships ${required}`)
    t.same(
      paths.filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md'].includes(path)),
      [],
      `${pkg.name} ships nothing else (no src/, no tests)`,
    )
    t.notOk(
      paths.some((path) => path.endsWith('.tsbuildinfo')),
      `${pkg.name} ships no build info`,
    )
    t.ok(pkg.size < 40_000, `${pkg.name} is small (${pkg.size} bytes)`)
  }
})

t.test('installed from the tarballs, a strict TypeScript program uploads a file from Node', async (t) => {
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  cpSync(fileURLToPath(new URL('consumer', import.meta.url)), scratch, { recursive: true })
  const install = await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...packed.map((p) => join(scratch, p.filename)),
      'typescript@7',
      '@types/node@20',
      '@types/react@19',
    ],
    scratch,
  )
  t.equal(install.code, 0, `npm install works\n${install.stderr}`)
  const manifest = (dir: string): unknown => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  for (const name of PACKAGES)
    t.same(
      manifest(join(scratch, 'node_modules', name)),
      manifest(join(repoRoot, name.replace('@hoist/', ''))),
      `${name} came from its tarball, not from a registry`,
    )

  // Independent programs: checked at once, one per core.
  const [nodeCheck, browserCheck] = await Promise.all([
    run('npx', ['tsc', '-p', 'tsconfig.node.json'], scratch),
    run('npx', ['tsc', '-p', 'tsconfig.browser.json'], scratch),
  ])
  t.equal(nodeCheck.code, 0, `the Node program type-checks (skipLibCheck off)\n${nodeCheck.stdout}`)
  t.equal(browserCheck.code, 0, `the React and Uppy code type-checks (skipLibCheck off)\n${browserCheck.stdout}`)

  writeFileSync(join(scratch, 'photo.png'), pngImage(40, 30, [90, 10, 200]))
  const token = mintToken({ workspace })
  const upload = await run('node', ['out/node-upload.js', baseUrl(app), token, 'photo.png'], scratch)
  t.equal(upload.code, 0, upload.stderr)
  const { record, lastFraction, refused } = JSON.parse(upload.stdout)
  t.equal(record.status, 'confirmed')
  t.equal(record.filename, 'from-the-tarball.png')
  t.same(record.metadata, { via: 'tarball' })
  t.equal(lastFraction, 1, 'progress reached 100%')
  t.equal((await fetch(record.url)).status, 200, 'the file is at its URL')
  t.same(refused, { code: 'CONTENT_TYPE_NOT_ALLOWED', status: 400, documented: 400 }, 'errors carry the API’s code')
})
