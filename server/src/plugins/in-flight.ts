import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ShuttingDown } from '../errors.js'

/** Longest a shutdown waits for requests already being handled. */
const DRAIN_TIMEOUT_MS = 20_000

/**
 * Graceful shutdown needs this: Fastify's close runs the plugins' onClose hooks (closing the MongoDB and S3
 * clients) without waiting for requests still in their handlers, so one caught mid-write would fail with a 500.
 * preClose waits for them first. Requests arriving once close has begun get a 503 in the API's error shape
 * (Fastify's own return503OnClosing answers in another shape, so it is off).
 */
export default fp(
  async (app) => {
    const active = new Set<FastifyRequest>()
    let drained: (() => void) | undefined
    const done = (request: FastifyRequest): void => {
      if (active.delete(request) && active.size === 0) drained?.()
    }
    let closing = false
    app.addHook('onRequest', async (request, reply) => {
      if (closing) {
        void reply.header('connection', 'close')
        throw new ShuttingDown()
      }
      active.add(request)
    })
    // onSend runs once the handler (or the error handler) has produced the reply — even when the client has
    // already hung up, which is exactly the request whose database write must not be cut off.
    app.addHook('onSend', async (request, _reply, payload) => {
      done(request)
      return payload
    })
    app.addHook('onResponse', async (request) => done(request))
    app.addHook('preClose', async () => {
      closing = true
      if (active.size === 0) return
      await new Promise<void>((resolve) => {
        drained = resolve
        setTimeout(resolve, DRAIN_TIMEOUT_MS).unref()
      })
    })
  },
  { name: 'hoist-in-flight' },
)
