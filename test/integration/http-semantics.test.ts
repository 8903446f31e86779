/**
 * HTTP as the OpenAPI document states it (hardening 15.14): undeclared methods are 405 with Allow, the allow-listed
 * content types and the links are in the document, and a request that arrives while the API closes gets a 503 in
 * the one error shape.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { baseUrl, startHoist } from '../helpers/hoist.js'
import { presignInFlight } from '../helpers/request-in-flight.js'
import { bearer } from '../helpers/tokens.js'

const allowedContentTypes = ['image/png', 'image/jpeg', 'video/mp4']
const { app } = await startHoist(t, {
  listen: true,
  config: {
    allowedContentTypes: ['IMAGE/PNG', 'image/jpeg', 'video/mp4; codecs=avc1'],
    corsOrigins: ['https://app.example'],
  },
})
const url = baseUrl(app)

/** fetch refuses TRACE; node:http sends any method. */
function send(method: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
    })
    request.on('error', reject)
    request.end()
  })
}

interface OpenApiOperation {
  requestBody: { content: Record<string, { schema: { properties: Record<string, Record<string, unknown>> } }> }
  responses: Record<string, { links?: Record<string, unknown> }>
  parameters: { name: string; required: boolean }[]
}

t.test('an undeclared method on a documented path is a 405 naming the allowed ones', async (t) => {
  const cases = [
    ['TRACE', '/v1/uploads', 'POST, GET, HEAD'],
    ['PUT', '/v1/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV', 'GET, HEAD, DELETE'],
    ['PATCH', '/v1/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/confirm', 'POST'],
    ['QUERY', '/v1/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/download', 'GET, HEAD'],
    ['DELETE', '/v1/events', 'GET, HEAD'],
  ] as const
  for (const [method, path, allow] of cases) {
    // Unauthenticated on purpose: the path's methods are public (the OpenAPI document lists them).
    const response = await send(method, path)
    t.equal(response.status, 405, `${method} ${path}`)
    t.equal(response.headers.allow, allow, `${method} ${path}: Allow`)
    t.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED')
  }
  t.equal((await send('PUT', '/v1/nothing-here')).status, 404, 'an unknown path is still a 404')
})

t.test('CORS preflights are still answered by CORS', async (t) => {
  const preflight = await fetch(`${url}/v1/uploads`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example')
})

t.test('the document lists the allowed content types, the links from a new upload, optional defaults', async (t) => {
  const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
    openapi: string
    paths: Record<string, Record<string, OpenApiOperation>>
  }
  t.equal(document.openapi, '3.1.0')
  const create = document.paths['/v1/uploads']!.post!
  t.same(
    create.requestBody.content['application/json']!.schema.properties.contentType!.enum,
    allowedContentTypes,
    'the config’s list, as essences',
  )
  t.same(Object.keys(create.responses['201']!.links ?? {}).sort(), [
    'AttachUpload',
    'ConfirmUpload',
    'DeleteUpload',
    'DetachUpload',
    'DownloadUpload',
    'GetUpload',
    'ListParts',
    'SignParts',
  ])
  const limit = document.paths['/v1/uploads']!.get!.parameters.find((p) => p.name === 'limit')
  t.equal(limit?.required, false, 'a parameter with a default may be left out')
  const metadata = create.requestBody.content['application/json']!.schema.properties.metadata!
  t.ok(
    (metadata.propertyNames as { pattern?: string } | undefined)?.pattern,
    'metadata keys are constrained in the document, not only in the API',
  )
})

t.test('a type outside the list is refused with the list; the list is exact', async (t) => {
  for (const contentType of ['0/0', 'IMAGE/PNG', 'image/png; charset=binary', 'image/webp']) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: bearer(),
      payload: { filename: 'a.png', contentType, size: 10 },
    })
    t.equal(response.statusCode, 400, contentType)
    t.equal(response.json().error.code, 'CONTENT_TYPE_NOT_ALLOWED', contentType)
    t.match(response.json().error.message, /allowed types: image\/png, image\/jpeg, video\/mp4/)
  }
})

t.test(
  'a request arriving while the API closes gets a 503 in the error shape; one in flight is finished',
  async (t) => {
    const inFlight = await presignInFlight(app, 'late.png')
    const closed = app.close()
    await sleep(100)

    const late = await fetch(`${url}/v1/uploads`, { headers: bearer() })
    t.equal(late.status, 503)
    t.same(await late.json(), {
      error: {
        code: 'SHUTTING_DOWN',
        message: 'This API instance is shutting down; retry (another instance will answer)',
      },
    })
    t.equal(late.headers.get('connection'), 'close')

    t.match(await inFlight.finish(), /^HTTP\/1\.1 201/, 'the request in flight was answered')
    await closed
  },
)
