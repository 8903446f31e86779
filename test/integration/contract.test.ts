/**
 * Hardening 15.14: the API does exactly what its OpenAPI document says. schemathesis (PyPI, pinned) reads
 * /openapi.json and runs every check it has — examples, boundary and negative cases, undeclared methods (405 with
 * Allow), fuzzing, and stateful chains that follow the document's links from a new upload to confirm, parts,
 * download and delete — against a real API on MinIO and the test database, with a valid token.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ensurePythonVenv } from '../../infra/system/python.js'
import { baseUrl, startHoist } from '../helpers/hoist.js'
import { mintToken } from '../helpers/tokens.js'

const contractDir = fileURLToPath(new URL('../contract/', import.meta.url))
const python = await ensurePythonVenv(`${contractDir}requirements.txt`, (line) => t.comment(line))
const bucketToken = randomBytes(24).toString('hex')
const { app } = await startHoist(t, { listen: true, config: { bucketEventsToken: bucketToken } })

t.test('schemathesis --checks all finds no failure and no warning it is told to fail on', async (t) => {
  const run = spawn(
    python,
    [
      '-m',
      'schemathesis.cli',
      '--config-file',
      `${contractDir}schemathesis.toml`,
      'run',
      `${baseUrl(app)}/openapi.json`,
    ],
    {
      env: {
        ...process.env,
        // An app token: it may do all a browser's may, and attach and detach too, so every operation and link runs.
        HOIST_CONTRACT_TOKEN: mintToken(
          { sub: 'contract', workspace: 'ws-contract', role: 'app' },
          { expiresInMs: 3_600_000 },
        ),
        HOIST_CONTRACT_BUCKET_TOKEN: bucketToken,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => run.on('exit', resolve))

  // Colour and progress codes, in case the environment forces them (tap sets FORCE_COLOR).
  output = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
  const summary = output.slice(output.lastIndexOf('SUMMARY'))
  t.comment(summary)
  t.equal(code, 0, code === 0 ? 'schemathesis passed' : output.slice(-20_000))
  const operations = /Tested:\s+(\d+)/.exec(summary)?.[1]
  t.equal(Number(operations), 12, 'every operation was tested, bucket notifications included')
  const links = /API Links:\s+(\d+) covered \/ \d+ selected \/ (\d+) total/.exec(output)
  t.ok(links && Number(links[1]) >= 6 && links[1] === links[2], `the stateful phase followed every link: ${links?.[0]}`)
  t.match(summary, /✅ Stateful/, 'and its chains passed')
})
