/**
 * The foundation's promise: a real S3 server and a real MongoDB-wire server, reached over TCP by the official
 * clients, with no fakes anywhere.
 */
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { MongoClient, MongoServerError } from 'mongodb'
import t from 'tap'
import { MongoLedger } from '../../server/src/storage/mongo-ledger.js'
import { DuplicateRecordError } from '../../server/src/storage/ledger.js'
import { createS3Client } from '../../server/src/storage/s3-client.js'
import { fileOf } from '../helpers/fixtures.js'
import { uniqueName } from '../helpers/hoist.js'
import { sharedStack } from '../helpers/stack.js'

const stack = await sharedStack(t)
const s3 = createS3Client({
  awsRegion: stack.s3.region,
  s3Endpoint: stack.s3.endpoint,
  s3ForcePathStyle: stack.s3.forcePathStyle,
  awsAccessKeyId: stack.s3.accessKeyId,
  awsSecretAccessKey: stack.s3.secretAccessKey,
})
t.teardown(() => s3.destroy())

t.test('a bucket is created, a presigned PUT uploads with fetch, and HEAD shows the size', async (t) => {
  const bucket = uniqueName('stack')
  await s3.send(new CreateBucketCommand({ Bucket: bucket }))
  const body = fileOf('image/png', 12_345)
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({ Bucket: bucket, Key: 'a/b.png', ContentType: 'image/png' }),
    {
      expiresIn: 60,
    },
  )
  const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body })
  t.equal(put.status, 200, await put.text())
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a/b.png' }))
  t.equal(head.ContentLength, 12_345)
  t.equal(head.ContentType, 'image/png')
})

t.test('MongoDB round trip through the official driver', async (t) => {
  const client = new MongoClient(stack.mongoUri)
  t.teardown(() => client.close())
  const db = client.db(uniqueName('stack').replace('-', '_'))
  t.teardown(() => db.dropDatabase())
  const things = db.collection<{ _id: string; n: number }>('things')
  await things.insertOne({ _id: 'one', n: 1 })
  t.same(await things.findOne({ _id: 'one' }), { _id: 'one', n: 1 })

  t.test('a unique-index violation surfaces as a typed error', async (t) => {
    await things.createIndex({ n: 1 }, { unique: true })
    const error = await things.insertOne({ _id: 'two', n: 1 }).catch((e: unknown) => e)
    t.ok(error instanceof MongoServerError, 'the driver raises MongoServerError')
    t.equal((error as MongoServerError).code, 11000)
  })

  t.test('the ledger turns it into DuplicateRecordError', async (t) => {
    const ledger = new MongoLedger(db)
    await ledger.ensureIndexes()
    const now = new Date()
    const record = {
      _id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      workspaceId: 'w',
      userId: 'u',
      key: 'w/k.png',
      filename: 'k.png',
      contentType: 'image/png',
      kind: 'image' as const,
      size: 1,
      status: 'pending' as const,
      strategy: 'single' as const,
      source: 'api' as const,
      createdAt: now,
      updatedAt: now,
      expiresAt: now,
    }
    await ledger.insert(record)
    await t.rejects(ledger.insert({ ...record, _id: '01ARZ3NDEKTSV4RRFFQ69G5FAW' }), DuplicateRecordError)
  })
})
