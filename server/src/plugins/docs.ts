import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifySchema } from 'fastify'
import fp from 'fastify-plugin'

/**
 * A query parameter with a default (`limit`) is one the caller may leave out, though the handler always sees it:
 * the schema lists it as required so the handler's type has it, and the published document must not.
 */
function withDefaultedParamsOptional(schema: FastifySchema): FastifySchema {
  const query = schema?.querystring as { properties?: Record<string, { default?: unknown }>; required?: string[] }
  if (!query?.required || !query.properties) return schema
  const required = query.required.filter((name) => query.properties![name]?.default === undefined)
  return { ...schema, querystring: { ...query, required } }
}

/** OpenAPI generated from the route schemas at /openapi.json, and a docs page at /docs. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        // 3.1: JSON Schema 2020-12, so keywords such as propertyNames (metadata keys) reach the document.
        openapi: '3.1.0',
        info: {
          title: 'Hoist upload API',
          version: '1.0.0',
          description:
            'Presigned direct-to-bucket uploads. POST /v1/uploads, PUT the bytes to the returned URL with the ' +
            'returned headers, then POST /v1/uploads/{id}/confirm. Errors: { error: { code, message, details? } }.',
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
      transform: ({ schema, url }) => ({ schema: withDefaultedParamsOptional(schema), url }),
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'hoist-docs' },
)
