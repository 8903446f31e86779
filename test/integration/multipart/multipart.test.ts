/**
 * Multipart uploads on real MinIO, driven by the real web client (fetch transport): a 200 MB file in parallel
 * parts, a part failing mid-way, an expired part URL, an interruption and resume, an API restart between parts,
 * repeated completes, and an abort that leaves nothing behind.
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from '../../../server/src/app.js'
import { HoistUploadError, type PutTransport, type UploadProgress } from '../../../web-client/src/index.js'
import { confirmUpload, createUpload, deleteUpload } from '../../helpers/api.js'
import { fileOf, sha256Hex } from '../../helpers/fixtures.js'
import { freePort } from '../../../infra/stack/ports.js'
import { startHoist } from '../../helpers/hoist.js'
import { nodePut, memoryResumeStore, nodeUploader, partNumberOf, sha256OfUrl } from '../../helpers/node-uploader.js'
import { bearer } from '../../helpers/tokens.js'

const MiB = 1024 * 1024
const { app, config, s3, db } = await startHoist(t, {
  listen: true,
  config: {
    multipartThresholdBytes: 8 * MiB,
    multipartPartSizeBytes: 5 * MiB,
    uploadUrlTtlSeconds: 10,
    pendingTtlSeconds: 60,
  },
})
const asBlob = (bytes: Buffer<ArrayBuffer>, type = 'video/mp4'): Blob => new Blob([bytes], { type })

t.test('a 200 MB file uploads in parallel parts with exact, monotonic progress', async (t) => {
  const bytes = fileOf('video/mp4', 200 * MiB, 7)
  const seen: UploadProgress[] = []
  const uploader = nodeUploader(app, { concurrency: 4 })
  const record = await uploader.upload(asBlob(bytes), {
    filename: 'long-walkthrough.mp4',
    onProgress: (p) => seen.push(p),
  })
  t.equal(record.status, 'confirmed')
  t.equal(record.size, 200 * MiB)
  t.equal(record.strategy, 'multipart')
  t.equal(record.partCount, 40)
  const head = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: record.key }))
  t.equal(head.ContentLength, 200 * MiB)
  t.equal(await sha256OfUrl(record.url!), sha256Hex(bytes), 'the object holds the same bytes')
  t.ok(
    seen.every((p, i) => i === 0 || p.loaded > seen[i - 1]!.loaded),
    'progress only moves forward',
  )
  t.equal(seen.at(-1)?.loaded, 200 * MiB)
  t.ok(seen.every((p) => p.fraction <= 1))
})

t.test('a part that fails mid-way is retried on its own', async (t) => {
  const bytes = fileOf('video/mp4', 30 * MiB, 8)
  const attempts = new Map<number, number>()
  const flaky: PutTransport = async (url, headers, body, options) => {
    const part = partNumberOf(url)!
    attempts.set(part, (attempts.get(part) ?? 0) + 1)
    if (part === 3 && attempts.get(part) === 1) {
      // Send half the part, then drop the connection.
      const half = new Uint8Array(await body.slice(0, body.size / 2).arrayBuffer())
      const stream = new ReadableStream({
        start(controller) {
          controller.enqueue(half)
          setTimeout(() => controller.error(new Error('connection dropped')), 50)
        },
      })
      await fetch(url, {
        method: 'PUT',
        headers: { ...headers, 'content-length': String(body.size) },
        body: stream,
        duplex: 'half',
      } as RequestInit).catch(() => undefined)
      throw new HoistUploadError('NETWORK_ERROR', 'connection dropped mid-part')
    }
    return nodePut(url, headers, body, options)
  }
  const record = await nodeUploader(app, { transport: flaky }).upload(asBlob(bytes), { filename: 'flaky.mp4' })
  t.equal(record.status, 'confirmed')
  t.equal(attempts.get(3), 2, 'part 3 was sent twice')
  t.ok(
    [...attempts].filter(([part]) => part !== 3).every(([, count]) => count === 1),
    'the other parts once',
  )
  t.equal(await sha256OfUrl(record.url!), sha256Hex(bytes))
})

t.test('an expired part URL is signed again without losing progress', async (t) => {
  const bytes = fileOf('video/mp4', 12 * MiB, 9)
  const urlsUsed = new Map<number, string[]>()
  const slow: PutTransport = async (url, headers, body, options) => {
    const part = partNumberOf(url)!
    urlsUsed.set(part, [...(urlsUsed.get(part) ?? []), url])
    // Part 2's first URL sits until it has expired (the API signs for 10 s here).
    if (part === 2 && urlsUsed.get(2)!.length === 1) await sleep(11_000)
    return nodePut(url, headers, body, options)
  }
  const record = await nodeUploader(app, { transport: slow, concurrency: 2 }).upload(asBlob(bytes), {
    filename: 'slow.mp4',
  })
  t.equal(record.status, 'confirmed')
  t.equal(urlsUsed.get(2)?.length, 2, 'part 2 was tried with a second URL')
  t.not(urlsUsed.get(2)?.[0], urlsUsed.get(2)?.[1], 'a freshly signed one')
  t.equal(await sha256OfUrl(record.url!), sha256Hex(bytes))
})

t.test('an interrupted upload resumes: only the missing parts are sent', async (t) => {
  const bytes = fileOf('video/mp4', 50 * MiB, 10)
  const file = new File([bytes], 'resume.mp4', { type: 'video/mp4', lastModified: 1_700_000_000_000 })
  const resumeStore = memoryResumeStore()
  let completed = 0
  const dying: PutTransport = async (url, headers, body, options) => {
    if (completed >= 4) throw new Error('the tab was closed')
    const result = await nodePut(url, headers, body, options)
    completed++
    return result
  }
  // One part at a time, so nothing is still in flight when the upload gives up.
  await t.rejects(
    nodeUploader(app, { transport: dying, resumeStore, concurrency: 1 }).upload(file),
    /the tab was closed/,
  )
  const fingerprint = 'resume.mp4:52428800:video/mp4:1700000000000'
  const uploadId = resumeStore.get(fingerprint)?.uploadId
  t.ok(uploadId, 'the upload is remembered')
  const inBucket = (await app.inject({ method: 'GET', url: `/v1/uploads/${uploadId}/parts`, headers: bearer() }))
    .json()
    .parts.map((p: { partNumber: number }) => p.partNumber)
  t.ok(inBucket.length >= 4, `${inBucket.length} parts reached the bucket before the interruption`)

  const sentOnResume: number[] = []
  const counting: PutTransport = async (url, headers, body, options) => {
    sentOnResume.push(partNumberOf(url)!)
    return nodePut(url, headers, body, options)
  }
  const seen: UploadProgress[] = []
  const record = await nodeUploader(app, { transport: counting, resumeStore }).upload(file, {
    onProgress: (p) => seen.push(p),
  })
  t.equal(record.id, uploadId, 'the same upload was resumed')
  t.equal(record.size, 50 * MiB)
  t.same(
    sentOnResume.filter((part) => inBucket.includes(part)),
    [],
    'no part already in the bucket was sent again',
  )
  t.equal(sentOnResume.length + inBucket.length, 10, 'together they are all the parts')
  t.equal(seen[0]!.loaded, inBucket.length * 5 * MiB, 'progress starts where the upload stopped, in one step')
  t.equal(await sha256OfUrl(record.url!), sha256Hex(bytes))
  t.equal(resumeStore.get(fingerprint), undefined, 'forgotten once confirmed')
})

t.test('the API restarted between parts: the upload carries on', async (t) => {
  // A second API process on the same bucket and database, on a port it gets back after the restart.
  const port = await freePort()
  const apiUrl = `http://127.0.0.1:${port}`
  let restartedApi: Awaited<ReturnType<typeof buildApp>> | undefined
  const start = async (): Promise<void> => {
    restartedApi = await buildApp(config, { logger: false })
    await restartedApi.listen({ port, host: '127.0.0.1' })
  }
  await start()
  t.teardown(() => restartedApi?.close())
  let parts = 0
  let restarted = false
  const restarting: PutTransport = async (url, headers, body, options) => {
    const result = await nodePut(url, headers, body, options)
    if (++parts === 3 && !restarted) {
      restarted = true
      await restartedApi!.close() // the API goes away between parts…
      setTimeout(() => void start(), 1_500) // …and comes back (a redeploy)
    }
    return result
  }
  const bytes = fileOf('video/mp4', 40 * MiB, 11)
  const record = await nodeUploader(app, { transport: restarting, apiUrl, concurrency: 1 }).upload(asBlob(bytes), {
    filename: 'redeploy.mp4',
  })
  t.ok(restarted, 'the API was restarted mid-upload')
  t.equal(record.status, 'confirmed')
  t.equal(await sha256OfUrl(record.url!), sha256Hex(bytes))
})

t.test('a repeated complete is resolved: confirm twice, and a complete done before confirm recorded it', async (t) => {
  const bytes = fileOf('video/mp4', 11 * MiB, 12)
  const created = (
    await createUpload(app, { filename: 'twice.mp4', contentType: 'video/mp4', size: bytes.length })
  ).json()
  const signed = (
    await app.inject({
      method: 'POST',
      url: `/v1/uploads/${created.id}/parts`,
      headers: bearer(),
      payload: { partNumbers: [1, 2, 3] },
    })
  ).json()
  for (const part of signed.parts) {
    const start = (part.partNumber - 1) * created.partSize
    t.equal(
      (await fetch(part.url, { method: 'PUT', headers: part.headers, body: bytes.subarray(start, start + part.size) }))
        .status,
      200,
    )
  }
  // A confirm that completed the upload in S3, then died before recording it.
  const record = await db.collection('uploads').findOne({ _id: created.id })
  const parts = await app.objectStore.listParts(created.key, record!.multipart.uploadId)
  t.equal(await app.objectStore.completeMultipart(created.key, record!.multipart.uploadId, parts!), true)
  t.equal(
    await app.objectStore.completeMultipart(created.key, record!.multipart.uploadId, parts!),
    false,
    'S3 answers NoSuchUpload to a second complete',
  )

  const first = await confirmUpload(app, created.id)
  t.equal(first.statusCode, 200, first.body)
  t.equal(first.json().size, bytes.length)
  const again = await confirmUpload(app, created.id)
  t.same(again.json(), first.json(), 'a repeat answers the same record')
})

t.test('confirm with parts missing is a 409 naming them, and the upload stays pending', async (t) => {
  const created = (
    await createUpload(app, { filename: 'partial.mp4', contentType: 'video/mp4', size: 16 * MiB })
  ).json()
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
  const early = await confirmUpload(app, created.id)
  t.equal(early.statusCode, 409)
  t.same(early.json().error.details, { missingParts: [2, 3, 4] })
  const bad = await app.inject({
    method: 'POST',
    url: `/v1/uploads/${created.id}/parts`,
    headers: bearer(),
    payload: { partNumbers: [5] },
  })
  t.equal(bad.statusCode, 409, 'a part number beyond the plan is refused')
  t.equal(bad.json().error.code, 'PART_NOT_IN_PLAN', 'by the upload’s state, not the request’s form')
})

t.test('an aborted upload leaves nothing in the bucket', async (t) => {
  const created = (
    await createUpload(app, { filename: 'aborted.mp4', contentType: 'video/mp4', size: 12 * MiB })
  ).json()
  const signed = (
    await app.inject({
      method: 'POST',
      url: `/v1/uploads/${created.id}/parts`,
      headers: bearer(),
      payload: { partNumbers: [1, 2] },
    })
  ).json()
  for (const part of signed.parts)
    await fetch(part.url, { method: 'PUT', headers: part.headers, body: fileOf('video/mp4', part.size) })
  t.ok((await app.objectStore.listMultipartUploads(created.key)).length === 1, 'the multipart upload is open')
  t.equal((await deleteUpload(app, created.id)).statusCode, 204)
  t.same(await app.objectStore.listMultipartUploads(created.key), [], 'no multipart upload is left')
  t.equal(await app.objectStore.head(created.key), undefined, 'and no object')
})
