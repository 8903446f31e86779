/** Type allow-list, per-kind size limits, workspace quota and the per-user presign rate limit. */
import t from 'tap'
import { mimeEssence } from '../../../protocol/src/uploads.js'
import { createUpload, deleteUpload, uploadFile } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'

const { app } = await startHoist(t, {
  config: {
    workspaceQuotaBytes: 10_000,
    maxImageBytes: 6_000,
    maxVideoBytes: 9_000,
    presignRateLimitPerMinute: 5,
    allowedContentTypes: ['image/png', 'image/jpeg', 'video/mp4'],
  },
})

t.test('a type outside the allow-list is a 400 that lists the allowed types', async (t) => {
  for (const contentType of ['text/html', 'image/svg+xml', 'application/octet-stream', 'image/webp']) {
    const response = await createUpload(app, { filename: 'x', contentType, size: 10 }, { sub: 'types' })
    t.equal(response.statusCode, 400, contentType)
    t.equal(response.json().error.code, 'CONTENT_TYPE_NOT_ALLOWED')
    t.match(response.json().error.message, /allowed types: image\/png, image\/jpeg, video\/mp4/)
  }
})

t.test(
  'the schema lists type essences: another spelling is refused with the list, the web client sends essences',
  async (t) => {
    const response = await createUpload(
      app,
      { filename: 'x.png', contentType: 'IMAGE/PNG', size: 10 },
      { sub: 'case', workspace: 'ws-case' },
    )
    t.equal(response.statusCode, 400, response.body)
    t.equal(response.json().error.code, 'CONTENT_TYPE_NOT_ALLOWED')
    t.equal(mimeEssence('IMAGE/PNG; charset=binary'), 'image/png', 'what @hoist/web-client sends instead')
  },
)

t.test('images and videos have their own size limits', async (t) => {
  t.equal(
    (await createUpload(app, { filename: 'a.png', contentType: 'image/png', size: 6_001 }, { sub: 'size' })).statusCode,
    413,
  )
  t.equal(
    (
      await createUpload(
        app,
        { filename: 'a.mp4', contentType: 'video/mp4', size: 6_001 },
        { sub: 'size', workspace: 'ws-size' },
      )
    ).statusCode,
    201,
  )
  t.equal(
    (await createUpload(app, { filename: 'a.mp4', contentType: 'video/mp4', size: 9_000 }, { sub: 'size2' }))
      .statusCode,
    201,
  )
})

t.test('the schema gives size the largest limit of any allowed kind; over it is a 400 from the schema', async (t) => {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  const body = document.paths['/v1/uploads'].post.requestBody.content['application/json'].schema
  t.equal(body.properties.size.maximum, 9_000, 'the video limit, the larger one')
  const over = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: 9_007_199_254_740_990 },
    { sub: 'size3' },
  )
  t.equal(over.statusCode, 400, over.body)
  t.equal(over.json().error.code, 'VALIDATION_FAILED')
  t.match(over.json().error.message, /size/)
  const overItsKind = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: 9_000 },
    { sub: 'size3' },
  )
  t.equal(overItsKind.statusCode, 413, 'under the maximum, over the image limit: the limit of its kind')
  t.equal(overItsKind.json().error.code, 'FILE_TOO_LARGE')
})

t.test('the workspace quota counts pending and confirmed bytes, and frees deleted ones', async (t) => {
  const claims = { workspace: 'ws-quota', sub: 'quota-user' }
  const first = await uploadFile(
    app,
    { filename: 'a.png', contentType: 'image/png', bytes: fileOf('image/png', 5_000) },
    claims,
  )
  const pending = await createUpload(app, { filename: 'b.png', contentType: 'image/png', size: 4_000 }, claims)
  t.equal(pending.statusCode, 201)
  const over = await createUpload(
    app,
    { filename: 'c.png', contentType: 'image/png', size: 1_001 },
    { ...claims, sub: 'quota-user-2' },
  )
  t.equal(over.statusCode, 403)
  t.equal(over.json().error.code, 'QUOTA_EXCEEDED')
  t.match(over.json().error.message, /quota of 10000 bytes/)
  await deleteUpload(app, first.id, claims)
  const after = await createUpload(
    app,
    { filename: 'c.png', contentType: 'image/png', size: 1_001 },
    { ...claims, sub: 'quota-user-2' },
  )
  t.equal(after.statusCode, 201, 'deleting freed the space')
})

t.test('presign is rate limited per user: 429 in the error shape with Retry-After', async (t) => {
  const claims = { sub: 'hasty', workspace: 'ws-rate' }
  const statuses: number[] = []
  let limited
  for (let i = 0; i < 7; i++) {
    const response = await createUpload(app, { filename: 'a.png', contentType: 'image/png', size: 1 }, claims)
    statuses.push(response.statusCode)
    if (response.statusCode === 429) limited = response
  }
  t.same(statuses, [201, 201, 201, 201, 201, 429, 429])
  t.equal(limited?.json().error.code, 'RATE_LIMITED')
  t.ok(limited?.headers['retry-after'], 'Retry-After is set')
  const other = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: 1 },
    { sub: 'calm', workspace: 'ws-rate' },
  )
  t.equal(other.statusCode, 201, 'another user of the same workspace is not limited')
})
