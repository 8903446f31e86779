import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const CheckSchema = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) })
const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable'), Type.Literal('draining')]),
  checks: Type.Object({ mongodb: CheckSchema, objectStorage: CheckSchema }),
})

const READY_CHECK_TIMEOUT_MS = 3_000

async function check(probe: () => Promise<void>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), READY_CHECK_TIMEOUT_MS)
  })
  try {
    await Promise.race([probe(), timeout])
    return { ok: true }
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause
    return { ok: false, error: cause?.message ?? (error as Error).message }
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    { schema: { hide: true, response: { 200: Type.Object({ status: Type.Literal('ok') }) } }, logLevel: 'warn' },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: ReadySchema, 503: ReadySchema } }, logLevel: 'warn' },
    async (_request, reply) => {
      const [mongodb, objectStorage] = await Promise.all([
        check(() => app.ledger.ping()),
        check(() => app.objectStore.ping()),
      ])
      const status = app.draining ? 'draining' : mongodb.ok && objectStorage.ok ? 'ready' : 'unavailable'
      return reply.code(status === 'ready' ? 200 : 503).send({ status, checks: { mongodb, objectStorage } })
    },
  )
}

export default healthRoutes
