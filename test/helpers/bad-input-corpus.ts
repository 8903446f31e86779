/**
 * A generated corpus of malformed, hostile or foreign requests. Every one must get a 4xx in the error shape and
 * leave the ledger as it was. Built from a valid request by changing one thing at a time.
 */
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import type { InjectOptions } from 'fastify'
import { mintToken, TEST_JWT_SECRET } from './tokens.js'

export interface BadRequest {
  category: string
  name: string
  request: InjectOptions
}

const VALID_BODY = { filename: 'a.png', contentType: 'image/png', size: 100 }
const WRONG_VALUES: [string, unknown][] = [
  ['a number', 123],
  ['a boolean', true],
  ['null', null],
  ['an array', ['a']],
  ['an empty array', []],
  ['an object', { a: 1 }],
  ['a $gt operator', { $gt: '' }],
  ['a $ne operator', { $ne: null }],
  ['a $where operator', { $where: 'sleep(1000)' }],
  ['a $regex operator', { $regex: '.*' }],
]

function jsonPost(url: string, payload: unknown, token = mintToken()): InjectOptions {
  return {
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  }
}

function get(url: string, token = mintToken()): InjectOptions {
  return { method: 'GET', url, headers: { authorization: `Bearer ${token}` } }
}

/** Signs what a library would refuse to sign (e.g. a string `exp`), to test what the API does with it. */
function signRaw(header: object, payload: object): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${encode(header)}.${encode(payload)}`
  return `${unsigned}.${createHmac('sha256', TEST_JWT_SECRET).update(unsigned).digest('base64url')}`
}

export function badInputCorpus(ids: { confirmed: string; pending: string; multipart: string }): BadRequest[] {
  const corpus: BadRequest[] = []
  const add = (category: string, name: string, request: InjectOptions): void =>
    void corpus.push({ category, name, request })

  // Body fields: wrong types and operators, one field at a time.
  for (const field of ['filename', 'contentType', 'size', 'checksum']) {
    for (const [label, value] of WRONG_VALUES) {
      if (field === 'size' && label === 'a number') continue
      add(
        'body types and operators',
        `${field} is ${label}`,
        jsonPost('/v1/uploads', { ...VALID_BODY, [field]: value }),
      )
    }
  }
  const badValues: [string, Record<string, unknown>][] = [
    ['size as a string', { size: '100' }],
    ['size with a fraction', { size: 1.5 }],
    ['size zero', { size: 0 }],
    ['size negative', { size: -1 }],
    ['size beyond 2^53', { size: 2 ** 60 }],
    ['size in exponent form above the limit', { size: 1e30 }],
    ['size over the image limit', { size: 25 * 1024 * 1024 + 1 }],
    ['empty filename', { filename: '' }],
    ['a 20,000-character filename', { filename: 'x'.repeat(20_000) }],
    ['a 100 KB pathological filename', { filename: `${'a'.repeat(50_000)}${'.'.repeat(50_000)}!` }],
    ['empty content type', { contentType: '' }],
    ['content type text/html', { contentType: 'text/html' }],
    ['content type image/svg+xml', { contentType: 'image/svg+xml' }],
    ['content type with a path', { contentType: '../../etc/passwd' }],
    ['content type with parameters and spaces', { contentType: 'image/png; charset=x' }],
    ['content type with a NUL', { contentType: 'image/png\u0000' }],
    ['content type with a newline', { contentType: 'image/png\r\nX-Injected: 1' }],
    ['content type of 200 characters', { contentType: `image/${'p'.repeat(194)}` }],
    ['checksum too short', { checksum: 'abc' }],
    ['checksum in hex', { checksum: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }],
    ['checksum with a bad character', { checksum: `${'A'.repeat(42)}!=` }],
  ]
  for (const [name, change] of badValues)
    add('body values', name, jsonPost('/v1/uploads', { ...VALID_BODY, ...change }))
  for (const field of ['filename', 'contentType', 'size']) {
    const body: Record<string, unknown> = { ...VALID_BODY }
    delete body[field]
    add('body values', `${field} missing`, jsonPost('/v1/uploads', body))
  }
  for (const [name, extra] of [
    ['a workspace', { workspace: 'ws-b' }],
    ['a key', { key: 'ws-b/evil.png' }],
    ['a userId', { userId: 'admin' }],
    ['a status', { status: 'confirmed' }],
    ['a $where', { $where: '1' }],
    ['constructor', { constructor: { prototype: { admin: true } } }],
  ] as [string, Record<string, unknown>][]) {
    add('extra properties', `the body carries ${name}`, jsonPost('/v1/uploads', { ...VALID_BODY, ...extra }))
  }
  add('extra properties', 'the body carries __proto__', {
    ...jsonPost('/v1/uploads', {}),
    payload: '{"filename":"a.png","contentType":"image/png","size":100,"__proto__":{"admin":true}}',
  })
  for (const [name, payload] of [
    ['an array', '[]'],
    ['a string', '"upload"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
    ['truncated JSON', '{"filename": "a.png"'],
    ['a missing value', '{"filename":}'],
    ['trailing garbage', '{"filename":"a.png","contentType":"image/png","size":100} x'],
    ['single quotes', "{'filename':'a.png'}"],
    ['a comment', '{/* c */"filename":"a.png"}'],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['an empty body', ''],
  ] as [string, string][]) {
    add('malformed JSON', name, { ...jsonPost('/v1/uploads', {}), payload })
  }
  add('malformed JSON', 'invalid UTF-8 in the content type', {
    ...jsonPost('/v1/uploads', {}),
    payload: Buffer.concat([
      Buffer.from('{"filename":"a.png","size":100,"contentType":"image/p'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('ng"}'),
    ]),
  })
  add('malformed JSON', 'a UTF-16 body', {
    ...jsonPost('/v1/uploads', {}),
    headers: { authorization: `Bearer ${mintToken()}`, 'content-type': 'application/json; charset=utf-16le' },
    payload: Buffer.from(JSON.stringify(VALID_BODY), 'utf16le'),
  })
  add('malformed JSON', 'a body over the size limit', {
    ...jsonPost('/v1/uploads', {}),
    payload: JSON.stringify({ ...VALID_BODY, filename: 'x'.repeat(400_000) }),
  })
  for (const contentType of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'image/png',
    'application/octet-stream',
  ]) {
    add('content types', `Content-Type: ${contentType}`, {
      method: 'POST',
      url: '/v1/uploads',
      headers: { authorization: `Bearer ${mintToken()}`, 'content-type': contentType },
      payload: 'filename=a.png&contentType=image/png&size=100',
    })
  }

  // Query strings of the list route.
  for (const query of [
    'status=bogus',
    'status[$ne]=deleted',
    'status=pending&status=confirmed',
    'limit=0',
    'limit=-1',
    'limit=101',
    'limit=abc',
    'limit=1.5',
    'limit=',
    'limit=1e9',
    'cursor=short',
    'cursor=../../etc',
    'cursor[$gt]=',
    `cursor=${'0'.repeat(26)}x`,
    '__proto__=x',
    'constructor[prototype]=x',
    'extra=1',
    'id[$ne]=x',
    'status=%00',
    'status=%E0%A4%A',
    'cursor=01m8ffnk9jx14m3wb9vc3s5tn3',
  ]) {
    add('query strings', `?${query}`, get(`/v1/uploads?${query}`))
  }

  // Ids in the path: never a valid ULID.
  const badIds = [
    'x',
    '..%2F..%2Fetc',
    '%00',
    `${'0'.repeat(25)}`,
    `${'0'.repeat(27)}`,
    '01m8ffnk9jx14m3wb9vc3s5tn3',
    '$where',
    '%7B%22%24gt%22%3A%22%22%7D',
    '%E0%A4%A',
    '%C0%AF',
    'ÄÖÜ',
    '0'.repeat(26).replace(/0$/, 'U'),
  ]
  for (const id of badIds) {
    add('path ids', `GET /v1/uploads/${id}`, get(`/v1/uploads/${id}`))
    add('path ids', `POST /v1/uploads/${id}/confirm`, {
      method: 'POST',
      url: `/v1/uploads/${id}/confirm`,
      headers: { authorization: `Bearer ${mintToken()}` },
    })
    add('path ids', `DELETE /v1/uploads/${id}`, {
      method: 'DELETE',
      url: `/v1/uploads/${id}`,
      headers: { authorization: `Bearer ${mintToken()}` },
    })
  }

  // Multipart part requests.
  for (const [name, body] of [
    ['no part numbers', {}],
    ['an empty list', { partNumbers: [] }],
    ['part 0', { partNumbers: [0] }],
    ['part 10,001', { partNumbers: [10_001] }],
    ['a repeated part', { partNumbers: [1, 1] }],
    ['a part as a string', { partNumbers: ['1'] }],
    ['a fractional part', { partNumbers: [1.5] }],
    ['101 parts at once', { partNumbers: Array.from({ length: 101 }, (_, i) => i + 1) }],
    ['an operator', { partNumbers: { $gt: 0 } }],
    ['an extra property', { partNumbers: [1], uploadId: 'x' }],
    ['a part beyond the plan', { partNumbers: [999] }],
  ] as [string, unknown][]) {
    add('multipart parts', name, jsonPost(`/v1/uploads/${ids.multipart}/parts`, body))
  }
  add(
    'multipart parts',
    'parts of a single-PUT upload',
    jsonPost(`/v1/uploads/${ids.pending}/parts`, { partNumbers: [1] }),
  )
  add(
    'multipart parts',
    'parts of a confirmed upload',
    jsonPost(`/v1/uploads/${ids.confirmed}/parts`, { partNumbers: [1] }),
  )

  // Broken and forged tokens.
  const exp = Math.floor(Date.now() / 1000) + 600
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const valid = mintToken()
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const tokens: [string, string | undefined][] = [
    ['no Authorization header', undefined],
    ['Bearer without a token', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['two segments', `Bearer ${valid.split('.').slice(0, 2).join('.')}`],
    ['four segments', `Bearer ${valid}.x`],
    ['base64 garbage', 'Bearer !!!.???.***'],
    ['a truncated signature', `Bearer ${valid.slice(0, -5)}`],
    [
      'a flipped payload',
      `Bearer ${valid.split('.')[0]}.${encode({ sub: 'admin', workspace: 'ws-a', exp })}.${valid.split('.')[2]}`,
    ],
    ['alg none', `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'u', workspace: 'ws-a', exp })}.`],
    ['alg None', `Bearer ${encode({ alg: 'None', typ: 'JWT' })}.${encode({ sub: 'u', workspace: 'ws-a', exp })}.`],
    [
      'HS512 with the right secret',
      `Bearer ${createSigner({ key: TEST_JWT_SECRET, algorithm: 'HS512', expiresIn: 60_000 })({ sub: 'u', workspace: 'ws-a' })}`,
    ],
    [
      'RS256',
      `Bearer ${createSigner({ key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, algorithm: 'RS256', expiresIn: 60_000 })({ sub: 'u', workspace: 'ws-a' })}`,
    ],
    ['a wrong secret', `Bearer ${mintToken({}, { key: 'wrong-secret-wrong-secret-wrong-secret!' })}`],
    [
      'expired',
      `Bearer ${createSigner({ key: TEST_JWT_SECRET })({ sub: 'u', workspace: 'ws-a', exp: Math.floor(Date.now() / 1000) - 10 })}`,
    ],
    [
      'not valid yet',
      `Bearer ${createSigner({ key: TEST_JWT_SECRET, notBefore: 3_600_000, expiresIn: 7_200_000 })({ sub: 'u', workspace: 'ws-a' })}`,
    ],
    ['no exp', `Bearer ${createSigner({ key: TEST_JWT_SECRET })({ sub: 'u', workspace: 'ws-a' })}`],
    [
      'exp as a string',
      `Bearer ${signRaw({ alg: 'HS256', typ: 'JWT' }, { sub: 'u', workspace: 'ws-a', exp: 'tomorrow' })}`,
    ],
    ['no workspace', `Bearer ${createSigner({ key: TEST_JWT_SECRET, expiresIn: 60_000 })({ sub: 'u' })}`],
    ['a workspace with a slash', `Bearer ${mintToken({ workspace: 'ws-a/../ws-b' })}`],
    ['a workspace of 65 characters', `Bearer ${mintToken({ workspace: 'w'.repeat(65) })}`],
    ['a workspace as an object', `Bearer ${mintToken({ workspace: { $ne: null } as never })}`],
    ['an empty sub', `Bearer ${mintToken({ sub: '' })}`],
    ['a numeric sub', `Bearer ${mintToken({ sub: 42 as never })}`],
    ['a 20 KB token', `Bearer ${'a'.repeat(20_000)}.${'b'.repeat(100)}.c`],
  ]
  for (const [name, header] of tokens) {
    for (const request of [get('/v1/uploads'), jsonPost('/v1/uploads', VALID_BODY)]) {
      const headers = { ...(request.headers as Record<string, string>) }
      delete headers.authorization
      if (header !== undefined) headers.authorization = header
      add('tokens', `${request.method} with ${name}`, { ...request, headers })
    }
  }

  // Another workspace's ids.
  const intruder = mintToken({ workspace: 'ws-intruder', sub: 'mallory' })
  for (const id of [ids.confirmed, ids.pending, ids.multipart]) {
    add('other workspaces', `read ${id}`, get(`/v1/uploads/${id}`, intruder))
    add('other workspaces', `confirm ${id}`, {
      method: 'POST',
      url: `/v1/uploads/${id}/confirm`,
      headers: { authorization: `Bearer ${intruder}` },
    })
    add('other workspaces', `delete ${id}`, {
      method: 'DELETE',
      url: `/v1/uploads/${id}`,
      headers: { authorization: `Bearer ${intruder}` },
    })
    add('other workspaces', `download ${id}`, get(`/v1/uploads/${id}/download`, intruder))
    add('other workspaces', `list parts of ${id}`, get(`/v1/uploads/${id}/parts`, intruder))
    add('other workspaces', `sign parts of ${id}`, jsonPost(`/v1/uploads/${id}/parts`, { partNumbers: [1] }, intruder))
  }

  // Routes and methods that do not exist.
  for (const [method, url] of [
    ['PUT', '/v1/uploads'],
    ['PATCH', `/v1/uploads/${ids.pending}`],
    ['PUT', `/v1/uploads/${ids.pending}`],
    ['GET', '/v1/uploads/../../etc/passwd'],
    ['GET', '/v2/uploads'],
    ['POST', '/v1/uploads/confirm'],
    ['GET', '/%2e%2e/%2e%2e/etc/passwd'],
    ['DELETE', '/v1/uploads'],
  ] as const) {
    add('unknown routes', `${method} ${url}`, { method, url, headers: { authorization: `Bearer ${mintToken()}` } })
  }
  return corpus
}
