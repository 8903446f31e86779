/**
 * What Render runs: the build command's output, started by the start command, and `hoist bucket setup` from the
 * built CLI — twice (idempotent), leaving the bucket unlistable but its upload prefix readable. Then a graceful
 * shutdown: /readyz turns 503 while draining, an in-flight request still gets its answer, the process exits 0.
 */
import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { builtCodeEnv } from '../../../infra/source-condition.js'
import { configFor } from '../../helpers/hoist.js'
import { startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { sharedStack } from '../../helpers/stack.js'
import { createS3Client } from '../../../server/src/storage/s3-client.js'
import { mintToken } from '../../helpers/tokens.js'
import { startOtlpReceiver } from '../../helpers/otlp-receiver.js'
import { fileOf } from '../../helpers/fixtures.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'

const stack = await sharedStack(t)
const config = configFor(stack, { s3KeyPrefix: 'uploads/' })
const env = {
  ...builtCodeEnv(),
  ...cliEnv(stack, config),
  S3_KEY_PREFIX: 'uploads/',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  SHUTDOWN_DRAIN_DELAY_MS: '1500',
}

const build = spawnSync('npm', ['run', 'build', '-w', '@hoist/server'], { encoding: 'utf8' })
t.equal(build.status, 0, `the build command works\n${build.stdout}${build.stderr}`)

t.test('hoist bucket setup from the build: the second run changes nothing', async (t) => {
  const run = () =>
    spawnSync(process.execPath, ['server/dist/cli/hoist.js', 'bucket', 'setup'], { env, encoding: 'utf8' })
  const first = run()
  t.equal(first.status, 0, first.stderr)
  t.match(first.stdout, /bucket\s+created/)
  t.match(first.stdout, /policy\s+created/)
  const second = run()
  t.equal(second.status, 0, second.stderr)
  t.match(second.stdout, /bucket\s+unchanged/)
  t.match(second.stdout, /policy\s+unchanged/)
  t.notMatch(second.stdout, /created|updated/, 'nothing created or updated the second time')
})

t.test('after setup: no anonymous listing, anonymous reads of the upload prefix only', async (t) => {
  const s3 = createS3Client(config)
  t.teardown(() => s3.destroy())
  await s3.send(
    new PutObjectCommand({ Bucket: config.s3Bucket, Key: 'uploads/w/a.png', Body: 'png', ContentType: 'image/png' }),
  )
  await s3.send(new PutObjectCommand({ Bucket: config.s3Bucket, Key: 'private/b.txt', Body: 'secret' }))
  const bucketUrl = `${stack.s3.endpoint}/${config.s3Bucket}`
  t.equal((await fetch(`${bucketUrl}/`)).status, 403, 'listing the bucket is refused')
  t.equal((await fetch(`${bucketUrl}?list-type=2&prefix=uploads/`)).status, 403, 'listing the prefix is refused')
  t.equal((await fetch(`${bucketUrl}/uploads/w/a.png`)).status, 200, 'an upload is readable')
  t.equal((await fetch(`${bucketUrl}/private/b.txt`)).status, 403, 'a key outside the prefix is not')
})

t.test('the start command serves, then shuts down gracefully on SIGTERM', async (t) => {
  const { child: server, exited, url: base, port } = await startApiProcess({ entry: 'dist', env })
  t.equal((await fetch(`${base}/readyz`)).status, 200)

  // A request whose body is still arriving when SIGTERM lands.
  const body = JSON.stringify({ filename: 'slow.png', contentType: 'image/png', size: 10 })
  const socket = connect(port, '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  let answer = ''
  socket.on('data', (chunk) => (answer += chunk.toString()))
  const answered = new Promise((resolve) => socket.on('end', resolve))
  socket.write(
    `POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${mintToken()}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 10)}`,
  )
  await sleep(200)
  server.kill('SIGTERM')
  await sleep(300)
  const draining = await fetch(`${base}/readyz`)
  t.equal(draining.status, 503, 'draining: the load balancer is told to stop sending traffic')
  t.equal(((await draining.json()) as { status: string }).status, 'draining')
  socket.write(body.slice(10))
  await answered
  t.match(answer, /^HTTP\/1\.1 201/, 'the in-flight request was answered')
  t.equal(await exited, 0, 'the process exits cleanly')
})

t.test('requests still in their handlers when shutdown starts are finished, even if their clients left', async (t) => {
  const {
    child: server,
    exited,
    port: burstPort,
    output,
  } = await startApiProcess({
    entry: 'dist',
    env: { ...env, SHUTDOWN_DRAIN_DELAY_MS: '0', LOG_LEVEL: 'error' },
  })
  const token = mintToken()
  // Clients that send a presign and hang up at once: their handlers are mid-write when SIGTERM lands.
  const hangUps = Array.from({ length: 40 }, async (_, i) => {
    const socket = connect(burstPort, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const body = JSON.stringify({ filename: `gone-${i}.png`, contentType: 'image/png', size: 10 })
    socket.end(
      `POST /v1/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    )
    socket.destroy()
  })
  await Promise.all(hangUps)
  server.kill('SIGTERM')
  t.equal(await exited, 0)
  t.notMatch(
    output(),
    /request failed|MongoClientClosedError|MongoTopologyClosedError/,
    'no handler was cut off by the shutdown',
  )
})

t.test(
  'the built code traces with OTEL_EXPORTER_OTLP_ENDPOINT: its HTTP, MongoDB and S3 calls are patched',
  async (t) => {
    const otlp = await startOtlpReceiver(t)
    const api = await startApiProcess({
      entry: 'dist',
      env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
    })
    t.teardown(() => void api.child.kill('SIGKILL'))
    const auth = { authorization: `Bearer ${mintToken()}` }
    const bytes = fileOf('image/png', 1200)
    const created = (await (
      await fetch(`${api.url}/v1/uploads`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ filename: 'a.png', contentType: 'image/png', size: bytes.length }),
      })
    ).json()) as SingleInstructions
    await fetch(created.url, { method: 'PUT', headers: created.headers, body: bytes })
    t.equal((await fetch(`${api.url}/v1/uploads/${created.id}/confirm`, { method: 'POST', headers: auth })).status, 200)
    const spans = await otlp.waitFor((all) => all.some((span) => span.name === 'POST /v1/uploads/:id/confirm'))
    const presign = spans.find((span) => span.name === 'POST /v1/uploads')
    t.equal(presign?.attributes['hoist.upload_id'], created.id, 'the presign server span, tagged with the upload')
    const inTrace = spans.filter((span) => span.traceId === presign?.traceId)
    t.ok(
      inTrace.some((span) => span.attributes['db.system.name'] === 'mongodb'),
      'MongoDB spans in the upload trace',
    )
    t.ok(
      inTrace.some((span) =>
        String(span.attributes['url.full']).startsWith(`${stack.s3.endpoint}/${config.s3Bucket}/`),
      ),
      "the confirm's requests to the bucket in the upload trace",
    )
    api.child.kill('SIGTERM')
    t.equal(await api.exited, 0)
  },
)
