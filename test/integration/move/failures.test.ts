/**
 * A copy that fails (the target refuses one object: a fault injected into the target's S3 client) leaves every URL of
 * that object as it was — a document naming it is not rewritten at all — and --delete-source deletes nothing.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { MongoClient } from 'mongodb'
import t from 'tap'
import { startHoist, uniqueName } from '../../helpers/hoist.js'
import { countObjects, seedSource, urlsIn } from '../../helpers/move-fixture.js'
import { move } from '../../../server/src/move/move.js'
import { parseConfig } from '../../../server/src/config.js'
import { publicUrlOf, s3AddressOf } from '../../../server/src/storage/open-object-store.js'
import { createS3Client } from '../../../server/src/storage/s3-client.js'
import { MongoLedger } from '../../../server/src/storage/mongo-ledger.js'
import type { UploadRecord } from '../../../server/src/uploads/record.js'

const { app, config, s3, db: hoistDb, stack } = await startHoist(t)
const mongo = await new MongoClient(stack.mongoUri).connect()
const appDb = mongo.db(uniqueName('app').replace('-', '_'))
t.teardown(async () => {
  await appDb.dropDatabase()
  await mongo.close()
})
const fixture = await seedSource({ app, config, s3, hoistDb, appDb, uploads: 3 })
const targetConfig = parseConfig({ ...config, s3Bucket: uniqueName('moved') })
await s3.send(new CreateBucketCommand({ Bucket: targetConfig.s3Bucket }))
const refused = [...fixture.objects.keys()].find((key) => key.endsWith('.png'))!

t.test('one copy refused: its URLs stay, the documents naming it are left whole, the source is kept', async (t) => {
  const target = createS3Client(targetConfig)
  // The target refuses one object, as a store out of quota or a policy would.
  target.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { Key?: string }).Key === refused && (args.input as { Body?: unknown }).Body)
        throw new Error('injected: the target refuses this object')
      return next(args)
    },
    { step: 'initialize' },
  )
  t.teardown(() => target.destroy())
  const report = await move({
    source: { client: s3, bucket: config.s3Bucket },
    target: { client: target, bucket: targetConfig.s3Bucket, publicUrl: publicUrlOf(targetConfig) },
    keyPrefix: config.s3KeyPrefix,
    oldBases: [publicUrlOf(config)(''), s3AddressOf(config).objectUrl('')],
    targetBucket: 'existing',
    ledger: new MongoLedger(hoistDb),
    appDb,
    collections: ['walkthroughs'],
    dryRun: false,
    deleteSource: true,
    concurrency: 2,
    partSize: config.multipartPartSizeBytes,
  })
  t.same(
    report.objects.failed.map((failure) => failure.key),
    [refused],
  )
  t.equal(report.objects.deletedFromSource, 0)
  t.match(report.sourceKeptBecause, /failure/)
  t.equal(await countObjects(s3, config.s3Bucket), fixture.objects.size, 'the source keeps every object')
  t.equal(report.documents.skipped.length, 1, 'the document naming it is reported')
  const urls = await urlsIn(appDb)
  t.ok(
    urls.filter((url) => url.includes(refused)).every((url) => url.includes(config.s3Bucket)),
    'every URL of the refused object still names the source',
  )
  const record = await hoistDb.collection<UploadRecord>('uploads').findOne({ key: refused })
  t.match(record?.url, config.s3Bucket, "its record's URL stays")
  t.ok(
    record?.variants?.every((variant) => variant.url?.includes(targetConfig.s3Bucket)),
    'its variants, copied, moved',
  )
})
