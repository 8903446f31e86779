/**
 * `hoist move` between two buckets of the stack's MinIO: a dry run changes nothing; the move copies every object
 * (variants and a multipart-sized one included) with its headers, and afterwards every URL in the app's documents and
 * Hoist's records names the new bucket and serves the same bytes; a second run copies nothing; --delete-source then
 * empties the source.
 */
import { GetBucketPolicyCommand, HeadBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { MongoClient } from 'mongodb'
import t from 'tap'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { startHoist, uniqueName } from '../../helpers/hoist.js'
import { sharedStack } from '../../helpers/stack.js'
import { countObjects, LARGE_OBJECT_BYTES, seedSource, urlsIn } from '../../helpers/move-fixture.js'
import type { UploadRecord } from '../../../server/src/uploads/record.js'

const UPLOADS = 6
const sourceBucket = uniqueName('t')
const shared = await sharedStack(t)
const hoist = await startHoist(t, {
  stack: shared,
  config: {
    s3Bucket: sourceBucket,
    // A "CDN" in front of the bucket: another host name for the same server, so its URLs differ from the bucket's own
    // (the fixture's documents use both).
    publicBaseUrl: `${shared.s3.endpoint.replace('127.0.0.1', 'localhost')}/${sourceBucket}`,
    multipartPartSizeBytes: 5 * 1024 * 1024,
  },
})
const { config, s3, db: hoistDb, stack, app } = hoist
const mongo = await new MongoClient(stack.mongoUri).connect()
const appDb = mongo.db(uniqueName('app').replace('-', '_'))
t.teardown(async () => {
  await appDb.dropDatabase()
  await mongo.close()
})
const fixture = await seedSource({ app, config, s3, hoistDb, appDb, uploads: UPLOADS })
const targetBucket = uniqueName('moved')
const env = {
  ...cliEnv(stack, config),
  PUBLIC_BASE_URL: config.publicBaseUrl!,
  MULTIPART_PART_SIZE_BYTES: String(5 * 1024 * 1024),
}
const args = ['move', '--to-bucket', targetBucket, '--db', appDb.databaseName, '--collection', 'walkthroughs']
const targetBase = `${stack.s3.endpoint}/${targetBucket}/`

async function bucketExists(bucket: string): Promise<boolean> {
  return s3.send(new HeadBucketCommand({ Bucket: bucket })).then(
    () => true,
    () => false,
  )
}

t.test('bad input is a usage error naming each problem (exit 2), before anything is touched', async (t) => {
  const missing = await runHoist(['move', '--to-endpoint', 'minio:9000'], env)
  t.equal(missing.code, 2)
  t.match(missing.stderr, '--to-bucket <name> is required')
  t.match(missing.stderr, '--to-endpoint is an http(s) URL')
  t.match(missing.stderr, '--db <name> is required')
  t.match(missing.stderr, '--collection <name> is required')
  t.match(missing.stderr, 'usage: hoist move')
  const itself = await runHoist(['move', '--to-bucket', config.s3Bucket, '--db', 'app', '--collection', 'c'], env)
  t.equal(itself.code, 2)
  t.match(itself.stderr, 'the target is the source bucket')
  const halfCredentials = await runHoist([...args, '--dry-run'], { ...env, TO_AWS_ACCESS_KEY_ID: 'only-the-id' })
  t.equal(halfCredentials.code, 2)
  t.match(halfCredentials.stderr, 'TO_AWS_ACCESS_KEY_ID and TO_AWS_SECRET_ACCESS_KEY go together')
})

t.test('--dry-run counts the objects and bytes, and changes nothing', async (t) => {
  const documentsBefore = await urlsIn(appDb)
  const result = await runHoist([...args, '--dry-run'], env)
  t.equal(result.code, 0, result.stdout + result.stderr)
  const bytes = [...fixture.objects.values()].reduce((sum, b) => sum + b.length, 0)
  t.match(result.stdout, `to copy:              ${fixture.objects.size} (${bytes} bytes)`)
  t.match(result.stdout, `upload records:       ${UPLOADS} to rewrite`)
  t.match(
    result.stdout,
    `documents:            ${UPLOADS + 1} scanned, ${UPLOADS + 1} with source URLs, ${UPLOADS + 1} to rewrite`,
  )
  t.match(result.stdout, 'target bucket:        to create')
  t.equal(await bucketExists(targetBucket), false, 'no bucket created')
  t.same(await urlsIn(appDb), documentsBefore, 'no document changed')
  t.equal(await hoistDb.collection<UploadRecord>('uploads').findOne({ url: { $regex: targetBucket } }), null)
})

t.test('the move: every URL names the new bucket and serves the same bytes, with the same headers', async (t) => {
  const result = await runHoist(args, env)
  t.equal(result.code, 0, result.stdout + result.stderr)
  t.match(result.stdout, `copied:               ${fixture.objects.size} (`)
  t.match(result.stdout, 'target bucket:        created')
  t.match(result.stdout, `S3_BUCKET_NAME=${targetBucket}`, 'says which settings to change')
  t.match(result.stdout, 'Rollback: the source still holds every object')

  const policy = await s3.send(new GetBucketPolicyCommand({ Bucket: targetBucket }))
  t.match(
    policy.Policy,
    `arn:aws:s3:::${targetBucket}/${config.s3KeyPrefix}*`,
    'public read of the prefix only, as bucket setup sets it',
  )

  const urls = await urlsIn(appDb)
  t.ok(urls.length >= UPLOADS * 4, `${urls.length} URLs in the documents`)
  for (const url of urls) {
    t.ok(url.startsWith(targetBase), `${url} names the new bucket`)
    const key = decodeURIComponent(new URL(url).pathname.slice(`/${targetBucket}/`.length))
    const served = await fetch(url)
    t.equal(served.status, 200, url)
    t.ok(Buffer.from(await served.arrayBuffer()).equals(fixture.objects.get(key)!), `${key}: the same bytes`)
  }
  t.ok(
    urls.some((url) => url.endsWith('?w=640&v=2')),
    'a query string is kept',
  )
  t.ok(
    urls.some((url) => url.endsWith('#top')),
    'a fragment is kept',
  )

  const records = await hoistDb.collection<UploadRecord>('uploads').find({}).toArray()
  t.equal(records.length, UPLOADS)
  for (const record of records) {
    t.equal(record.url, `${targetBase}${record.key}`, 'was the CDN form')
    t.equal(record.status, 'confirmed')
    for (const variant of record.variants ?? []) t.equal(variant.url, `${targetBase}${variant.key}`)
  }

  const source = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: fixture.largeKey }))
  const copy = await s3.send(
    new HeadObjectCommand({ Bucket: targetBucket, Key: fixture.largeKey, ChecksumMode: 'ENABLED' }),
  )
  t.equal(copy.ContentLength, LARGE_OBJECT_BYTES)
  t.equal(copy.ContentType, source.ContentType)
  t.equal(copy.CacheControl, source.CacheControl)
  t.match(copy.ChecksumSHA256, /-2$/, 'copied in two parts, each verified by the target')
  const small = [...fixture.objects.keys()].find((key) => key.endsWith('.w320.webp'))!
  const smallSource = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: small }))
  const smallCopy = await s3.send(new HeadObjectCommand({ Bucket: targetBucket, Key: small }))
  t.equal(smallCopy.ContentType, 'image/webp')
  t.equal(smallCopy.ContentType, smallSource.ContentType, 'a small copy keeps its Content-Type')
  t.equal(smallCopy.CacheControl, smallSource.CacheControl, 'and its Cache-Control')
  t.equal(await countObjects(s3, config.s3Bucket), fixture.objects.size, 'the source keeps every object')
})

t.test('run again: nothing copied, nothing rewritten', async (t) => {
  const before = await urlsIn(appDb)
  const result = await runHoist(args, env)
  t.equal(result.code, 0, result.stdout + result.stderr)
  t.match(result.stdout, 'copied:               0 (0 bytes)')
  t.match(result.stdout, `already at target:    ${fixture.objects.size}`)
  t.match(result.stdout, 'upload records:       0 rewritten')
  t.match(result.stdout, `${UPLOADS + 1} scanned, 0 with source URLs, 0 rewritten`)
  t.same(await urlsIn(appDb), before)
})

t.test('--delete-source removes the source objects once every copy is verified', async (t) => {
  const result = await runHoist([...args, '--delete-source'], env)
  t.equal(result.code, 0, result.stdout + result.stderr)
  t.match(result.stdout, `deleted from source:  ${fixture.objects.size}`)
  t.equal(await countObjects(s3, config.s3Bucket), 0)
  t.equal(await countObjects(s3, targetBucket), fixture.objects.size)
  for (const url of await urlsIn(appDb)) t.equal((await fetch(url)).status, 200, `${url} still serves`)
})
