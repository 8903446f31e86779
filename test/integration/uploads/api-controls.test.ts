/** SECURITY.md controls the API enforces itself: 1, 2, 13, 15–19. */
import { generateKeyPairSync } from 'node:crypto'
import { connect } from 'node:net'
import { createSigner } from 'fast-jwt'
import t from 'tap'
import { confirmUpload, createUpload, deleteUpload, getUpload, putObject, uploadFile } from '../../helpers/api.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { fileOf } from '../../helpers/fixtures.js'
import { baseUrl, startHoist } from '../../helpers/hoist.js'
import { bearer, mintToken, TEST_JWT_SECRET } from '../../helpers/tokens.js'

const { app, db, logs } = await startHoist(t, { config: { jwtAudience: 'hoist-api' } })
const uploads = db.collection('uploads')
const aud = { aud: 'hoist-api' }
const snapshot = async (): Promise<unknown[]> => uploads.find({}, { sort: { _id: 1 } }).toArray()

t.test('control 1: another workspace cannot read, confirm, delete, sign or list an upload', async (t) => {
  const bytes = fileOf('image/png', 1500)
  const created = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: bytes.length },
    { ...aud, workspace: 'ws-a' },
  )
  const instructions = created.json<SingleInstructions>()
  await putObject(instructions, bytes)
  const before = await snapshot()
  const other = { ...aud, workspace: 'ws-b', sub: 'intruder' }
  t.equal((await getUpload(app, instructions.id, other)).statusCode, 404)
  t.equal((await confirmUpload(app, instructions.id, other)).statusCode, 404)
  t.equal((await deleteUpload(app, instructions.id, other)).statusCode, 404)
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/uploads/${instructions.id}/download`, headers: bearer(other) }))
      .statusCode,
    404,
  )
  const list = await app.inject({ method: 'GET', url: '/v1/uploads', headers: bearer(other) })
  t.same(list.json().items, [])
  t.same(await snapshot(), before, 'nothing changed')
  t.equal(
    (await confirmUpload(app, instructions.id, { ...aud, workspace: 'ws-a' })).statusCode,
    200,
    'the owner still can',
  )
})

t.test('control 1: the workspace comes from the token, never the body', async (t) => {
  const response = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: 10, workspace: 'ws-a' },
    { ...aud, workspace: 'ws-b' },
  )
  t.equal(response.statusCode, 400, 'unknown body properties are refused')
  t.equal(response.json().error.code, 'VALIDATION_FAILED')
})

t.test('control 2: hostile filenames never shape the key; they are display metadata only', async (t) => {
  const hostile = [
    '../../x',
    'a.php%00.jpg',
    'x.jpg.php',
    'a'.repeat(5000),
    '日本語の画像.png',
    '\u202egnp.exe',
    'C:\\windows\\x.png',
    '.',
    '/etc/passwd',
  ]
  for (const filename of hostile) {
    const response = await createUpload(app, { filename, contentType: 'image/jpeg', size: 10 }, aud)
    t.equal(response.statusCode, 201, `accepted: ${filename.slice(0, 20)}`)
    t.match(
      response.json().key,
      /^uploads\/ws-a\/\d{4}\/\d{2}\/[0-9A-HJKMNP-TV-Z]{26}-[A-Za-z0-9_-]{16}\.jpg$/,
      `key shape for ${filename.slice(0, 20)}`,
    )
    const record = (await getUpload(app, response.json().id, aud)).json()
    t.ok(record.filename.length <= 255, 'display name is capped')
    t.notMatch(record.filename, /[/\\\u202e\u0000]/, 'no separators or control characters')
  }
})

t.test('control 13: 10 concurrent confirms make one transition and give identical bodies', async (t) => {
  const bytes = fileOf('image/png', 5000)
  const created = (
    await createUpload(app, { filename: 'race.png', contentType: 'image/png', size: bytes.length }, aud)
  ).json()
  await putObject(created, bytes)
  const responses = await Promise.all(Array.from({ length: 10 }, () => confirmUpload(app, created.id, aud)))
  t.same(
    responses.map((r) => r.statusCode),
    Array(10).fill(200),
  )
  t.equal(new Set(responses.map((r) => r.body)).size, 1, 'identical bodies')
  const record = await uploads.findOne({ _id: created.id })
  t.equal(record?.status, 'confirmed')
  t.equal(record?.confirmedAt?.toISOString(), responses[0]!.json().confirmedAt, 'one transition: one confirmedAt')
  t.equal(
    await db.collection('upload_events').countDocuments({ uploadId: created.id, type: 'upload.confirmed' }),
    1,
    'one transition recorded: one upload.confirmed event',
  )
})

t.test('control 15: JWT attacks are 401 in the error shape, naming the check that failed', async (t) => {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const exp = Math.floor(Date.now() / 1000) + 600
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const signed = createSigner({ key: TEST_JWT_SECRET })
  const cases: Record<string, [token: string | undefined, check: string]> = {
    'no token': [undefined, 'authorization-header'],
    'alg none': [
      `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'u', workspace: 'ws-a', exp, ...aud })}.`,
      'algorithm',
    ],
    'wrong key': [mintToken(aud, { key: 'another-secret-of-enough-length-0123456789' }), 'signature'],
    'no exp': [signed({ sub: 'u', workspace: 'ws-a', ...aud }), 'exp'],
    expired: [signed({ sub: 'u', workspace: 'ws-a', exp: exp - 660, ...aud }), 'exp'],
    'exp in milliseconds': [signed({ sub: 'u', workspace: 'ws-a', exp: exp * 1000, ...aud }), 'exp'],
    'not yet valid': [signed({ sub: 'u', workspace: 'ws-a', exp, nbf: exp - 60, ...aud }), 'nbf'],
    'wrong audience': [mintToken({ aud: 'another-api' }), 'aud'],
    'no audience': [mintToken(), 'aud'],
    'no workspace': [signed({ sub: 'u', exp, ...aud }), 'workspace'],
    'workspace with a slash': [mintToken({ ...aud, workspace: '../other' }), 'workspace'],
    'no sub': [signed({ workspace: 'ws-a', exp, ...aud }), 'sub'],
    'numeric sub': [signed({ sub: 42, workspace: 'ws-a', exp, ...aud }), 'sub'],
    'RS256 token for an HS256 API': [
      createSigner({
        key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        algorithm: 'RS256',
        expiresIn: 60_000,
      })({ sub: 'u', workspace: 'ws-a', ...aud }),
      'algorithm',
    ],
    garbage: ['not.a.jwt', 'format'],
  }
  for (const [name, [token, check]] of Object.entries(cases)) {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/uploads',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    })
    t.equal(response.statusCode, 401, name)
    const { error } = response.json()
    t.equal(error.code, 'UNAUTHORIZED', `${name}: error shape`)
    t.equal(error.details?.check, check, `${name}: names the ${check} check`)
    t.notMatch(error.message, TEST_JWT_SECRET, `${name}: no secret`)
  }
})

t.test('control 16: operator injection is a 400 and nothing changes', async (t) => {
  const before = await snapshot()
  const attempts = [
    app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: bearer(aud),
      payload: { filename: { $gt: '' }, contentType: 'image/png', size: 1 },
    }),
    app.inject({
      method: 'POST',
      url: '/v1/uploads',
      headers: bearer(aud),
      payload: { filename: 'a.png', contentType: 'image/png', size: { $gt: 0 } },
    }),
    app.inject({ method: 'GET', url: '/v1/uploads?status[$ne]=deleted', headers: bearer(aud) }),
    app.inject({ method: 'GET', url: '/v1/uploads?cursor[$gt]=', headers: bearer(aud) }),
    app.inject({ method: 'GET', url: '/v1/uploads/%7B%22%24gt%22%3A%22%22%7D', headers: bearer(aud) }),
    app.inject({ method: 'POST', url: '/v1/uploads/$where/confirm', headers: bearer(aud) }),
    app.inject({ method: 'GET', url: '/v1/uploads?id[$ne]=x', headers: bearer(aud) }),
  ]
  for (const response of await Promise.all(attempts)) {
    t.equal(response.statusCode, 400, response.body)
    t.equal(response.json().error.code, 'VALIDATION_FAILED')
  }
  t.same(await snapshot(), before)
})

t.test('control 17: only JSON bodies (415) within the body limit (413)', async (t) => {
  const form = await app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: { ...bearer(aud), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'filename=a.png&contentType=image/png&size=1',
  })
  t.equal(form.statusCode, 415)
  t.equal(form.json().error.code, 'UNSUPPORTED_MEDIA_TYPE')
  const multipart = await app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: { ...bearer(aud), 'content-type': 'multipart/form-data; boundary=x' },
    payload: '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nbytes\r\n--x--',
  })
  t.equal(multipart.statusCode, 415, 'the API takes no file bytes')
  const huge = await app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: { ...bearer(aud), 'content-type': 'application/json' },
    payload: JSON.stringify({ filename: 'x'.repeat(300 * 1024), contentType: 'image/png', size: 1 }),
  })
  t.equal(huge.statusCode, 413)
  t.equal(huge.json().error.code, 'BODY_TOO_LARGE')
  const broken = await app.inject({
    method: 'POST',
    url: '/v1/uploads',
    headers: { ...bearer(aud), 'content-type': 'application/json' },
    payload: '{"filename": ',
  })
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().error.code, 'INVALID_JSON')
})

t.test('control 17: a body over the limit gets a readable 413 every time, over real TCP, not a reset', async (t) => {
  const listening = await startHoist(t, { listen: true, config: { jwtAudience: 'hoist-api' } })
  const port = Number(new URL(baseUrl(listening.app)).port)
  const body = Buffer.alloc(5 * 1024 * 1024, 'x')
  // A client that sends its whole request, then reads the answer (as simple clients do): a reset while it is
  // sending is an EPIPE, and the answer already waiting in its socket is lost with the connection.
  const post = (): Promise<{ status: string; body: string; error?: string }> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1')
      let received = ''
      let error: string | undefined
      socket.pause()
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
      socket.on('close', () => {
        const [head = '', answer = ''] = received.split('\r\n\r\n')
        resolve({ status: head.split('\r\n')[0] ?? '', body: answer, ...(error ? { error } : {}) })
      })
      socket.write(
        `POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${bearer(aud).authorization}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      )
      socket.end(body, () => socket.resume())
    })
  const answers = await Promise.all(Array.from({ length: 20 }, post))
  t.same(
    answers.filter((answer) => !answer.status.startsWith('HTTP/1.1 413 ') || answer.error),
    [],
    'every one a 413, none a reset',
  )
  for (const answer of answers) t.match(JSON.parse(answer.body || '{}'), { error: { code: 'BODY_TOO_LARGE' } })
})

