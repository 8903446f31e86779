/** S3ObjectStore on the real MinIO keeps the object store contract; bytes arrive through its own presigned URLs. */
import t from 'tap'
import { objectStoreContract } from '../contracts/object-store-contract.js'
import { startHoist } from '../helpers/hoist.js'

const { app } = await startHoist(t)
const store = app.objectStore

async function send(
  request: { url: string; headers: Record<string, string> },
  bytes: Uint8Array,
  extra: Record<string, string> = {},
): Promise<void> {
  const response = await fetch(request.url, {
    method: 'PUT',
    headers: { ...request.headers, ...extra },
    body: Buffer.from(bytes),
  })
  if (!response.ok) throw new Error(`PUT ${response.status}: ${await response.text()}`)
}

t.test('S3ObjectStore keeps the object store contract', async (t) => {
  objectStoreContract(t, {
    store,
    putObject: async (key, bytes, contentType, checksumSha256) => {
      const put = await store.presignPut({
        key,
        contentType,
        contentLength: bytes.length,
        expiresInSeconds: 60,
        ...(checksumSha256 ? { checksumSha256 } : {}),
      })
      await send(put, bytes)
    },
    putPart: async (key, uploadId, partNumber, bytes) =>
      send(
        await store.presignPart({ key, uploadId, partNumber, contentLength: bytes.length, expiresInSeconds: 60 }),
        bytes,
      ),
  })
})
