/**
 * The sweeper, for pending uploads past their expiry: what reached the bucket and verifies is confirmed (the client
 * vanished after its PUT), what did not expires and its object or parts go away; several sweepers at once move each
 * record once; a late confirm racing the sweeper makes one transition.
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
const deps = {
  ledger: app.ledger,
  maintenance: app.ledgerMaintenance,
  store: app.objectStore,
  confirmer: app.confirmer,
  clock: () => new Date(),
}

/** A pending single upload made to look long expired; `bytes` (if given) are PUT first, as a client that then vanished. */
async function expiredUpload(name: string, bytes?: Buffer<ArrayBuffer>): Promise<SingleInstructions> {
  const created = (
    await createUpload(app, { filename: name, contentType: 'image/png', size: bytes?.length ?? 2000 })
  ).json<SingleInstructions>()
  if (bytes) await putObject(created, bytes)
  await uploads.updateOne({ _id: created.id as never }, { $set: { expiresAt: new Date(Date.now() - 60_000) } })
  return created
}

const events = (uploadId: string) => db.collection('upload_events').find({ uploadId }).toArray()

t.test('a pending upload whose file never arrived expires; an unexpired one is left alone', async (t) => {
  const created = await expiredUpload('never-sent.png')
  const fresh = (await createUpload(app, { filename: 'new.png', contentType: 'image/png', size: 10 })).json()
  const result = await sweepExpired(deps)
  t.ok(result.expired >= 1)
  t.equal((await uploads.findOne({ _id: created.id as never }))?.status, 'expired')
  t.same(
    (await events(created.id)).map((e) => e.type),
    ['upload.expired'],
    'one event',
  )
  t.equal((await uploads.findOne({ _id: fresh.id }))?.status, 'pending', 'an unexpired upload is left alone')
  t.equal((await confirmUpload(app, created.id)).statusCode, 409, 'an expired upload cannot be confirmed')
})

t.test('a file uploaded by a client that never confirmed is confirmed by the sweeper, with one event', async (t) => {
  const bytes = fileOf('image/png', 2000, 21)
  const created = await expiredUpload('tab-closed.png', bytes)
  const result = await sweepExpired(deps)
  t.ok(result.confirmed >= 1)
  const record = await uploads.findOne({ _id: created.id as never })
  t.same([record?.status, record?.confirmedBy], ['confirmed', 'sweeper'])
  t.equal((await app.objectStore.head(created.key))?.size, 2000, 'the file is kept')
  t.same(
    (await events(created.id)).map((e) => e.type),
    ['upload.confirmed'],
    'one event',
  )
})

t.test('a file that fails verification is rejected by the sweeper, not confirmed', async (t) => {
  const created = await expiredUpload('fake.png', fileOf('text/html', 2000))
  await sweepExpired(deps)
  t.equal((await uploads.findOne({ _id: created.id as never }))?.status, 'rejected')
  t.equal(await app.objectStore.head(created.key), undefined)
})

t.test(
  'multipart: all parts there → completed and confirmed by the sweeper; parts missing → expired and aborted',
  async (t) => {
    const complete = (
      await createUpload(app, { filename: 'done.mp4', contentType: 'video/mp4', size: 12 * MiB })
    ).json()
    const partial = (await createUpload(app, { filename: 'half.mp4', contentType: 'video/mp4', size: 12 * MiB })).json()
    const bytes = fileOf('video/mp4', 12 * MiB)
    const sign = async (id: string, partNumbers: number[]) =>
      (
        await app.inject({
          method: 'POST',
          url: `/v1/uploads/${id}/parts`,
          headers: bearer(),
          payload: { partNumbers },
        })
      ).json().parts
    for (const part of await sign(complete.id, [1, 2, 3])) {
      await fetch(part.url, {
        method: 'PUT',
        headers: part.headers,
        body: bytes.subarray((part.partNumber - 1) * 5 * MiB, (part.partNumber - 1) * 5 * MiB + part.size),
      })
    }
    const [first] = await sign(partial.id, [1])
    await fetch(first.url, { method: 'PUT', headers: first.headers, body: bytes.subarray(0, 5 * MiB) })
    await uploads.updateMany(
      { _id: { $in: [complete.id, partial.id] } },
      { $set: { expiresAt: new Date(Date.now() - 60_000) } },
    )
    await sweepExpired(deps)
    t.same(
      [(await uploads.findOne({ _id: complete.id }))?.status, (await app.objectStore.head(complete.key))?.size],
      ['confirmed', 12 * MiB],
    )
    t.equal((await uploads.findOne({ _id: partial.id }))?.status, 'expired')
    t.same(await app.objectStore.listMultipartUploads(partial.key), [], 'no parts left')
  },
)

t.test('three sweepers at once move each record once', async (t) => {
  const created = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      expiredUpload(`many-${i}.png`, i % 2 ? fileOf('image/png', 2000, i) : undefined),
    ),
  )
  const results = await Promise.all([sweepExpired(deps), sweepExpired(deps), sweepExpired(deps)])
  t.equal(
    results.reduce((sum, r) => sum + r.expired, 0),
    6,
    'six expired, whoever expired them',
  )
  t.equal(
    results.reduce((sum, r) => sum + r.confirmed, 0),
    6,
    'six confirmed from the bucket',
  )
  for (const upload of created) t.equal((await events(upload.id)).length, 1, 'one transition each')
})

t.test(
  'a late confirm racing the sweeper: exactly one transition, and the uploaded file is kept either way',
  async (t) => {
    for (let round = 0; round < 10; round++) {
      const created = await expiredUpload(`race-${round}.png`, fileOf('image/png', 2000, 100 + round))
      const [confirmed] = await Promise.all([confirmUpload(app, created.id), sweepExpired(deps)])
      const record = await uploads.findOne({ _id: created.id as never })
      t.equal(record?.status, 'confirmed', `round ${round}: confirmed by ${record?.confirmedBy}`)
      t.equal(confirmed.statusCode, 200, 'the client’s confirm says so')
      t.equal((await app.objectStore.head(created.key))?.size, 2000)
      t.equal((await events(created.id)).length, 1, 'one transition')
    }
  },
)

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
