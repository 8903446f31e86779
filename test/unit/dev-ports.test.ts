/** `npm run dev` reads back the ports its last run used, and never moves a kept one silently. */
import { createServer } from 'node:net'
import t from 'tap'
import { devServerPort, keptDevPorts, withoutEchoedEndpoints } from '../../infra/dev-ports.js'
import { PortTakenError } from '../../infra/stack/index.js'

const lastRun = {
  S3_ENDPOINT: 'http://127.0.0.1:42951',
  MONGO_URI: 'mongodb://127.0.0.1:40001/',
  REDIS_URL: 'redis://127.0.0.1:40002',
  API_URL: 'http://127.0.0.1:3000',
  WEB_URL: 'http://127.0.0.1:5173',
}

t.test("the last run's servers keep their ports; servers elsewhere are not ours to keep", async (t) => {
  t.same(keptDevPorts(lastRun), { s3: 42951, mongo: 40001, redis: 40002, api: 3000, web: 5173 })
  t.same(keptDevPorts({ S3_ENDPOINT: 'https://s3.eu-west-1.amazonaws.com', MONGO_URI: 'not a url' }), {
    s3: undefined,
    mongo: undefined,
    redis: undefined,
    api: undefined,
    web: undefined,
  })
})

t.test('endpoints a terminal sourced from dev.env name our own servers, not explicit ones', async (t) => {
  const env = withoutEchoedEndpoints({ ...lastRun, MONGO_URI: 'mongodb://db.example.com/', PATH: '/bin' }, lastRun)
  t.same(env, {
    MONGO_URI: 'mongodb://db.example.com/',
    API_URL: lastRun.API_URL,
    WEB_URL: lastRun.WEB_URL,
    PATH: '/bin',
  })
})

t.test('a kept port that is taken is an error naming it, not a move', async (t) => {
  const holder = createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(() => holder.close())
  const port = (holder.address() as { port: number }).port
  const error = await devServerPort(port, 3000, 'the API', () => {}).catch((e: unknown) => e)
  t.ok(error instanceof PortTakenError)
  t.match((error as PortTakenError).message, `port ${port}, kept for the API, is in use`)
})

t.test('on a first run a busy conventional port moves, and says so', async (t) => {
  const holder = createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(() => holder.close())
  const busy = (holder.address() as { port: number }).port
  const lines: string[] = []
  const port = await devServerPort(undefined, busy, 'the API', (line) => lines.push(line))
  t.not(port, busy)
  t.match(lines.join('\n'), `port ${busy} is busy; the API uses ${port}`)
})
