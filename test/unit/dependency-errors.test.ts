/** Which failures of MongoDB and S3 calls become the API's 503 (the dependency is unreachable), and which do not. */
import { MongoNetworkError, MongoNetworkTimeoutError, MongoServerError } from 'mongodb'
import { once } from 'node:events'
import { createServer, connect } from 'node:net'
import t from 'tap'
import { DependencyUnavailable, isDependencyTimeout } from '../../server/src/errors.js'
import { isNetworkError } from '../../server/src/net/network-errors.js'
import { isMongoUnavailable, mongo } from '../../server/src/storage/mongo-call.js'
import { isS3Unavailable } from '../../server/src/storage/s3-errors.js'

/** The error Node raises when writing to a socket the server has already closed, made by a real socket. */
async function writeAfterServerClosed(): Promise<Error> {
  const server = createServer((socket) => socket.end())
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  const socket = connect(port, '127.0.0.1')
  socket.resume()
  await once(socket, 'end')
  const failed = once(socket, 'error')
  socket.write('ping')
  const [error] = (await failed) as [Error]
  server.close()
  return error
}

t.test('a raw socket error from the driver is MongoDB being unreachable', async (t) => {
  const epipe = await writeAfterServerClosed()
  t.equal((epipe as NodeJS.ErrnoException).code, 'EPIPE', epipe.message)
  t.ok(isMongoUnavailable(epipe))
  await t.rejects(
    mongo(() => Promise.reject(epipe)),
    DependencyUnavailable,
  )
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
  t.ok(isMongoUnavailable(new Error('wrapped', { cause: refused })), 'or on its cause')
  t.ok(isMongoUnavailable(new MongoNetworkError('connection 3 closed')))
})

t.test('a pool cleared because another operation spent the budget is a timeout, not an outage', async (t) => {
  const silent = new MongoNetworkTimeoutError('connection 4 to 127.0.0.1:27017 timed out')
  const cleared = new MongoNetworkError('Connection pool for 127.0.0.1:27017 was cleared', { cause: silent })
  const answered = await mongo(() => Promise.reject(cleared)).catch((error: unknown) => error)
  t.ok(isDependencyTimeout(answered), '/readyz says "timed out"')
  const closed = await mongo(() => Promise.reject(new MongoNetworkError('connection 3 closed'))).catch((e) => e)
  t.notOk(isDependencyTimeout(closed), 'a closed connection is unreachable')
})

t.test('an answer from the server, or a bug, is not an outage', async (t) => {
  const refusal = new MongoServerError({ message: 'Document failed validation', code: 121 })
  t.notOk(isMongoUnavailable(refusal))
  await t.rejects(
    mongo(() => Promise.reject(refusal)),
    refusal,
  )
  t.notOk(isMongoUnavailable(new TypeError('x is undefined')))
  t.notOk(isNetworkError(Object.assign(new Error('no such file'), { code: 'ENOENT' })))
})

t.test('S3: the same socket errors are the store being unreachable; a 4xx is not', async (t) => {
  t.ok(isS3Unavailable(await writeAfterServerClosed()))
  t.ok(isS3Unavailable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })))
  t.notOk(
    isS3Unavailable(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })),
  )
})