t.test('control 18: a 100 KB pathological filename is a fast 400', async (t) => {
  const started = process.hrtime.bigint()
  const response = await createUpload(
    app,
    { filename: `${'a'.repeat(50_000)}${'.'.repeat(50_000)}!`, contentType: 'image/png', size: 1 },
    aud,
  )
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
  t.equal(response.statusCode, 400)
  t.match(response.json().error.message, /filename/)
  t.comment(`answered in ${elapsedMs.toFixed(1)} ms (not asserted)`)
})

t.test('control 19: no signature or token reaches the logs', async (t) => {
  const token = mintToken(aud)
  const signature = '5d1c0ffee7e15a5ecre7516a7ure0fa5e7ed0a7a'
  await uploadFile(app, { filename: 'log.png', contentType: 'image/png', bytes: fileOf('image/png', 800) }, aud)
  await app.inject({
    method: 'GET',
    url: `/v1/uploads?X-Amz-Signature=${signature}`,
    headers: { authorization: `Bearer ${token}` },
  })
  await app.inject({ method: 'GET', url: '/v1/uploads', headers: { authorization: `Bearer ${token}` } })
  const all = logs.join('')
  t.ok(logs.length > 10, `the API logged (${logs.length} lines)`)
  // The parameter's name may be quoted (a 400 names what to remove); its value, the secret, never is.
  t.notOk(all.includes(signature), 'no signature value')
  t.notMatch(all, /X-Amz-Signature=/i, 'no signed query string')
  t.notMatch(all, /Bearer [A-Za-z0-9_-]{10,}/, 'no bearer token')
  t.notOk(all.includes(token), 'the token never appears')
  t.notOk(all.includes(token.split('.')[2]!), 'not even its signature part')
})
