/**
 * GC_INTERVAL_SECONDS: `hoist worker` runs the same gc policy at start and on the interval. An unreferenced upload past
 * the grace period is deleted with reason `unreferenced`; a referenced one is kept.
 */
import t from 'tap'
import { uploadFile } from '../../helpers/api.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { testDatabase } from '../../helpers/database.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'

const { app, db, config, stack } = await startHoist(t)
const { db: appDb } = await testDatabase(t, 'gcworker')
const uploads = db.collection('uploads')
const upload = (name: string) =>
  uploadFile(app, { filename: name, contentType: 'image/png', bytes: fileOf('image/png', 900) })

t.test('the worker deletes the unreferenced upload and keeps the referenced one', async (t) => {
  const unused = await upload('unused.png')
  const used = await upload('used.png')
  const longAgo = new Date(Date.now() - 30 * 86_400_000)
  await uploads.updateMany({ _id: { $in: [unused.id, used.id] as never[] } }, { $set: { confirmedAt: longAgo } })
  await appDb.collection('pages').insertOne({ blocks: [{ image: { src: used.url } }] })
  const result = await runHoist(
    ['worker'],
    {
      ...cliEnv(stack, config),
      GC_INTERVAL_SECONDS: '3600',
      GC_DB: appDb.databaseName,
      GC_COLLECTIONS: 'pages',
    },
    (text, kill) => {
      if (/hoist gc: /.test(text)) kill()
    },
  )
  t.match(result.stdout, /hoist gc: .*deleted 1 unreferenced upload/)
  const [unusedAfter, usedAfter] = await Promise.all(
    [unused, used].map(({ id }) => uploads.findOne({ _id: id as never })),
  )
  t.same([unusedAfter?.status, unusedAfter?.reason], ['deleted', 'unreferenced'])
  t.equal(usedAfter?.status, 'confirmed')
})
