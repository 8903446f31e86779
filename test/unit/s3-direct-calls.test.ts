/**
 * Confirm's ranged GET straight to S3 (s3-direct-calls.ts), against a local HTTP server standing in for the store:
 * an answer of the asked length keeps its keep-alive connection for the next call; a store that ignores Range is cut
 * off at the asked length.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { S3Address } from '../../server/src/storage/s3-address.js'
import { S3DirectCalls } from '../../server/src/storage/s3-direct-calls.js'
import { createS3Signer } from '../../server/src/storage/s3-signer.js'

const OBJECT = Buffer.alloc(1024 * 1024, 7)

/** A store holding one 1 MiB object; `honourRange: false` sends it whole whatever the Range says. */
async function fakeStore(t: Test, honourRange: boolean): Promise<{ calls: S3DirectCalls; connections: () => number }> {
  let connections = 0
  const server: Server = createServer((request, response) => {
    const range = /^bytes=0-(\d+)$/.exec(request.headers.range ?? '')
    if (honourRange && range) {
      const body = OBJECT.subarray(0, Number(range[1]) + 1)
      response.writeHead(206, { 'content-length': body.length, 'content-range': `bytes 0-${body.length - 1}/1048576` })
      response.end(body)
      return
    }
    response.writeHead(200, { 'content-length': OBJECT.length })
    response.end(OBJECT)
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const calls = new S3DirectCalls({
    address: new S3Address({
      bucket: 'bucket',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
    }),
    signer: createS3Signer('us-east-1', { accessKeyId: 'key', secretAccessKey: 'secret' }),
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
  })
  t.teardown(async () => {
    calls.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { calls, connections: () => connections }
}

t.test('ranged GETs answered with the asked length share one keep-alive connection', async (t) => {
  const { calls, connections } = await fakeStore(t, true)
  for (let i = 0; i < 3; i++) {
    const { status, body } = await calls.readPrefix('a/b.png', 4096)
    t.equal(status, 206)
    t.equal(body.length, 4096)
  }
  t.equal(connections(), 1, 'one connection for three calls')
})

t.test('a store that ignores Range: the body is cut at the asked length', async (t) => {
  const { calls } = await fakeStore(t, false)
  const { status, body } = await calls.readPrefix('a/b.png', 4096)
  t.equal(status, 200)
  t.same(body, OBJECT.subarray(0, 4096))
  // The dropped connection is not reused: the next call still gets a whole answer of its own.
  t.equal((await calls.readPrefix('a/b.png', 16)).body.length, 16)
})
