/** The whole flow with fetch as the uploader: presign → PUT straight to the bucket → confirm → read, list, delete. */
import t from 'tap'
import { confirmUpload, createUpload, deleteUpload, getUpload, putObject, uploadFile } from '../../helpers/api.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { fileOf, sha256Base64, sha256Hex } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'

const { app, db } = await startHoist(t)
const uploads = db.collection('uploads')

for (const file of [
  { filename: 'screenshot.png', contentType: 'image/png', size: 48_123 },
  { filename: 'walkthrough.mp4', contentType: 'video/mp4', size: 1_500_000 },
]) {
  t.test(`a ${file.contentType} goes presign → PUT → confirm, and its public URL serves the same bytes`, async (t) => {
    const bytes = fileOf(file.contentType, file.size)
    const created = await createUpload(app, { ...file, checksum: sha256Base64(bytes) })
    t.equal(created.statusCode, 201, created.body)
    const instructions = created.json<SingleInstructions>()
    t.equal(instructions.method, 'PUT')
    t.equal(instructions.strategy, 'single')
    t.match(instructions.key, /^uploads\/ws-a\/\d{4}\/\d{2}\/[0-9A-HJKMNP-TV-Z]{26}-[A-Za-z0-9_-]{16}\.(png|mp4)$/)
    t.same(Object.keys(instructions.headers).sort(), [
      'cache-control',
      'content-type',
      'if-none-match',
      'x-amz-checksum-sha256',
    ])
    t.equal((await uploads.findOne({ _id: instructions.id as never }))?.status, 'pending', 'recorded as pending')

    const put = await putObject(instructions, bytes)
    t.equal(put.status, 200, await put.text())

    const confirmed = await confirmUpload(app, instructions.id)
    t.equal(confirmed.statusCode, 200, confirmed.body)
    const record = confirmed.json()
    t.equal(record.status, 'confirmed')
    t.equal(record.size, file.size)
    t.equal(record.filename, file.filename)
    t.ok(record.url.endsWith(instructions.key), 'the final URL points at the key')

    const stored = await uploads.findOne({ _id: instructions.id as never })
    t.equal(stored?.status, 'confirmed')
    t.equal(stored?.url, record.url, 'MongoDB holds the final URL')

    const served = await fetch(record.url)
    t.equal(served.status, 200)
    t.equal(sha256Hex(new Uint8Array(await served.arrayBuffer())), sha256Hex(bytes), 'same bytes')
  })
}

t.test('confirm before the file is uploaded answers 409 and the upload stays pending', async (t) => {
  const created = await createUpload(app, { filename: 'later.png', contentType: 'image/png', size: 1000 })
  const { id } = created.json()
  const early = await confirmUpload(app, id)
  t.equal(early.statusCode, 409)
  t.equal(early.json().error.code, 'NOT_UPLOADED_YET')
  t.match(early.json().error.message, /PUT it to the presigned URL/)
  t.equal((await getUpload(app, id)).json().status, 'pending')
})

t.test('confirm is idempotent: a repeat returns the same record', async (t) => {
  const record = await uploadFile(app, {
    filename: 'again.png',
    contentType: 'image/png',
    bytes: fileOf('image/png', 2000),
  })
  const first = await getUpload(app, record.id)
  const again = await confirmUpload(app, record.id)
  t.equal(again.statusCode, 200)
  t.same(again.json(), first.json())
})

t.test('GET /v1/uploads lists newest first, filters by status and pages with a cursor', async (t) => {
  const workspace = 'ws-list'
  const ids: string[] = []
  for (let i = 0; i < 5; i++) {
    const record = await uploadFile(
      app,
      { filename: `${i}.png`, contentType: 'image/png', bytes: fileOf('image/png', 500 + i) },
      { workspace },
    )
    ids.push(record.id)
  }
  const pending = await createUpload(app, { filename: 'p.png', contentType: 'image/png', size: 10 }, { workspace })

  const page1 = await app.inject({
    method: 'GET',
    url: '/v1/uploads?status=confirmed&limit=2',
    headers: bearer({ workspace }),
  })
  t.equal(page1.statusCode, 200, page1.body)
  t.same(
    page1.json().items.map((item: { id: string }) => item.id),
    [ids[4], ids[3]],
  )
  const cursor = page1.json().nextCursor
  t.ok(cursor)
  const page2 = await app.inject({
    method: 'GET',
    url: `/v1/uploads?status=confirmed&limit=2&cursor=${cursor}`,
    headers: bearer({ workspace }),
  })
  t.same(
    page2.json().items.map((item: { id: string }) => item.id),
    [ids[2], ids[1]],
  )
  const page3 = await app.inject({
    method: 'GET',
    url: `/v1/uploads?status=confirmed&limit=2&cursor=${page2.json().nextCursor}`,
    headers: bearer({ workspace }),
  })
  t.same(
    page3.json().items.map((item: { id: string }) => item.id),
    [ids[0]],
  )
  t.equal(page3.json().nextCursor, undefined, 'the last page has no cursor')

  const pendingOnly = await app.inject({
    method: 'GET',
    url: '/v1/uploads?status=pending',
    headers: bearer({ workspace }),
  })
  t.same(
    pendingOnly.json().items.map((item: { id: string }) => item.id),
    [pending.json().id],
  )
})

