/** /healthz says the process is up; /readyz checks MongoDB and the bucket and names what fails. */
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { READY_PROBE_REUSE_MS } from '../../server/src/routes/health.js'
import { startHoist } from '../helpers/hoist.js'
import { ownedStack } from '../helpers/stack.js'

/** What a readiness answer must never carry: an address, a port, a driver's class or error text. */
function assertNothingInternal(t: Test, body: string): void {
  t.notMatch(body, /127\.0\.0\.1|localhost|::1/, 'no address')
  t.notMatch(body, /\d{2,5}/, 'no port (or any number)')
  t.notMatch(body, /Mongo|Server[A-Z]|S3ServiceException|ECONN|TimeoutError|Error\b/, 'no driver class or error name')
}

// This file stops MinIO, so it runs its own servers.
const stack = await ownedStack(t)
const { app, logs } = await startHoist(t, { stack })

/** /readyz after a change: the last probe (awaited by the caller) is older than the reuse interval, so this one is new. */
async function readyzAfterChange() {
  await sleep(READY_PROBE_REUSE_MS + 50)
  return app.inject({ method: 'GET', url: '/readyz' })
}

t.test('/healthz answers 200 while the process is up', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/healthz' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('/readyz is 503 naming object storage while MinIO is stopped, 200 after it restarts', async (t) => {
  const before = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(before.statusCode, 200, before.body)

  await stack.servers.s3!.stop()
  const down = await readyzAfterChange()
  t.equal(down.statusCode, 503)
  const body = down.json()
  t.equal(body.status, 'unavailable')
  t.equal(body.checks.objectStorage.ok, false)
  t.equal(body.checks.mongodb.ok, true)
  t.ok(['unreachable', 'timed out'].includes(body.checks.objectStorage.error), 'says how it fails, in its own words')
  assertNothingInternal(t, down.body)
  t.ok(
    logs.some((line) => line.includes('"dependency":"objectStorage"') && line.includes('"err"')),
    'the detail goes to the log',
  )

  await stack.servers.s3!.start()
  const up = await readyzAfterChange()
  t.equal(up.statusCode, 200, up.body)
})

t.test('/readyz is 503 naming MongoDB while it is stopped', async (t) => {
  await stack.servers.mongo!.stop()
  const down = await readyzAfterChange()
  t.equal(down.statusCode, 503)
  t.equal(down.json().checks.mongodb.ok, false)
  t.equal(down.json().checks.objectStorage.ok, true)
  t.ok(['unreachable', 'timed out'].includes(down.json().checks.mongodb.error), 'says how it fails, in its own words')
  assertNothingInternal(t, down.body)
  await stack.servers.mongo!.start()
  const up = await readyzAfterChange()
  t.equal(up.statusCode, 200, up.body)
})

t.test('/readyz probes at most once per interval: 50 calls, concurrent and in a row, cost one S3 LIST', async (t) => {
  await sleep(READY_PROBE_REUSE_MS + 50)
  const ping = app.objectStore.ping.bind(app.objectStore)
  let probes = 0
  app.objectStore.ping = () => {
    probes++
    return ping()
  }
  t.teardown(() => {
    app.objectStore.ping = ping
  })
  const concurrent = await Promise.all(Array.from({ length: 25 }, () => app.inject({ method: 'GET', url: '/readyz' })))
  for (let i = 0; i < 25; i++) await app.inject({ method: 'GET', url: '/readyz' })
  t.ok(
    concurrent.every((answer) => answer.statusCode === 200),
    'every caller gets the shared answer',
  )
  t.equal(probes, 1, 'one probe of the bucket')
  const later = await readyzAfterChange()
  t.equal(later.statusCode, 200)
  t.equal(probes, 2, 'after the interval, a new probe')
})

t.test('/readyz turns 503 "draining" once shutdown begins', async (t) => {
  app.draining = true
  t.teardown(() => {
    app.draining = false
  })
  const response = await app.inject({ method: 'GET', url: '/readyz' })
  t.equal(response.statusCode, 503)
  t.equal(response.json().status, 'draining')
})
