/**
 * Control 22: doctor --fix, the public-read policy and the lifecycle rule act under S3_KEY_PREFIX only. With an
 * empty prefix they are refused (nothing changes) unless --whole-bucket is given; files of the app that shares the
 * bucket survive.
 */
import { GetBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3'
import t from 'tap'
import { WholeBucketRefusedError } from '../../../server/src/bucket/scope.js'
import { setupBucket, type BucketSetupOptions } from '../../../server/src/bucket/setup.js'
import { runDoctor } from '../../../server/src/doctor/doctor.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { startHoist } from '../../helpers/hoist.js'

const { app, s3, config, stack } = await startHoist(t)
const put = (key: string): Promise<unknown> =>
  s3.send(new PutObjectCommand({ Bucket: config.s3Bucket, Key: key, Body: 'the app’s own file' }))
const policyOf = async (): Promise<{ Sid?: string }[]> => {
  try {
    const policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: config.s3Bucket }))).Policy
    return policy ? (JSON.parse(policy) as { Statement: { Sid?: string }[] }).Statement : []
  } catch {
    return []
  }
}
const setupOptions = (overrides: Partial<BucketSetupOptions>): BucketSetupOptions => ({
  bucket: config.s3Bucket,
  region: config.awsRegion,
  keyPrefix: config.s3KeyPrefix,
  corsOrigins: [],
  access: 'public-read',
  abortIncompleteMultipartAfterDays: 1,
  minio: true,
  wholeBucket: false,
  ...overrides,
})

t.test('the default prefix is uploads/: an object outside it survives doctor --fix', async (t) => {
  t.equal(config.s3KeyPrefix, 'uploads/')
  await put('app-assets/logo.png')
  await put('uploads/ws-a/2020/01/stray.png')
  const report = await runDoctor({
    maintenance: app.ledgerMaintenance,
    store: app.objectStore,
    keyPrefix: config.s3KeyPrefix,
    graceMs: 0,
    fix: true,
  })
  t.same(
    report.orphanObjects.map((o) => o.key),
    ['uploads/ws-a/2020/01/stray.png'],
    'only the stray object under the prefix',
  )
  t.ok(await app.objectStore.head('app-assets/logo.png'), 'the app’s file is still there')
  t.notOk(await app.objectStore.head('uploads/ws-a/2020/01/stray.png'))
})

t.test('doctor --fix on an empty prefix is refused and deletes nothing', async (t) => {
  await put('shared/report.pdf')
  await t.rejects(
    runDoctor({ maintenance: app.ledgerMaintenance, store: app.objectStore, keyPrefix: '', graceMs: 0, fix: true }),
    WholeBucketRefusedError,
  )
  const cli = await runHoist(['doctor', '--fix', '--grace-hours', '0'], { ...cliEnv(stack, config), S3_KEY_PREFIX: '' })
  t.equal(cli.code, 2, cli.stderr)
  t.match(cli.stderr, /S3_KEY_PREFIX is empty/)
  t.ok(await app.objectStore.head('shared/report.pdf'), 'nothing was deleted')
  const report = await runDoctor({
    maintenance: app.ledgerMaintenance,
    store: app.objectStore,
    keyPrefix: '',
    graceMs: 0,
    fix: false,
  })
  t.ok(
    report.orphanObjects.some((o) => o.key === 'shared/report.pdf'),
    'without --fix it only reports',
  )
})

t.test('with --whole-bucket, doctor --fix on an empty prefix does act on the whole bucket', async (t) => {
  await put('whole/stray.png')
  const cli = await runHoist(['doctor', '--fix', '--whole-bucket', '--grace-hours', '0'], {
    ...cliEnv(stack, config),
    S3_KEY_PREFIX: '',
  })
  t.not(cli.code, 2, cli.stderr)
  t.notOk(await app.objectStore.head('whole/stray.png'))
})

t.test('public-read set-up on an empty prefix is refused before anything changes', async (t) => {
  const before = await policyOf()
  await t.rejects(setupBucket(s3, setupOptions({ keyPrefix: '' })), WholeBucketRefusedError)
  t.same(await policyOf(), before, 'the policy is as it was')
  await t.rejects(
    setupBucket(s3, setupOptions({ keyPrefix: '', access: 'private', minio: false })),
    WholeBucketRefusedError,
    'a bucket-wide lifecycle rule too',
  )
  const cli = await runHoist(['bucket', 'setup'], { ...cliEnv(stack, config), S3_KEY_PREFIX: '' })
  t.equal(cli.code, 2)
  t.match(cli.stderr, /--whole-bucket/)
})

t.test('bucket setup --access private removes Hoist’s public statement and keeps others', async (t) => {
  await setupBucket(s3, setupOptions({}))
  const theirs = {
    Sid: 'TheirTeamReadsReports',
    Effect: 'Allow',
    Principal: { AWS: ['*'] },
    Action: ['s3:GetObject'],
    Resource: [`arn:aws:s3:::${config.s3Bucket}/reports/*`],
  }
  const ours = (await policyOf()).filter((s) => s.Sid === 'HoistPublicReadUploads')
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: config.s3Bucket,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [...ours, theirs] }),
    }),
  )
  await put('uploads/ws-a/public.png')
  t.equal(
    (await fetch(`${stack.s3.endpoint}/${config.s3Bucket}/uploads/ws-a/public.png`)).status,
    200,
    'readable while public',
  )

  const reports = await setupBucket(s3, setupOptions({ access: 'private' }))
  t.equal(reports.find((r) => r.step === 'policy')?.outcome, 'removed')
  t.same(
    (await policyOf()).map((s) => s.Sid),
    ['TheirTeamReadsReports'],
    'their statement stays',
  )
  t.equal(
    (await fetch(`${stack.s3.endpoint}/${config.s3Bucket}/uploads/ws-a/public.png`)).status,
    403,
    'no longer anonymous',
  )
  const again = await setupBucket(s3, setupOptions({ access: 'private' }))
  t.equal(again.find((r) => r.step === 'policy')?.outcome, 'unchanged', 'a second run changes nothing')
})
