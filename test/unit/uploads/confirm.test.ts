/**
 * Confirm's race and failure paths, on the in-memory ledger and store (milliseconds, no servers): the real adapters
 * keep the same contracts, and the integration tests run the same flows against MinIO and FerretDB.
 */
import t from 'tap'
import type { SingleInstructions } from '../../../protocol/src/uploads.js'
import { fileOf } from '../../helpers/fixtures.js'
import { alice, mallory, memoryServices, type MemoryServices } from '../../doubles/services.js'

const MiB = 1024 * 1024

async function presignedPng(services: MemoryServices, size = 2000): Promise<SingleInstructions> {
  const instructions = await services.uploads.create(alice, { filename: 'a.png', contentType: 'image/png', size })
  if (instructions.strategy !== 'single') throw new Error('expected a single PUT')
  return instructions
}

async function uploadedPng(services: MemoryServices): Promise<SingleInstructions> {
  const instructions = await presignedPng(services)
  await services.store.putObject(instructions.key, fileOf('image/png', 2000), 'image/png')
  return instructions
}

t.test('a verified object is confirmed with its public URL at the clock’s time', async (t) => {
  const services = memoryServices()
  const { id, key } = await uploadedPng(services)
  services.advance(5_000)
  const view = await services.confirmer.confirm(alice, id)
  t.equal(view.status, 'confirmed')
  t.equal(view.url, services.store.publicUrl(key))
  t.equal(view.confirmedAt, services.clock().toISOString())
})

t.test('another workspace cannot confirm it: UPLOAD_NOT_FOUND', async (t) => {
  const services = memoryServices()
  const { id } = await uploadedPng(services)
  await t.rejects(services.confirmer.confirm(mallory, id), { code: 'UPLOAD_NOT_FOUND' })
  t.equal((await services.ledger.getById(id))?.status, 'pending')
})

t.test('not uploaded yet: NOT_UPLOADED_YET and the upload stays pending', async (t) => {
  const services = memoryServices()
  const { id } = await presignedPng(services)
  await t.rejects(services.confirmer.confirm(alice, id), { code: 'NOT_UPLOADED_YET', statusCode: 409 })
  t.equal((await services.ledger.getById(id))?.status, 'pending')
})

t.test('ten concurrent confirms: one transition, identical answers', async (t) => {
  const services = memoryServices()
  const { id } = await uploadedPng(services)
  const views = await Promise.all(Array.from({ length: 10 }, () => services.confirmer.confirm(alice, id)))
  t.equal(new Set(views.map((v) => JSON.stringify(v))).size, 1)
})

t.test('a confirm that loses to a delete answers for the deleted record', async (t) => {
  const services = memoryServices()
  const { id } = await uploadedPng(services)
  const [confirmed, removed] = await Promise.allSettled([
    services.confirmer.confirm(alice, id),
    services.uploads.remove(alice, id),
  ])
  const status = (await services.ledger.getById(id))?.status
  if (status === 'deleted') {
    t.equal(confirmed.status, 'rejected', 'the confirm lost')
    t.match((confirmed as PromiseRejectedResult).reason, { code: 'UPLOAD_NOT_PENDING' })
    t.equal(await services.store.head((await services.ledger.getById(id))!.key), undefined, 'and the object is gone')
  } else {
    t.equal(status, 'confirmed')
    t.equal(confirmed.status, 'fulfilled')
    t.equal(removed.status, 'fulfilled', 'the delete then deleted the confirmed upload or found it confirmed')
  }
})

t.test('a loser waits for a slow winner to apply its transition instead of reporting the old status', async (t) => {
  const services = memoryServices({ ledger: { applyDelayMs: 6, settleWaitsMs: [5, 10, 20, 40] } })
  const { id } = await uploadedPng(services)
  const views = await Promise.all([services.confirmer.confirm(alice, id), services.confirmer.confirm(alice, id)])
  t.same(
    views.map((v) => v.status),
    ['confirmed', 'confirmed'],
    'both answer confirmed, neither "busy"',
  )
})

t.test(
  'a claim its writer never applied (frozen, or dead) is finished by the next confirm, which answers with it',
  async (t) => {
    const services = memoryServices()
    const confirmed = await uploadedPng(services)
    services.ledger.leaveStuckClaim(confirmed.id, 'pending', { status: 'confirmed', confirmedBy: 'client' }, 1_000)
    t.equal((await services.confirmer.confirm(alice, confirmed.id)).status, 'confirmed', 'not UPLOAD_BUSY')

    const expired = await uploadedPng(services)
    services.ledger.leaveStuckClaim(expired.id, 'pending', { status: 'expired' }, 1_000)
    await t.rejects(
      services.confirmer.confirm(alice, expired.id),
      { code: 'UPLOAD_NOT_PENDING' },
      'the other writer’s transition is applied: expired',
    )
  },
)

