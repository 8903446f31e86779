/** S3ObjectStore on the real MinIO keeps the object store contract; bytes arrive through its own presigned URLs. */
import { createHash } from 'node:crypto'
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import t, { type Test } from 'tap'
import { SdkUrlSigner } from '../../server/src/storage/presign/sdk-url-signer.js'
import { createS3Client } from '../../server/src/storage/s3-client.js'
import { isS3NotFound } from '../../server/src/storage/s3-errors.js'
import { copyObject } from '../../server/src/storage/s3-copy.js'
import { S3ObjectStore } from '../../server/src/storage/s3-object-store.js'
import { openObjectStore } from '../../server/src/storage/open-object-store.js'
import { S3Address } from '../../server/src/storage/s3-address.js'
import { S3DirectCalls, S3HttpError } from '../../server/src/storage/s3-direct-calls.js'
import { createS3Signer } from '../../server/src/storage/s3-signer.js'
import { objectStoreContract } from '../contracts/object-store-contract.js'
import { fileOf } from '../helpers/fixtures.js'
import { startHoist } from '../helpers/hoist.js'

const { app, config } = await startHoist(t)
const store = app.objectStore

/** Direct S3 calls (s3-direct-calls.ts) to the test bucket with the client's credentials, closed after the test. */
function directCalls(t: Test, client: S3Client): S3DirectCalls {
  const direct = new S3DirectCalls({
    address: new S3Address({
      bucket: config.s3Bucket,
      region: config.awsRegion,
      endpoint: config.s3Endpoint!,
      forcePathStyle: true,
    }),
    signer: createS3Signer(config.awsRegion, client.config.credentials),
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 10_000,
  })
  t.teardown(() => direct.close())
  return direct
}

/** The HTTP status an SDK call ended with. */
const statusOf = (call: Promise<unknown>): Promise<number | undefined> =>
  call.then(
    () => 200,
    (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
  )

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

t.test(
  'a 403 for a missing key (AWS, when listing needs a prefix) reads as missing; a real refusal stays one',
  async (t) => {
    const client = createS3Client(config)
    t.teardown(() => client.destroy())
    const forbidden = (): Error =>
      Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } })
    let listingRefused = false
    // What AWS answers a HEAD or GET of a missing key when the caller's s3:ListBucket is limited to a prefix.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? ''
        if (listingRefused && command === 'ListObjectsV2Command') throw forbidden()
        try {
          return await next(args)
        } catch (error) {
          if (isS3NotFound(error) && ['HeadObjectCommand', 'GetObjectCommand'].includes(command)) throw forbidden()
          throw error
        }
      },
      { step: 'initialize', name: 'forbiddenForMissingKeys' },
    )
    const limited = new S3ObjectStore({
      client,
      bucket: config.s3Bucket,
      signer: new SdkUrlSigner(client, config.s3Bucket),
      publicUrl: (key) => key,
      keyPrefix: config.s3KeyPrefix,
    })
    const present = `${config.s3KeyPrefix}w/present.png`
    const missing = `${config.s3KeyPrefix}w/missing.png`
    await limited.writeObject(present, fileOf('image/png', 100), 'image/png')
    t.equal(
      await statusOf(client.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: missing }))),
      403,
      'S3 says 403',
    )

    t.equal((await limited.head(present))?.size, 100)
    t.equal(await limited.head(missing), undefined, 'head')
    t.equal(await limited.readPrefix(missing, 16), undefined, 'readPrefix')
    t.equal(await limited.readObject(missing, 1024), undefined, 'readObject')
    t.equal(await limited.storedDigest(missing), undefined, 'storedDigest')

    // The same through the direct calls confirm uses (s3-direct-calls.ts): MinIO's 404s turned into AWS's 403s.
    const direct = directCalls(t, client)
    const as403 = (error: unknown): never => {
      throw isS3NotFound(error) ? new S3HttpError(403, Buffer.from('<Error><Code>AccessDenied</Code></Error>')) : error
    }
    const realHead = direct.head.bind(direct)
    const realPrefix = direct.readPrefix.bind(direct)
    direct.head = (key) => realHead(key).catch(as403)
    direct.readPrefix = (key, length) => realPrefix(key, length).catch(as403)
    const limitedDirect = new S3ObjectStore({
      client,
      bucket: config.s3Bucket,
      signer: new SdkUrlSigner(client, config.s3Bucket),
      publicUrl: (key) => key,
      keyPrefix: config.s3KeyPrefix,
      direct,
    })
    t.equal((await limitedDirect.head(present))?.size, 100, 'direct: head')
    t.same(Buffer.from((await limitedDirect.readPrefix(present, 8))!), fileOf('image/png', 100).subarray(0, 8))
    t.equal(await limitedDirect.head(missing), undefined, 'direct: head of a missing key')
    t.equal(await limitedDirect.readPrefix(missing, 16), undefined, 'direct: readPrefix of a missing key')
    t.equal(await limitedDirect.storedDigest(missing), undefined, 'direct: storedDigest of a missing key')

    listingRefused = true
    t.equal(await statusOf(limited.head(missing)), 403, 'cannot tell: the refusal stands')
    t.equal(await statusOf(limitedDirect.head(missing)), 403, 'direct: cannot tell either')
  },
)

