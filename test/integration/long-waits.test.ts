/**
 * The API's own waits decide how long start-up and shutdown take, not Fastify's 10 s limit per plugin and hook: a
 * request still arriving 10 s into a shutdown is finished (the drain allows 20 s), and a MONGO_TIMEOUT_MS above 10 s
 * against a silent server ends in the start-up error naming MONGO_URI. Both wait in parallel: the file takes ~11 s.
 */
import { createServer, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { buildApp } from '../../server/src/app.js'
import { StartupError } from '../../server/src/startup-error.js'
import { configFor, startHoist } from '../helpers/hoist.js'
import { presignInFlight } from '../helpers/request-in-flight.js'

/** Past Fastify's default pluginTimeout (10 s), within the API's drain (20 s). */
const PAST_FASTIFY_LIMIT_MS = 10_500

const { app, stack } = await startHoist(t, { listen: true })

/** A MongoDB address that accepts connections and never answers: a server that stalled. */
async function silentServer(): Promise<string> {
  const held: Socket[] = []
  const server = createServer((socket) => void held.push(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of held) socket.destroy()
    server.close()
  })
  return `mongodb://127.0.0.1:${(server.address() as { port: number }).port}/`
}

async function requestStillArrivingDuringShutdown(): Promise<{ answer: string; closed: unknown }> {
  const inFlight = await presignInFlight(app, 'slow.png')
  const closed = app.close().then(
    () => 'closed',
    (error: unknown) => error,
  )
  await sleep(PAST_FASTIFY_LIMIT_MS)
  const answer = await inFlight.finish()
  return { answer, closed: await closed }
}

async function startAgainstSilentMongo(): Promise<unknown> {
  const config = configFor(stack, { mongoUri: await silentServer(), mongoTimeoutMs: PAST_FASTIFY_LIMIT_MS })
  return buildApp(config, { logger: false }).then(
    async (started) => {
      await started.close()
      return 'started'
    },
    (error: unknown) => error,
  )
}

t.test('waits longer than 10 s end as the API decides, not in "Plugin did not start in time"', async (t) => {
  const [shutdown, startup] = await Promise.all([requestStillArrivingDuringShutdown(), startAgainstSilentMongo()])

  t.match(shutdown.answer, /^HTTP\/1\.1 201/, 'the request in flight 10 s into the shutdown was answered')
  t.equal(shutdown.closed, 'closed', 'and the close completed without an error')

  t.ok(startup instanceof StartupError, String(startup))
  t.equal((startup as StartupError).exitCode, 69)
  t.match((startup as Error).message, /^MONGO_URI: no MongoDB server answered within 10\.5 s/)
})
