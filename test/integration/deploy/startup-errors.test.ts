/**
 * Start-up failures as an operator sees them: the API process stops with one line on stderr naming the setting —
 * never a driver's stack — and a WEBHOOK_URL that cannot be delivered to is a warning, logged once, while the API
 * starts anyway.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { freePort } from '../../../infra/stack/ports.js'
import { LOCAL_SECRET_KEY } from '../../../infra/stack/settings.js'
import { runApiToExit, startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { startHoist } from '../../helpers/hoist.js'

// A set-up bucket and database, so that an API that starts becomes ready.
const { stack, config } = await startHoist(t)
const env = { ...cliEnv(stack, config), LOG_LEVEL: 'warn', NODE_ENV: '', SHUTDOWN_DRAIN_DELAY_MS: '0' }

/** stderr is exactly one line (it may end with a newline), with no stack frame in it. */
function oneLineNaming(t: Test, stderr: string, setting: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  t.equal(lines.length, 1, `one line, not a stack:\n${stderr}`)
  t.match(lines[0], new RegExp(`^${setting}: `), `names ${setting}`)
  t.match(lines[0], pattern)
  t.notMatch(stderr, /\n\s+at /, 'no stack frames')
}

t.test('MONGO_URI to a port where nothing listens: one line, exit 69', async (t) => {
  const { code, stderr } = await runApiToExit({ ...env, MONGO_URI: `mongodb://127.0.0.1:${await freePort()}/` })
  t.equal(code, 69)
  oneLineNaming(t, stderr, 'MONGO_URI', /no MongoDB server answered within 5 s .*ECONNREFUSED/)
})

t.test('MONGO_URI with a host that does not resolve: one line, exit 69', async (t) => {
  const { code, stderr } = await runApiToExit({ ...env, MONGO_URI: 'mongodb://no-such-host.invalid:27017/' })
  t.equal(code, 69)
  oneLineNaming(t, stderr, 'MONGO_URI', /no MongoDB server answered.*(ENOTFOUND|EAI_AGAIN)/)
})

t.test('a malformed MONGO_URI: one line, exit 78, the password not repeated', async (t) => {
  for (const uri of [
    'mongodb://user:pa:ss@127.0.0.1/',
    'mongodb://127.0.0.1:99999999/',
    'mongodb://h/?notAnOption=1',
  ]) {
    const { code, stderr } = await runApiToExit({ ...env, MONGO_URI: uri })
    t.equal(code, 78, uri)
    oneLineNaming(t, stderr, 'MONGO_URI', /not a valid MongoDB connection string/)
    t.notMatch(stderr, /pa:ss/, 'the password is not printed')
  }
})

t.test('NODE_ENV=production refuses development-only settings, each named', async (t) => {
  const { code, stderr } = await runApiToExit({
    ...env,
    NODE_ENV: 'production',
    WEBHOOK_URL: 'https://hooks.example.com/hoist',
    WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    AWS_SECRET_ACCESS_KEY: LOCAL_SECRET_KEY,
  })
  t.equal(code, 78)
  t.match(stderr, /WEBHOOK_ALLOW_LOOPBACK=true is for development only.*\(NODE_ENV=production\)/)
  t.match(stderr, /AWS_SECRET_ACCESS_KEY is a published development password/)
  t.match(stderr, /S3_ENDPOINT is a loopback address/, 'the local MinIO endpoint too')
  t.notMatch(stderr, /\n\s+at /, 'no stack frames')
})

t.test('a WEBHOOK_URL that cannot be delivered to is a warning, logged once; the API starts', async (t) => {
  const secret = `whsec_${Buffer.alloc(32, 2).toString('base64')}`
  const cases = {
    'a private address': [
      'https://10.1.2.3/hooks',
      /WEBHOOK_URL points at 10\.1\.2\.3, a private.*WEBHOOK_ALLOW_LOOPBACK/,
    ],
    'a loopback address without the allowance': ['https://127.0.0.1:8443/hooks', /WEBHOOK_URL points at 127\.0\.0\.1/],
    'a host that does not resolve': [
      'https://no-such-host.invalid/hooks',
      /host no-such-host\.invalid does not resolve/,
    ],
  } as const
  for (const [name, [url, warning]] of Object.entries(cases)) {
    const api = await startApiProcess({ entry: 'source', env: { ...env, WEBHOOK_URL: url, WEBHOOK_SECRET: secret } })
    t.equal((await fetch(`${api.url}/readyz`)).status, 200, `${name}: the API serves`)
    for (let i = 0; i < 50 && !warning.test(api.output()); i++) await sleep(100)
    const lines = api
      .output()
      .split('\n')
      .filter((line) => warning.test(line))
    t.equal(lines.length, 1, `${name}: warned once`)
    t.match(JSON.parse(lines[0] ?? '{}'), { level: 40 }, `${name}: at warn level`)
    api.child.kill('SIGTERM')
    await api.exited
  }
})
