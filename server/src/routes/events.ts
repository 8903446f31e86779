import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EventListQuerySchema, EventListSchema } from '@hoist/protocol'
import { toWireDelivery, toWireEvent } from '../events/stored-event.js'
import { errorResponses } from './error-responses.js'

/** GET /v1/events: the workspace's upload events in order, for consumers without a public URL (and to catch up). */
const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate)

  app.get(
    '',
    {
      schema: {
        operationId: 'listEvents',
        summary: "The workspace's upload events, oldest first; pass nextCursor as `after` to read on",
        tags: ['events'],
        security: [{ bearerAuth: [] }],
        querystring: EventListQuerySchema,
        response: { 200: EventListSchema, ...errorResponses },
      },
      preHandler: app.rateLimits.lists,
    },
    async (request) => {
      const { after, limit, status } = request.query
      const page = await app.eventLog.feed(request.principal.workspaceId, {
        ...(after ? { after: Number(after) } : {}),
        limit,
        ...(status ? { state: status } : {}),
      })
      return {
        items: page.items.map((stored) => ({ event: toWireEvent(stored), delivery: toWireDelivery(stored.delivery) })),
        nextCursor: String(page.nextCursor),
      }
    },
  )
}

export default eventRoutes
