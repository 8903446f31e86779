/** A migration killed half-way (SIGKILL, no clean-up) and started again finishes with no duplicates. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { MongoClient } from 'mongodb'
import t from 'tap'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist, uniqueName } from '../../helpers/hoist.js'

const FILES = 40
const { config, s3, db: hoistDb, stack } = await startHoist(t)
const dir = mkdtempSync(join(tmpdir(), 'hoist-legacy-big-'))
const workDir = mkdtempSync(join(tmpdir(), 'hoist-migrate-'))
t.teardown(() => {
  rmSync(dir, { recursive: true, force: true })
  rmSync(workDir, { recursive: true, force: true })
})
mkdirSync(join(dir, 'steps'))
for (let i = 0; i < FILES; i++) writeFileSync(join(dir, 'steps', `${i}.png`), fileOf('image/png', 400_000, i + 1))
const mongo = await new MongoClient(stack.mongoUri).connect()
const legacyDb = mongo.db(uniqueName('legacy').replace('-', '_'))
t.teardown(async () => {
  await legacyDb.dropDatabase()
  await mongo.close()
})
await legacyDb.collection('walkthroughs').insertMany(
  Array.from({ length: FILES }, (_, i) => ({
    title: `w${i}`,
    steps: [{ blocks: [{ type: 'image', data: { url: `/uploads/steps/${i}.png` } }] }],
  })),
)

const args = [
  'migrate',
  '--from',
  dir,
  '--old-prefix',
  '/uploads/',
  '--db',
  legacyDb.databaseName,
  '--concurrency',
  '1',
  '--report',
  join(workDir, 'report.json'),
  '--manifest',
  join(workDir, 'manifest.json'),
]
const countObjects = async (): Promise<number> =>
  (await s3.send(new ListObjectsV2Command({ Bucket: config.s3Bucket }))).KeyCount ?? 0

t.test('killed after some uploads, then run again: every file once, every URL rewritten', async (t) => {
  let killedAt = ''
  const first = await runHoist(args, cliEnv(stack, config), (text, kill) => {
    const progress = /uploading: (\d+)\/(\d+)/.exec(text)
    if (progress && Number(progress[1]) >= 10 && !killedAt) {
      killedAt = progress[0]
      kill()
    }
  })
  t.equal(first.signal, 'SIGKILL', `killed at "${killedAt}"`)
  const objectsAfterKill = await countObjects()
  const recordsAfterKill = await hoistDb.collection('uploads').countDocuments()
  t.ok(objectsAfterKill >= 10 && objectsAfterKill < FILES, `the first run was cut short (${objectsAfterKill} objects)`)
  t.ok(recordsAfterKill < FILES, `${recordsAfterKill} records before the restart`)
  t.equal(
    await legacyDb.collection('walkthroughs').countDocuments({ 'steps.blocks.data.url': { $regex: '^/uploads/' } }),
    FILES,
    'no document was rewritten before all uploads were verified',
  )

  const second = await runHoist(args, cliEnv(stack, config))
  t.equal(second.code, 0, second.stdout + second.stderr)
  t.equal(await countObjects(), FILES, 'each file is in the bucket once')
  t.equal(await hoistDb.collection('uploads').countDocuments(), FILES, 'one record per file: no duplicates')
  const keys = await hoistDb.collection('uploads').distinct('key')
  t.equal(keys.length, FILES)
  t.equal(
    await legacyDb.collection('walkthroughs').countDocuments({ 'steps.blocks.data.url': { $regex: '^/uploads/' } }),
    0,
    'every URL rewritten',
  )
  t.match(
    second.stdout,
    new RegExp(`already in bucket:\\s+${objectsAfterKill}`),
    'the restart skipped what was already uploaded',
  )
})
