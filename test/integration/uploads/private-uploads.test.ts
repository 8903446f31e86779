/**
 * Control 41: private uploads (`visibility: "private"`, or the token's `upload.visibility` rule) on MinIO and
 * FerretDB. The object and its image variants live under the private folder the bucket policy never serves
 * anonymously (403 to an unsigned GET), no view, list or event carries a URL for them, and the download route hands out
 * a short-lived presigned GET for the file and for each variant. A public upload is unchanged. `hoist doctor` reports
 * a private object that an unsigned GET can read.
 */
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3'
import t from 'tap'
import type { Download, SingleInstructions, UploadView } from '../../../protocol/src/uploads.js'
import type { UploadEvent } from '../../../protocol/src/events.js'
import { anonymousReadProbe } from '../../../server/src/doctor/anonymous-read.js'
import { runDoctor } from '../../../server/src/doctor/doctor.js'
import { confirmUpload, createUpload, putObject } from '../../helpers/api.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { testImageWorker } from '../../helpers/image-worker.js'
import { pngOf } from '../../helpers/images.js'
import { nodeUploader } from '../../helpers/node-uploader.js'
import { bearer, type TokenClaims } from '../../helpers/tokens.js'

const DOWNLOAD_TTL_SECONDS = 10
const MiB = 1024 * 1024
const { app, db, s3, config } = await startHoist(t, {
  listen: true,
  config: {
    imageWidths: [100, 150],
    downloadUrlTtlSeconds: DOWNLOAD_TTL_SECONDS,
    multipartThresholdBytes: 5 * MiB,
    multipartPartSizeBytes: 5 * MiB,
  },
})
const PRIVATE_FOLDER = `${config.s3KeyPrefix}.private/files/`

/** Presign, PUT and confirm; the presign's answer and confirm's view. */
async function upload(
  body: { filename: string; contentType: string; visibility?: string },
  bytes: Uint8Array<ArrayBuffer>,
  claims: TokenClaims = {},
): Promise<{ created: SingleInstructions; view: UploadView }> {
  const presign = await createUpload(app, { ...body, size: bytes.length }, claims)
  if (presign.statusCode !== 201) throw new Error(`presign: ${presign.statusCode} ${presign.body}`)
  const created = presign.json<SingleInstructions>()
  const put = await putObject(created, bytes)
  if (!put.ok) throw new Error(`PUT: ${put.status}`)
  const confirmed = await confirmUpload(app, created.id, claims)
  if (confirmed.statusCode !== 200) throw new Error(`confirm: ${confirmed.statusCode} ${confirmed.body}`)
  return { created, view: confirmed.json<UploadView>() }
}

const anonymousGet = async (key: string): Promise<number> => {
  const response = await fetch(app.objectStore.publicUrl(key))
  await response.body?.cancel()
  return response.status
}

const download = (id: string, query = '', claims: TokenClaims = {}) =>
  app.inject({ method: 'GET', url: `/v1/uploads/${id}/download${query}`, headers: bearer(claims) })

t.test('private: refused to anonymous GET, no URL anywhere, served through a short-lived download', async (t) => {
  const bytes = Uint8Array.from(fileOf('image/png', 3000, 7))
  const { created, view } = await upload(
    { filename: 'invoice.png', contentType: 'image/png', visibility: 'private' },
    bytes,
  )
  t.ok(created.key.startsWith(`${PRIVATE_FOLDER}ws-a/`), `the key is in the private folder: ${created.key}`)
  t.equal(view.status, 'confirmed')
  t.equal(view.visibility, 'private')
  t.equal(view.url, undefined, 'confirm answers no URL')
  t.equal(await anonymousGet(created.key), 403, 'MinIO refuses an unsigned GET')

  const listed = (await app.inject({ method: 'GET', url: '/v1/uploads', headers: bearer() })).json<{
    items: UploadView[]
  }>()
  const item = listed.items.find((each) => each.id === created.id)
  t.same([item?.visibility, item?.url], ['private', undefined], 'the list has no URL either')
  const feed = (await app.inject({ method: 'GET', url: '/v1/events', headers: bearer() })).json<{
    items: { event: UploadEvent }[]
  }>()
  const confirmedEvent = feed.items
    .map((item) => item.event)
    .find((event) => event.data.id === created.id && event.type === 'upload.confirmed')
  t.same([confirmedEvent?.data.visibility, confirmedEvent?.data.url], ['private', undefined], 'nor its event')

  const answer = await download(created.id)
  t.equal(answer.statusCode, 200, answer.body)
  const signed = answer.json<Download>()
  const url = new URL(signed.url)
  t.equal(url.searchParams.get('X-Amz-Expires'), String(DOWNLOAD_TTL_SECONDS), 'the GET is short-lived')
  const lifetime = Date.parse(signed.expiresAt) - Date.now()
  t.ok(lifetime > 0 && lifetime <= DOWNLOAD_TTL_SECONDS * 1000, `expiresAt is within the lifetime (${lifetime} ms)`)
  const served = await fetch(signed.url, { headers: signed.headers })
  t.equal(served.status, 200)
  t.equal(served.headers.get('cache-control'), `private, max-age=${DOWNLOAD_TTL_SECONDS}`, 'no shared cache keeps it')
  t.same(new Uint8Array(await served.arrayBuffer()), bytes, 'the presigned GET serves the file')

  const stranger = await download(created.id, '', { workspace: 'someone-else' })
  t.equal(stranger.statusCode, 404, 'another workspace cannot download it')
})