t.test(
  'storedDigest reads the size, the sha256 metadata and the checksum S3 verified: direct and through the SDK',
  async (t) => {
    const client = createS3Client(config)
    t.teardown(() => client.destroy())
    const bytes = fileOf('image/png', 300)
    const sha256 = createHash('sha256').update(bytes).digest()
    const key = `${config.s3KeyPrefix}w/digest.png`
    await client.send(
      new PutObjectCommand({
        Bucket: config.s3Bucket,
        Key: key,
        Body: bytes,
        Metadata: { sha256: sha256.toString('hex') },
        ChecksumSHA256: sha256.toString('base64'),
      }),
    )
    const expected = { size: 300, sha256: sha256.toString('hex'), checksumSha256: sha256.toString('base64') }
    const opened = openObjectStore(config)
    t.teardown(() => opened.close())
    t.same(await opened.storedDigest(key), expected, 'direct, as the API and hoist migrate read it')
    // hoist migrate's PUT of a small file goes direct too: S3 checks the signed checksum against the bytes.
    const direct = directCalls(t, client)
    const other = `${config.s3KeyPrefix}w/other.png`
    const wrong = { 'content-type': 'image/png', 'x-amz-checksum-sha256': sha256.toString('base64') }
    const refused = await direct.put(other, wrong, fileOf('image/png', 300, 2)).catch((error: unknown) => error)
    t.equal((refused as S3HttpError).$metadata?.httpStatusCode, 400, `bytes that do not match: ${String(refused)}`)
    t.equal(await opened.storedDigest(other), undefined, 'and nothing stored')
    await direct.put(other, wrong, bytes)
    t.equal((await opened.storedDigest(other))?.checksumSha256, sha256.toString('base64'), 'the right bytes are')
    const sdkOnly = new S3ObjectStore({
      client,
      bucket: config.s3Bucket,
      signer: new SdkUrlSigner(client, config.s3Bucket),
      publicUrl: (k) => k,
    })
    t.same(await sdkOnly.storedDigest(key), expected, 'through the SDK')
    const start = await sdkOnly.readStart(key, 16)
    t.same(
      { size: start?.head.size, prefix: Buffer.from(start!.prefix) },
      { size: 300, prefix: bytes.subarray(0, 16) },
      'readStart through the SDK: the whole size from Content-Range',
    )
  },
)

t.test(
  'copyObject: a server-side copy keeps bytes, type and cache headers, in one call or in copied parts',
  async (t) => {
    const client = createS3Client(config)
    const own = openObjectStore(config)
    t.teardown(() => {
      client.destroy()
      own.close()
    })
    const bytes = fileOf('video/mp4', 12 * 1024 * 1024, 9)
    const from = `${config.s3KeyPrefix}.private/quarantine/copy-test/source.mp4`
    await own.writeObject(from, bytes, 'video/mp4')
    const head = (await own.head(from))!
    const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
    // Objects over 5 GiB are copied in parts (UploadPartCopy): the same path, forced here with 5 MiB parts.
    for (const [to, limits] of [
      [`${config.s3KeyPrefix}copy-test/whole.mp4`, undefined],
      [`${config.s3KeyPrefix}copy-test/parts.mp4`, { singleCopyMaxBytes: 1, partBytes: 5 * 1024 * 1024 }],
    ] as const) {
      await copyObject(client, config.s3Bucket, from, to, head, limits)
      const copied = await client.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: to }))
      t.same(
        [copied.ContentLength, copied.ContentType, copied.CacheControl],
        [bytes.length, 'video/mp4', head.cacheControl],
      )
      t.equal(sha((await own.readObject(to, bytes.length))!), sha(bytes), `${to}: the same bytes`)
    }
  },
)
