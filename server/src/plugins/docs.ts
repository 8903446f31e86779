import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/** OpenAPI generated from the route schemas at /openapi.json, and a docs page at /docs. */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Hoist upload API',
          version: '1.0.0',
          description:
            'Presigned direct-to-bucket uploads. POST /v1/uploads, PUT the bytes to the returned URL with the ' +
            'returned headers, then POST /v1/uploads/{id}/confirm. Errors: { error: { code, message, details? } }.',
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
    })
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'hoist-docs' },
)
