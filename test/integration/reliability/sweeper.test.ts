/**
 * The sweeper: pending uploads past their expiry go pending → expired, their objects and multipart uploads go away;
 * several sweepers at once expire each record once; a late confirm racing the sweeper has exactly one winner.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { sweepExpired } from '../../../server/src/uploads/sweeper.js'
import { confirmUpload, createUpload, putObject, type SingleInstructions } from '../../helpers/api.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'

const MiB = 1024 * 1024
const { app, db, config, stack } = await startHoist(t, { config: { multipartThresholdBytes: 8 * MiB, multipartPartSizeBytes: 5 * MiB } })
const uploads = db.collection('uploads')
const deps = { ledger: app.ledger, store: app.objectStore }

/** A pending single upload with its object in the bucket, made to look long expired. */
async function expiredUpload(name: string): Promise<SingleInstructions> {
  const bytes = fileOf('image/png', 2000)
  const created = (await createUpload(app, { filename: name, contentType: 'image/png', size: bytes.length })).json() as SingleInstructions
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
  const signed = (await app.inject({ method: 'POST', url: `/v1/uploads/${created.id}/parts`, headers: bearer(), payload: { partNumbers: [1] } })).json()
  await fetch(signed.parts[0].url, { method: 'PUT', headers: signed.parts[0].headers, body: fileOf('video/mp4', signed.parts[0].size) })
  await uploads.updateOne({ _id: created.id }, { $set: { expiresAt: new Date(Date.now() - 60_000) } })
  await sweepExpired(deps)
  t.equal((await uploads.findOne({ _id: created.id }))?.status, 'expired')
  t.same(await app.objectStore.listMultipartUploads(created.key), [])
})

t.test('three sweepers at once expire each record exactly once', async (t) => {
  const created = await Promise.all(Array.from({ length: 12 }, (_, i) => expiredUpload(`many-${i}.png`)))
  const results = await Promise.all([sweepExpired(deps), sweepExpired(deps), sweepExpired(deps)])
  t.equal(results.reduce((sum, r) => sum + r.expired, 0), 12, 'twelve transitions in all, whoever made them')
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
  const created = (await createUpload(sweeping.app, { filename: 'a.png', contentType: 'image/png', size: bytes.length })).json()
  await sweeping.db.collection('uploads').updateOne({ _id: created.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } })
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
