/**
 * docs/INTEGRATION.md's "When a PUT fails" table, checked against the real MinIO: each way a presigned PUT goes wrong
 * gets the storage server's own refusal, and the web client turns it into the Hoist code that names the cause.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { errorFromResponse } from '../../../web-client/src/errors.js'
import { createUpload, putObject } from '../../helpers/api.js'
import { fileOf, sha256Base64 } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'

const { app } = await startHoist(t)
const bytes = fileOf('image/png', 2_000)

async function presign(body: Record<string, unknown> = {}): Promise<SingleInstructions> {
  const answer = await createUpload(app, { filename: 'a.png', contentType: 'image/png', size: bytes.length, ...body })
  t.equal(answer.statusCode, 201, answer.body)
  return answer.json()
}

async function refusal(put: Promise<Response>): Promise<{ status: number; code: string }> {
  const response = await put
  const error = errorFromResponse(response.status, await response.text())
  return { status: response.status, code: error.code }
}

t.test('a signed header left out (the README once omitted cache-control) → UPLOAD_REQUEST_CHANGED', async (t) => {
  const instructions = await presign()
  const { 'cache-control': _left, ...headers } = instructions.headers
  const put = fetch(instructions.url, { method: 'PUT', headers, body: bytes })
  t.match(await refusal(put), { code: 'UPLOAD_REQUEST_CHANGED' })
})

t.test('another content type than the one presigned → UPLOAD_REQUEST_CHANGED', async (t) => {
  const put = putObject(await presign(), bytes, { 'content-type': 'image/jpeg' })
  t.match(await refusal(put), { status: 403, code: 'UPLOAD_REQUEST_CHANGED' })
})

t.test('bytes that are not the checksum given at presign → CHECKSUM_MISMATCH', async (t) => {
  const instructions = await presign({ checksum: sha256Base64(fileOf('image/png', 2_000, 99)) })
  t.match(await refusal(putObject(instructions, bytes)), { code: 'CHECKSUM_MISMATCH' })
})

t.test('a URL past its expiry → UPLOAD_URL_EXPIRED', async (t) => {
  const request = await app.objectStore.presignPut({
    key: 'uploads/ws/expired.png',
    contentType: 'image/png',
    contentLength: bytes.length,
    expiresInSeconds: 1,
  })
  await sleep(2_100)
  t.same(await refusal(putObject(request, bytes)), { status: 403, code: 'UPLOAD_URL_EXPIRED' })
})
