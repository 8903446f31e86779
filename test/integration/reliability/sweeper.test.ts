/**
 * The sweeper: pending uploads past their expiry go pending → expired, their objects and multipart uploads go away;
 * several sweepers at once expire each record once; a late confirm racing the sweeper has exactly one winner.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { sweepExpired } from '../../../server/src/uploads/sweeper.js'
import { confirmUpload, createUpload, deleteUpload, putObject } from '../../helpers/api.js'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { LATE_PUT_GRACE_MS } from '../../../server/src/uploads/tombstone.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'

const MiB = 1024 * 1024
const { app, db, config, stack } = await startHoist(t, {
  config: { multipartThresholdBytes: 8 * MiB, multipartPartSizeBytes: 5 * MiB },
})
const uploads = db.collection('uploads')
const deps = { ledger: app.ledger, maintenance: app.ledgerMaintenance, store: app.objectStore, clock: () => new Date() }

/** A pending single upload with its object in the bucket, made to look long expired. */
async function expiredUpload(name: string): Promise<SingleInstructions> {
  const bytes = fileOf('image/png', 2000)
  const created = (
    await createUpload(app, { filename: name, contentType: 'image/png', size: bytes.length })
  ).json<SingleInstructions>()
  await putObject(created, bytes)
  await uploads.updateOne({ _id: created.id as never }, { $set: { expiresAt: new Date(Date.now() - 60_000) } })
  return created
}

t.test('an expired pending upload is marked expired and its object deleted', async (t) => {
  const created = await expiredUpload('old.png')
  const fresh = (await createUpload(app, { filename: 'new.png', contentType: 'image/png', size: 10 })).json()
  const result = await sweepExpired(deps)
  t.ok(result.expired >= 1)
  t.equal((await uploads.findOne({ _id: created.id as never }))?.status, 'expired')
  t.equal(await app.objectStore.head(created.key), undefined, 'the object is gone')
  t.equal((await uploads.findOne({ _id: fresh.id }))?.status, 'pending', 'an unexpired upload is left alone')
  t.equal((await confirmUpload(app, created.id)).statusCode, 409, 'an expired upload cannot be confirmed')
})

t.test('an expired multipart upload is aborted: no parts left', async (t) => {
  const created = (await createUpload(app, { filename: 'big.mp4', contentType: 'video/mp4', size: 12 * MiB })).json()
  const signed = (
    await app.inject({
      method: 'POST',
      url: `/v1/uploads/${created.id}/parts`,
      headers: bearer(),
      payload: { partNumbers: [1] },
    })
  ).json()
  await fetch(signed.parts[0].url, {
    method: 'PUT',
    headers: signed.parts[0].headers,
    body: fileOf('video/mp4', signed.parts[0].size),
  })
  await uploads.updateOne({ _id: created.id }, { $set: { expiresAt: new Date(Date.now() - 60_000) } })
  await sweepExpired(deps)
  t.equal((await uploads.findOne({ _id: created.id }))?.status, 'expired')
  t.same(await app.objectStore.listMultipartUploads(created.key), [])
})

t.test('three sweepers at once expire each record exactly once', async (t) => {
  const created = await Promise.all(Array.from({ length: 12 }, (_, i) => expiredUpload(`many-${i}.png`)))
  const results = await Promise.all([sweepExpired(deps), sweepExpired(deps), sweepExpired(deps)])
  t.equal(
    results.reduce((sum, r) => sum + r.expired, 0),
    12,
    'twelve transitions in all, whoever made them',
  )
  for (const upload of created) {
    t.equal(await db.collection('upload_transitions').countDocuments({ uploadId: upload.id }), 1)
    t.equal(await app.objectStore.head(upload.key), undefined)
  }
})

