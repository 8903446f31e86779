/**
 * `hoist move` killed (SIGKILL, no clean-up) once some objects are at the target, then run again: it copies only what
 * is missing — nothing twice — and every URL of the app's documents then names the new bucket and serves the same
 * bytes. No document is rewritten before every object is copied and verified.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { setTimeout as sleep } from 'node:timers/promises'
import { MongoClient } from 'mongodb'
import t from 'tap'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist, uniqueName } from '../../helpers/hoist.js'
import { countObjects, urlsIn } from '../../helpers/move-fixture.js'
import { s3AddressOf } from '../../../server/src/storage/open-object-store.js'

const FILES = 40
const { config, s3, stack } = await startHoist(t)
const mongo = await new MongoClient(stack.mongoUri).connect()
const appDb = mongo.db(uniqueName('app').replace('-', '_'))
t.teardown(async () => {
  await appDb.dropDatabase()
  await mongo.close()
})
const objects = new Map<string, Buffer>()
for (let i = 0; i < FILES; i++) {
  const key = `${config.s3KeyPrefix}w1/steps/${i}.png`
  const bytes = fileOf('image/png', 1_000_000 + i, i + 1)
  await s3.send(new PutObjectCommand({ Bucket: config.s3Bucket, Key: key, Body: bytes, ContentType: 'image/png' }))
  objects.set(key, bytes)
}
await appDb.collection('walkthroughs').insertMany(
  [...objects.keys()].map((key, i) => ({
    title: `w${i}`,
    steps: [{ blocks: [{ type: 'image', data: { url: s3AddressOf(config).objectUrl(key) } }] }],
  })),
)
const targetBucket = uniqueName('moved')
const args = ['move', '--to-bucket', targetBucket, '--db', appDb.databaseName, '--collection', 'walkthroughs']
const env = cliEnv(stack, config)
const targetBase = `${stack.s3.endpoint}/${targetBucket}/`

t.test('killed after some copies, then run again: each object copied once, every URL moved', async (t) => {
  let kill: (() => void) | undefined
  const first = runHoist([...args, '--concurrency', '1'], env, (_text, killer) => (kill = killer))
  let exited = false
  void first.then(() => (exited = true))
  // Killed on evidence of progress (objects at the target), not after a guessed time.
  while (!exited) {
    if ((await countObjects(s3, targetBucket).catch(() => 0)) >= 5) {
      kill?.()
      break
    }
    await sleep(10)
  }
  const killed = await first
  t.equal(killed.signal, 'SIGKILL', killed.stdout + killed.stderr)
  const atKill = await countObjects(s3, targetBucket)
  t.ok(atKill >= 5 && atKill < FILES, `the first run was cut short with ${atKill} objects at the target`)
  t.ok(
    (await urlsIn(appDb)).every((url) => !url.startsWith(targetBase)),
    'no document was rewritten before every object was copied',
  )

  const second = await runHoist(args, env)
  t.equal(second.code, 0, second.stdout + second.stderr)
  t.match(second.stdout, `already at target:    ${atKill} `, 'what the first run copied is kept')
  t.match(second.stdout, `copied:               ${FILES - atKill} (`, 'only the rest is copied')
  t.equal(await countObjects(s3, targetBucket), FILES)
  const urls = await urlsIn(appDb)
  t.equal(urls.length, FILES)
  for (const url of urls) {
    t.ok(url.startsWith(targetBase), url)
    const served = Buffer.from(await (await fetch(url)).arrayBuffer())
    t.ok(served.equals(objects.get(url.slice(targetBase.length))!), `${url}: the same bytes`)
  }
})