t.test("the token's upload.visibility rule forces private; the other visibility is refused", async (t) => {
  const claims: TokenClaims = { workspace: 'ws-private-rule', upload: { visibility: 'private' } }
  const bytes = Uint8Array.from(fileOf('image/png', 1500, 8))
  const { created, view } = await upload({ filename: 'avatar.png', contentType: 'image/png' }, bytes, claims)
  t.ok(created.key.startsWith(`${PRIVATE_FOLDER}ws-private-rule/`), 'an absent visibility takes the token’s')
  t.same([view.visibility, view.url], ['private', undefined])
  t.equal(await anonymousGet(created.key), 403)

  const asked = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: 10, visibility: 'public' },
    claims,
  )
  t.equal(asked.statusCode, 403)
  t.equal(asked.json().error.code, 'TOKEN_VISIBILITY_FIXED')
  t.match(asked.json().error.message, /allows private uploads only \(its upload\.visibility rule\)/)
  const repeated = await createUpload(
    app,
    { filename: 'a.png', contentType: 'image/png', size: 10, visibility: 'private' },
    claims,
  )
  t.equal(repeated.statusCode, 201, 'the same visibility may be sent')

  const bad = await createUpload(app, { filename: 'a.png', contentType: 'image/png', size: 10, visibility: 'secret' })
  t.equal(bad.statusCode, 400, 'an unknown visibility is a 400')
})

t.test('a public upload is unchanged: public key, a URL, anonymous GET served', async (t) => {
  const bytes = Uint8Array.from(fileOf('image/png', 1200, 9))
  const { created, view } = await upload({ filename: 'walkthrough.png', contentType: 'image/png' }, bytes)
  t.notOk(created.key.includes('.private/'), created.key)
  t.equal(view.visibility, undefined, 'public is the default and is not spelled out')
  t.equal(view.url, app.objectStore.publicUrl(created.key))
  t.equal(await anonymousGet(created.key), 200)
})

t.test("a private image's variants are private too, and each is downloadable", async (t) => {
  const image = Uint8Array.from(await pngOf(200, 120))
  const { created } = await upload({ filename: 'draft.png', contentType: 'image/png', visibility: 'private' }, image)
  await testImageWorker(t, db, config).drain()
  const view = (
    await app.inject({ method: 'GET', url: `/v1/uploads/${created.id}`, headers: bearer() })
  ).json<UploadView>()
  t.same(
    view.variants?.map((variant) => [variant.width, variant.format, variant.url]),
    [
      [100, 'webp', undefined],
      [150, 'webp', undefined],
    ],
    'variants without URLs',
  )
  for (const variant of view.variants ?? []) {
    t.ok(variant.key.startsWith(PRIVATE_FOLDER), `beside the original: ${variant.key}`)
    t.equal(await anonymousGet(variant.key), 403, `w${variant.width} refused anonymously`)
  }
  const answer = await download(created.id, '?width=150&format=webp')
  t.equal(answer.statusCode, 200, answer.body)
  const served = await fetch(answer.json<Download>().url)
  t.equal(served.status, 200)
  t.equal(served.headers.get('content-type'), 'image/webp')
  t.match(served.headers.get('content-disposition'), /draft\.w150\.webp/)
  await served.body?.cancel()

  const missing = await download(created.id, '?width=640')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error.code, 'VARIANT_NOT_FOUND')
  t.match(missing.json().error.message, /no variant 640 webp; its variants: 100 webp, 150 webp/)
})

t.test('the web client: a private multipart upload, then api.download for a URL to show', async (t) => {
  const uploader = nodeUploader(app)
  const bytes = fileOf('video/mp4', 6 * MiB, 12)
  const record = await uploader.upload(new Blob([Uint8Array.from(bytes)], { type: 'video/mp4' }), {
    filename: 'draft.mp4',
    visibility: 'private',
  })
  t.same(
    [record.strategy, record.status, record.visibility, record.url],
    ['multipart', 'confirmed', 'private', undefined],
  )
  t.ok(record.key.startsWith(PRIVATE_FOLDER), record.key)
  t.equal(await anonymousGet(record.key), 403)
  const signed = await uploader.api.download(record.id)
  const served = await fetch(signed.url)
  t.equal(served.status, 200)
  t.equal(Number(served.headers.get('content-length')), bytes.length)
  await served.body?.cancel()
})

t.test('hoist doctor reports a private object that anyone can read', async (t) => {
  const doctor = () =>
    runDoctor({
      maintenance: app.ledgerMaintenance,
      store: app.objectStore,
      keyPrefix: config.s3KeyPrefix,
      graceMs: 0,
      fix: false,
      anonymousRead: anonymousReadProbe(config),
    })
  const before = await doctor()
  t.ok(before.checked.privateObjects >= 5, `private objects asked about: ${before.checked.privateObjects}`)
  t.same(before.publiclyReadablePrivateObjects, [], 'the policy bucket setup wrote keeps them private')
  t.equal(before.clean, true, JSON.stringify(before))

  // A policy wider than Hoist's: anonymous read of the whole prefix, the private folder included.
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: config.s3Bucket,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: ['*'] },
            Action: ['s3:GetObject'],
            Resource: [`arn:aws:s3:::${config.s3Bucket}/${config.s3KeyPrefix}*`],
          },
        ],
      }),
    }),
  )
  const after = await doctor()
  t.equal(after.clean, false)
  t.equal(after.publiclyReadablePrivateObjects.length, before.checked.privateObjects, 'every private object is named')
  t.ok(
    after.publiclyReadablePrivateObjects.every(
      (found) => found.key.startsWith(PRIVATE_FOLDER) && found.url.includes(found.key),
    ),
  )
})
