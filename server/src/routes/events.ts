import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EventListQuerySchema, EventListSchema, FEED_PAGE_BYTES } from '@hoist/protocol'
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
      const items = []
      let nextCursor = page.nextCursor
      let bytes = 0
      for (const stored of page.items) {
        const item = { event: toWireEvent(stored), delivery: toWireDelivery(stored.delivery) }
        bytes += Buffer.byteLength(JSON.stringify(item))
        if (items.length > 0 && bytes > FEED_PAGE_BYTES) {
          nextCursor = page.items[items.length - 1]!.seq
          break
        }
        items.push(item)
      }
      return { items, nextCursor: String(nextCursor) }
    },
  )
}

export default eventRoutes