t.test('a late confirm racing the sweeper: exactly one wins and the invariant holds', async (t) => {
  for (let round = 0; round < 20; round++) {
    const created = await expiredUpload(`race-${round}.png`)
    const [confirmed] = await Promise.all([confirmUpload(app, created.id), sweepExpired(deps)])
    const record = await uploads.findOne({ _id: created.id as never })
    const head = await app.objectStore.head(created.key)
    if (record?.status === 'confirmed') {
      t.equal(confirmed.statusCode, 200, `round ${round}: confirm won`)
      t.equal(head?.size, 2000, 'and its object is there')
    } else {
      t.equal(record?.status, 'expired', `round ${round}: the sweeper won`)
      t.equal(confirmed.statusCode, 409, 'and the confirm was told so')
      t.equal(head, undefined, 'and the object is gone')
    }
    t.equal(await db.collection('upload_transitions').countDocuments({ uploadId: created.id }), 1, 'one transition')
  }
})

t.test('the API sweeps by itself every SWEEP_INTERVAL_SECONDS', async (t) => {
  const sweeping = await startHoist(t, { stack, config: { sweepIntervalSeconds: 1 } })
  const bytes = fileOf('image/png', 500)
  const created = (
    await createUpload(sweeping.app, { filename: 'a.png', contentType: 'image/png', size: bytes.length })
  ).json()
  await sweeping.db
    .collection('uploads')
    .updateOne({ _id: created.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } })
  let status
  for (let i = 0; i < 40 && status !== 'expired'; i++) {
    await sleep(100)
    status = (await sweeping.db.collection('uploads').findOne({ _id: created.id }))?.status
  }
  t.equal(status, 'expired')
})

t.test('hoist sweep does the same from the command line', async (t) => {
  const created = await expiredUpload('cli.png')
  const result = await runHoist(['sweep'], cliEnv(stack, config))
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /expired [1-9]\d* pending upload/)
  t.equal((await uploads.findOne({ _id: created.id as never }))?.status, 'expired')
})

t.test(
  'control 23: no object without a record — a URL replayed after its upload ended leaves nothing once swept',
  async (t) => {
    const png = fileOf('image/png', 2000, 7)
    const html = fileOf('text/html', 2000)
    const afterUrlsDie = (): Date => new Date(Date.now() + config.pendingTtlSeconds * 1000 + LATE_PUT_GRACE_MS + 60_000)
    const cases: [string, (created: SingleInstructions) => Promise<void>][] = [
      ['deleted while pending', async (created) => void (await deleteUpload(app, created.id))],
      [
        'rejected by confirm',
        async (created) => {
          await putObject(created, html)
          t.equal((await confirmUpload(app, created.id)).statusCode, 422)
        },
      ],
      [
        'deleted after confirm',
        async (created) => {
          await putObject(created, png)
          t.equal((await confirmUpload(app, created.id)).statusCode, 200)
          await deleteUpload(app, created.id)
        },
      ],
    ]
    for (const [how, end] of cases) {
      const created = (
        await createUpload(app, { filename: 'replayed.png', contentType: 'image/png', size: png.length })
      ).json<SingleInstructions>()
      await end(created)
      const replay = await putObject(created, png)
      t.equal(replay.status, 200, `${how}: the URL still works (S3 cannot know the record ended)`)
      t.ok(await app.objectStore.head(created.key), `${how}: so an object with no live record exists for now`)
      const early = await sweepExpired(deps)
      t.ok(
        await app.objectStore.head(created.key),
        `${how}: a sweep before the URL dies leaves it (a PUT may still be landing)`,
      )
      t.equal(early.purged, 0)
      const result = await sweepExpired({ ...deps, clock: afterUrlsDie })
      t.ok(result.purged >= 1, `${how}: purged`)
      t.equal(await app.objectStore.head(created.key), undefined, `${how}: after the URL died and a sweep, no object`)
      t.equal(
        (await uploads.findOne({ _id: created.id as never }))?.purgeAfter,
        undefined,
        `${how}: nothing left to purge`,
      )
    }
  },
)
