/**
 * SECURITY.md controls that S3 itself enforces because of what the API signs (3, 5, 6, 7, 8), and the ones confirm
 * enforces (4, 5), checked against the real MinIO — through URLs from both signers.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { confirmUpload, createUpload, getUpload, putObject } from '../../helpers/api.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { fileOf, sha256Base64, sha256Hex } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'

const MiB = 1024 * 1024

for (const presigner of ['sigv4', 'sdk'] as const) {
  t.test(`with the ${presigner} signer`, async (t) => {
    const { app, s3, config, db } = await startHoist(t, { config: { presigner, maxImageBytes: 5 * MiB } })
    const presign = async (body: Record<string, unknown>): Promise<SingleInstructions> => {
      const response = await createUpload(app, body)
      t.equal(response.statusCode, 201, response.body)
      return response.json()
    }

    t.test('the URL signs content-type, content-length, if-none-match and the checksum', async (t) => {
      const bytes = fileOf('image/png', 1000)
      const { url } = await presign({
        filename: 'a.png',
        contentType: 'image/png',
        size: 1000,
        checksum: sha256Base64(bytes),
      })
      const signed = new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? []
      for (const header of ['content-type', 'content-length', 'if-none-match', 'x-amz-checksum-sha256', 'host']) {
        t.ok(signed.includes(header), `${header} is signed`)
      }
      t.notOk(
        new URL(url).searchParams.has('x-amz-checksum-sha256'),
        'the checksum is a header, not hoisted into the query',
      )
      t.notOk(new URL(url).searchParams.has('x-amz-checksum-crc32'), 'no checksum of an empty body is signed in')
    })

    t.test('control 3: presigned for image/png, a PUT as text/html is refused by S3', async (t) => {
      const bytes = fileOf('text/html', 500)
      const instructions = await presign({ filename: 'a.png', contentType: 'image/png', size: bytes.length })
      const put = await putObject(instructions, bytes, { 'content-type': 'text/html' })
      t.equal(put.status, 403)
      t.equal((await getUpload(app, instructions.id)).json().status, 'pending')
    })

    t.test('control 5: declared 1 MB, sending 2 MB is refused by S3', async (t) => {
      const instructions = await presign({ filename: 'a.png', contentType: 'image/png', size: MiB })
      const put = await putObject(instructions, fileOf('image/png', 2 * MiB))
      t.equal(put.status, 403)
    })

    t.test('control 5: over the size limit is a 413 at presign', async (t) => {
      const response = await createUpload(app, { filename: 'big.png', contentType: 'image/png', size: 5 * MiB + 1 })
      t.equal(response.statusCode, 413)
      t.equal(response.json().error.code, 'FILE_TOO_LARGE')
      t.match(response.json().error.message, /at most 5242880 bytes/)
    })

    t.test('control 6: a body that does not match the declared checksum is refused by S3', async (t) => {
      const declared = fileOf('image/png', 2000, 1)
      const sent = fileOf('image/png', 2000, 2)
      const instructions = await presign({
        filename: 'a.png',
        contentType: 'image/png',
        size: 2000,
        checksum: sha256Base64(declared),
      })
      const put = await putObject(instructions, sent)
      t.equal(put.status, 400, 'S3 answers BadDigest')
      t.match(await put.text(), /BadDigest|XAmzContentChecksumMismatch|checksum/i)
      t.equal((await confirmUpload(app, instructions.id)).statusCode, 409, 'nothing reached the bucket')
    })

    t.test(
      'control 4: HTML bytes declared as PNG are rejected at confirm: 422, object deleted, record rejected',
      async (t) => {
        const html = fileOf('text/html', 700)
        const instructions = await presign({ filename: 'evil.png', contentType: 'image/png', size: html.length })
        t.equal((await putObject(instructions, html)).status, 200)
        const confirmed = await confirmUpload(app, instructions.id)
        t.equal(confirmed.statusCode, 422)
        t.equal(confirmed.json().error.code, 'UPLOAD_REJECTED')
        t.match(confirmed.json().error.message, /not image\/png/)
        const head = await s3
          .send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: instructions.key }))
          .catch((e: unknown) => e)
        t.equal(
          (head as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
          404,
          'the object was deleted',
        )
        const record = await db.collection('uploads').findOne({ _id: instructions.id as never })
        t.equal(record?.status, 'rejected')
        t.equal((await confirmUpload(app, instructions.id)).statusCode, 422, 'a repeat answers the same')
      },
    )

    t.test('control 7: an expired URL is refused by S3', async (t) => {
      const request = await app.objectStore.presignPut({
        key: 'ws-a/expired.png',
        contentType: 'image/png',
        contentLength: 100,
        expiresInSeconds: 1,
      })
      await sleep(2_100)
      const put = await putObject(request, fileOf('image/png', 100))
      t.equal(put.status, 403)
      t.match(await put.text(), /expired/i)
    })

    t.test('control 8: replaying the PUT after confirm gets 412 and the object is unchanged', async (t) => {
      const original = fileOf('image/png', 3000, 1)
      const instructions = await presign({ filename: 'a.png', contentType: 'image/png', size: original.length })
      t.equal((await putObject(instructions, original)).status, 200)
      const record = (await confirmUpload(app, instructions.id)).json()
      const replay = await putObject(instructions, fileOf('image/png', 3000, 2))
      t.equal(replay.status, 412)
      const served = new Uint8Array(await (await fetch(record.url)).arrayBuffer())
      t.equal(sha256Hex(served), sha256Hex(original), 'still the original bytes')
    })

    t.test(
      'Cache-Control is signed: the bucket stores Hoist’s immutable value, and another value is refused',
      async (t) => {
        const bytes = fileOf('image/png', 1200, 3)
        const instructions = await presign({ filename: 'a.png', contentType: 'image/png', size: bytes.length })
        t.equal(instructions.headers['cache-control'], 'public, max-age=31536000, immutable')
        t.ok(
          new URL(instructions.url).searchParams.get('X-Amz-SignedHeaders')?.split(';').includes('cache-control'),
          'signed',
        )
        t.equal(
          (await putObject(instructions, bytes, { 'cache-control': 'no-store' })).status,
          403,
          'S3 refuses another value',
        )
        t.equal((await putObject(instructions, bytes)).status, 200)
        const head = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: instructions.key }))
        t.equal(
          head.CacheControl,
          'public, max-age=31536000, immutable',
          'stored: CDNs and browsers may keep it a year',
        )
      },
    )

    t.test(
      'headers the URL does not sign are stored by the bucket, so confirm refuses an object carrying them',
      async (t) => {
        for (const [name, value] of [
          ['content-disposition', 'attachment; filename="invoice.html"'],
          ['content-encoding', 'gzip'],
          ['expires', 'Wed, 21 Oct 2099 07:28:00 GMT'],
        ] as const) {
          const bytes = fileOf('image/png', 1300, name.length)
          const instructions = await presign({ filename: 'a.png', contentType: 'image/png', size: bytes.length })
          t.equal(
            (await putObject(instructions, bytes, { [name]: value })).status,
            200,
            `${name}: the PUT is accepted (not signed)`,
          )
          const head = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: instructions.key }))
          const stored = {
            'content-disposition': head.ContentDisposition,
            'content-encoding': head.ContentEncoding,
            expires: head.ExpiresString,
          }[name]
          t.ok(stored, `${name}: MinIO stored it and would serve it with the file`)
          const confirmed = await confirmUpload(app, instructions.id)
          t.equal(confirmed.statusCode, 422, `${name}: confirm refuses the object`)
          t.match(confirmed.json().error.message, new RegExp(name, 'i'))
          t.equal(await app.objectStore.head(instructions.key), undefined, `${name}: and deletes it`)
        }
      },
    )
  })
}
