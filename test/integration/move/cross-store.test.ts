/**
 * `hoist move` to another S3-compatible store: a second MinIO server with its own credentials (TO_AWS_*), a target
 * bucket it creates there, and a public base URL of its own. Every URL then serves the same bytes from that store.
 */
import { MongoClient } from 'mongodb'
import t from 'tap'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { startHoist, uniqueName } from '../../helpers/hoist.js'
import { seedSource, urlsIn } from '../../helpers/move-fixture.js'
import { ownedMinio } from '../../helpers/stack.js'
import type { UploadRecord } from '../../../server/src/uploads/record.js'

const {
  app,
  config,
  s3,
  db: hoistDb,
  stack,
} = await startHoist(t, {
  config: { multipartPartSizeBytes: 5 * 1024 * 1024 },
})
const other = await ownedMinio(t, { accessKeyId: 'hoist-target', secretAccessKey: 'hoist-target-secret-key' })
const mongo = await new MongoClient(stack.mongoUri).connect()
const appDb = mongo.db(uniqueName('app').replace('-', '_'))
t.teardown(async () => {
  await appDb.dropDatabase()
  await mongo.close()
})
const fixture = await seedSource({ app, config, s3, hoistDb, appDb, uploads: 3 })
const targetBucket = uniqueName('r2')
// The new store's "CDN": another name for the server than the bucket's own URL, so the base given is the one used.
const newBase = `${other.endpoint.replace('127.0.0.1', 'localhost')}/${targetBucket}`
const args = [
  'move',
  '--to-bucket',
  targetBucket,
  '--to-endpoint',
  other.endpoint,
  '--to-public-base-url',
  newBase,
  '--db',
  appDb.databaseName,
  '--collection',
  'walkthroughs',
]
const env = { ...cliEnv(stack, config), MULTIPART_PART_SIZE_BYTES: String(5 * 1024 * 1024) }

t.test('without the target store credentials the copy is refused, and nothing is rewritten', async (t) => {
  const result = await runHoist(args, env)
  t.not(result.code, 0)
  t.match(
    result.stdout + result.stderr,
    /cannot reach the target bucket s3:\/\/r2-\w+ at http:\/\/127.0.0.1:\d+: access denied: TO_AWS_ACCESS_KEY_ID/,
  )
  t.ok((await urlsIn(appDb)).every((url) => !url.includes(targetBucket)))
})

t.test('with TO_AWS_* credentials: copied there, every URL names the new base and serves the same bytes', async (t) => {
  const result = await runHoist(args, {
    ...env,
    TO_AWS_ACCESS_KEY_ID: other.accessKeyId,
    TO_AWS_SECRET_ACCESS_KEY: other.secretAccessKey,
  })
  t.equal(result.code, 0, result.stdout + result.stderr)
  t.match(result.stdout, `S3_ENDPOINT=${other.endpoint}`)
  t.match(result.stdout, `PUBLIC_BASE_URL=${newBase}`)
  const urls = await urlsIn(appDb)
  for (const url of urls) {
    t.ok(url.startsWith(`${newBase}/`), url)
    const served = Buffer.from(await (await fetch(url)).arrayBuffer())
    const key = new URL(url).pathname.slice(`/${targetBucket}/`.length)
    t.ok(served.equals(fixture.objects.get(key)!), `${key}: the same bytes from the other store`)
  }
  for (const record of await hoistDb.collection<UploadRecord>('uploads').find({}).toArray())
    t.equal(record.url, `${newBase}/${record.key}`)
})
