/** The OpenAPI document and docs page, CORS for configured origins only, and the one error shape for unknown routes. */
import t from 'tap'
import { startHoist } from '../helpers/hoist.js'

const { app } = await startHoist(t, { config: { corsOrigins: ['https://app.example'] } })

t.test('/openapi.json describes every /v1 route from the route schemas', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(response.statusCode, 200)
  const document = response.json()
  t.equal(document.openapi, '3.1.0')
  const paths = Object.keys(document.paths)
  for (const path of [
    '/v1/uploads',
    '/v1/uploads/{id}',
    '/v1/uploads/{id}/confirm',
    '/v1/uploads/{id}/download',
    '/v1/uploads/{id}/parts',
  ]) {
    t.ok(paths.includes(path), `${path} is documented`)
  }
  const create = document.paths['/v1/uploads'].post
  t.same(create.requestBody.content['application/json'].schema.required.sort(), ['contentType', 'filename', 'size'])
  t.ok(create.responses['400'], 'errors are documented')
  t.same(create.security, [{ bearerAuth: [] }])
})

t.test('/docs serves a documentation page', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /text\/html/)
  t.match(response.body, /swagger/i)
})

t.test('a preflight from a configured origin is allowed', async (t) => {
  const response = await app.inject({
    method: 'OPTIONS',
    url: '/v1/uploads',
    headers: {
      origin: 'https://app.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  })
  t.equal(response.statusCode, 204)
  t.equal(response.headers['access-control-allow-origin'], 'https://app.example')
})

t.test('control 9: a preflight from another origin gets no Access-Control-Allow-Origin', async (t) => {
  const response = await app.inject({
    method: 'OPTIONS',
    url: '/v1/uploads',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  })
  t.equal(response.headers['access-control-allow-origin'], undefined)
})

t.test('an unknown route is a 404 in the error shape', async (t) => {
  const response = await app.inject({ method: 'GET', url: '/v2/nothing?x=1' })
  t.equal(response.statusCode, 404)
  t.same(response.json(), { error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /v2/nothing' } })
})