t.test('the object vanishing mid-verification: the answer follows the record’s new state', async (t) => {
  const services = memoryServices()
  const { id, key } = await uploadedPng(services)
  const readStart = services.store.readStart.bind(services.store)
  // The sweeper expires the upload and deletes its object between confirm's read of the record and of the object.
  services.store.readStart = async (k, length) => {
    await services.ledger.transition(id, 'pending', { status: 'expired' })
    await services.store.delete(key)
    return readStart(k, length)
  }
  await t.rejects(services.confirmer.confirm(alice, id), { code: 'UPLOAD_NOT_PENDING' })
})

t.test('the object vanishing while the record stays pending: NOT_UPLOADED_YET, nothing changes', async (t) => {
  const services = memoryServices()
  const { id, key } = await uploadedPng(services)
  const readStart = services.store.readStart.bind(services.store)
  services.store.readStart = async (k, length) => {
    await services.store.delete(key)
    return readStart(k, length)
  }
  await t.rejects(services.confirmer.confirm(alice, id), { code: 'NOT_UPLOADED_YET' })
  t.equal((await services.ledger.getById(id))?.status, 'pending')
})

t.test('bytes that are not the declared type: rejected, object deleted, key purged after its URL dies', async (t) => {
  const services = memoryServices()
  const { id, key, expiresAt } = await presignedPng(services)
  await services.store.putObject(key, fileOf('text/html', 2000), 'image/png')
  await t.rejects(services.confirmer.confirm(alice, id), { code: 'UPLOAD_REJECTED', statusCode: 422 })
  const record = await services.ledger.getById(id)
  t.equal(record?.status, 'rejected')
  t.equal(await services.store.head(key), undefined)
  t.ok(record?.purgeAfter && record.purgeAfter > new Date(expiresAt), 'purged once the URL can no longer be used')
  await t.rejects(services.confirmer.confirm(alice, id), { code: 'UPLOAD_REJECTED' }, 'a repeat says the same')
})

t.test('a size or type other than declared is rejected', async (t) => {
  const services = memoryServices()
  const small = await presignedPng(services)
  await services.store.putObject(small.key, fileOf('image/png', 1999), 'image/png')
  await t.rejects(services.confirmer.confirm(alice, small.id), { code: 'UPLOAD_REJECTED', message: /1999 bytes/ })
  const typed = await presignedPng(services)
  await services.store.putObject(typed.key, fileOf('image/png', 2000), 'text/html')
  await t.rejects(services.confirmer.confirm(alice, typed.id), { code: 'UPLOAD_REJECTED', message: /text\/html/ })
})

t.test('multipart: missing parts are named; once all are there, the server completes and confirms', async (t) => {
  const services = memoryServices({
    config: { multipartThresholdBytes: 8 * MiB, multipartPartSizeBytes: 5 * MiB, maxVideoBytes: 100 * MiB },
  })
  const bytes = fileOf('video/mp4', 12 * MiB)
  const created = await services.uploads.create(alice, {
    filename: 'v.mp4',
    contentType: 'video/mp4',
    size: bytes.length,
  })
  if (created.strategy !== 'multipart') throw new Error('expected multipart')
  t.same([created.partSize, created.partCount], [5 * MiB, 3])
  const record = (await services.ledger.getById(created.id))!
  const uploadId = record.multipart!.uploadId
  await services.store.putPart(created.key, uploadId, 1, bytes.subarray(0, 5 * MiB))
  await t.rejects(services.confirmer.confirm(alice, created.id), {
    code: 'NOT_UPLOADED_YET',
    details: { missingParts: [2, 3] },
  })
  const progress = await services.multipart.progress(alice, created.id)
  t.same(progress.parts, [{ partNumber: 1, size: 5 * MiB }], 'the resume answer lists what the bucket holds')
  t.same([progress.size, progress.partSize, progress.partCount], [12 * MiB, 5 * MiB, 3])
  await services.store.putPart(created.key, uploadId, 2, bytes.subarray(5 * MiB, 10 * MiB))
  await services.store.putPart(created.key, uploadId, 3, bytes.subarray(10 * MiB))
  const view = await services.confirmer.confirm(alice, created.id)
  t.equal(view.status, 'confirmed')
  t.equal((await services.store.head(created.key))?.size, 12 * MiB)
  t.same(await services.store.listMultipartUploads(''), [], 'no open multipart upload left')
})