t.test('DELETE discards a pending upload', async (t) => {
  const { id } = (await createUpload(app, { filename: 'x.png', contentType: 'image/png', size: 100 })).json()
  const deleted = await deleteUpload(app, id)
  t.equal(deleted.statusCode, 204)
  t.equal((await getUpload(app, id)).statusCode, 404, 'a deleted upload is gone')
  t.equal((await confirmUpload(app, id)).json().error?.code, 'UPLOAD_NOT_FOUND', 'and cannot be confirmed')
  const audit = await app.inject({ method: 'GET', url: '/v1/uploads?status=deleted', headers: bearer() })
  t.ok(
    audit.json().items.some((item: { id: string; status: string }) => item.id === id && item.status === 'deleted'),
    'the record stays listed under ?status=deleted',
  )
})

t.test('DELETE of a confirmed upload removes the object, then marks the record deleted', async (t) => {
  const record = await uploadFile(app, {
    filename: 'gone.png',
    contentType: 'image/png',
    bytes: fileOf('image/png', 3000),
  })
  t.equal((await fetch(record.url)).status, 200)
  const deleted = await deleteUpload(app, record.id)
  t.equal(deleted.statusCode, 204)
  t.equal((await fetch(record.url)).status, 404, 'the object is gone')
  t.equal((await getUpload(app, record.id)).statusCode, 404)
  for (const path of ['download', 'parts'])
    t.equal(
      (await app.inject({ method: 'GET', url: `/v1/uploads/${record.id}/${path}`, headers: bearer() })).statusCode,
      404,
      `${path} of a deleted upload`,
    )
  t.equal((await deleteUpload(app, record.id)).statusCode, 204, 'deleting again is a no-op')
})

t.test('GET /v1/uploads/:id/download gives a short-lived presigned GET with the file name', async (t) => {
  const bytes = fileOf('image/png', 4000)
  const record = await uploadFile(app, { filename: 'report é.png', contentType: 'image/png', bytes })
  const download = await app.inject({ method: 'GET', url: `/v1/uploads/${record.id}/download`, headers: bearer() })
  t.equal(download.statusCode, 200, download.body)
  const { url, method } = download.json()
  t.equal(method, 'GET')
  t.match(url, /X-Amz-Signature=/)
  const response = await fetch(url)
  t.equal(response.status, 200)
  t.match(
    response.headers.get('content-disposition') ?? '',
    /attachment; filename="report _\.png"; filename\*=UTF-8''report%20%C3%A9\.png/,
  )
  t.equal(sha256Hex(new Uint8Array(await response.arrayBuffer())), sha256Hex(bytes))

  const pending = (await createUpload(app, { filename: 'p.png', contentType: 'image/png', size: 10 })).json()
  const early = await app.inject({ method: 'GET', url: `/v1/uploads/${pending.id}/download`, headers: bearer() })
  t.equal(early.statusCode, 409)
})

t.test('a download takes the verified type’s extension, never the one in the user’s filename', async (t) => {
  for (const [filename, expected] of [
    ['report.html', `filename="report.png"; filename*=UTF-8''report.png`],
    ["it's (1).svg", `filename="it's (1).png"; filename*=UTF-8''it%27s%20%281%29.png`],
    ['lone \uD800.php', `filename="lone _.png"; filename*=UTF-8''lone%20%EF%BF%BD.png`],
  ] as const) {
    const record = await uploadFile(app, { filename, contentType: 'image/png', bytes: fileOf('image/png', 2000) })
    const download = await app.inject({ method: 'GET', url: `/v1/uploads/${record.id}/download`, headers: bearer() })
    t.equal(download.statusCode, 200, download.body)
    const response = await fetch(download.json().url)
    t.equal(response.status, 200)
    t.equal(response.headers.get('content-disposition'), `attachment; ${expected}`, JSON.stringify(filename))
  }
})

t.test('an unknown id is a 404 in the error shape', async (t) => {
  const response = await getUpload(app, '01ARZ3NDEKTSV4RRFFQ69G5FAV')
  t.equal(response.statusCode, 404)
  t.same(response.json(), {
    error: { code: 'UPLOAD_NOT_FOUND', message: 'No upload 01ARZ3NDEKTSV4RRFFQ69G5FAV in this workspace' },
  })
})
