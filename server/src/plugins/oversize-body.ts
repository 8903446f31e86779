import fp from 'fastify-plugin'
import { BodyTooLarge } from '../errors.js'

/** Declared bodies up to this size are read (and thrown away) before the 413; larger ones are cut off at once. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024
/** A client that stops sending does not get to hold the connection: after this, answer and close anyway. */
const DRAIN_TIMEOUT_MS = 15_000

/**
 * A body over the limit gets a 413 the client can read. Fastify answers as soon as Content-Length exceeds the limit
 * and closes the connection while the client is still sending: the client's next write meets a reset, which also
 * discards the answer waiting in its socket, so a client that reads after sending (as most do) sees no 413 at all.
 * Here a declared length over the limit, up to DRAIN_LIMIT_BYTES, is read to its end first; then the 413, on a
 * connection that stays usable.
 */
export default fp(
  async (app) => {
    app.addHook('onRequest', (request, reply, done) => {
      const declared = Number(request.headers['content-length'])
      const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 0
      if (!(declared > limit) || declared > DRAIN_LIMIT_BYTES) {
        done()
        return
      }
      const body = request.raw
      let settled = false
      const answer = (closeAfter: boolean): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        body.off('end', drained)
        body.off('error', failed)
        body.off('aborted', failed)
        if (closeAfter) void reply.header('connection', 'close')
        done(new BodyTooLarge())
      }
      const drained = (): void => answer(false)
      const failed = (): void => answer(true)
      const timer = setTimeout(failed, DRAIN_TIMEOUT_MS)
      body.once('end', drained)
      body.once('error', failed)
      body.once('aborted', failed)
      body.resume()
    })
  },
  { name: 'hoist-oversize-body' },
)
