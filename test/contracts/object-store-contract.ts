/**
 * The contract every ObjectStore keeps, run against S3ObjectStore on the real MinIO and against MemoryObjectStore.
 * Writing bytes is not part of the interface (the API never moves them), so each implementation under test says how
 * an uploader would put an object or a part.
 */
import { createHash } from 'node:crypto'
import type { Test } from 'tap'
import type { ObjectStore } from '../../server/src/storage/object-store.js'

export interface ObjectStoreUnderTest {
  store: ObjectStore
  /** What an uploader's PUT leaves in the bucket. */
  putObject: (key: string, bytes: Uint8Array, contentType: string, checksumSha256?: string) => Promise<void>
  putPart: (key: string, uploadId: string, partNumber: number, bytes: Uint8Array) => Promise<void>
}

const MiB = 1024 * 1024
let counter = 0
const uniqueKey = (name: string): string => `contract/${Date.now()}-${counter++}/${name}`
const bytesOf = (size: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) % 251)
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64')

export function objectStoreContract(t: Test, { store, putObject, putPart }: ObjectStoreUnderTest): void {
  t.test('head: undefined for a missing key; size, type and checksum for an object', async (t) => {
    const key = uniqueKey('a.png')
    t.equal(await store.head(key), undefined)
    const bytes = bytesOf(1000, 1)
    await putObject(key, bytes, 'image/png', sha256(bytes))
    const head = await store.head(key)
    t.equal(head?.size, 1000)
    t.equal(head?.contentType, 'image/png')
    t.equal(head?.checksumSha256, sha256(bytes))
  })

  t.test('readPrefix: the first bytes only, fewer when the object is shorter, undefined when missing', async (t) => {
    const key = uniqueKey('b.bin')
    t.equal(await store.readPrefix(key, 16), undefined)
    const bytes = bytesOf(100, 2)
    await putObject(key, bytes, 'video/mp4')
    t.same([...((await store.readPrefix(key, 16)) ?? [])], [...bytes.subarray(0, 16)])
    t.equal((await store.readPrefix(key, 4096))?.length, 100)
  })

  t.test('readSuffix: the last bytes only, all of a shorter object, undefined when missing', async (t) => {
    const key = uniqueKey('s.bin')
    t.equal(await store.readSuffix(key, 16), undefined)
    const bytes = bytesOf(100, 4)
    await putObject(key, bytes, 'application/pdf')
    t.same([...((await store.readSuffix(key, 16)) ?? [])], [...bytes.subarray(-16)])
    t.same([...((await store.readSuffix(key, 4096)) ?? [])], [...bytes])
  })

  t.test("readStart: the whole object's head and its first bytes in one read; undefined when missing", async (t) => {
    const key = uniqueKey('s.png')
    t.equal(await store.readStart(key, 16), undefined)
    const bytes = bytesOf(1000, 7)
    await putObject(key, bytes, 'image/png', sha256(bytes))
    const start = await store.readStart(key, 16)
    t.equal(start?.head.size, 1000, 'the whole size, not the range read')
    t.equal(start?.head.contentType, 'image/png')
    t.same([...(start?.prefix ?? [])], [...bytes.subarray(0, 16)])
    t.equal((await store.readStart(key, 4096))?.prefix.length, 1000, 'fewer bytes when the object is shorter')
    const empty = uniqueKey('empty.png')
    await putObject(empty, new Uint8Array(), 'image/png')
    const nothing = await store.readStart(empty, 16)
    t.equal(nothing?.head.size, 0, 'an empty object: size 0 (S3 refuses the range with a 416)')
    t.equal(nothing?.prefix.length, 0)
  })

  t.test('delete: removes the object; deleting a missing key is not an error', async (t) => {
    const key = uniqueKey('c.png')
    await putObject(key, bytesOf(10, 3), 'image/png')
    await store.delete(key)
    t.equal(await store.head(key), undefined)
    await store.delete(key)
    t.pass('second delete is fine')
  })

  t.test('list: every object under the prefix, none outside it', async (t) => {
    const prefix = uniqueKey('')
    await putObject(`${prefix}x/1.png`, bytesOf(5, 4), 'image/png')
    await putObject(`${prefix}x/2.png`, bytesOf(6, 5), 'image/png')
    await putObject(`${prefix}y/3.png`, bytesOf(7, 6), 'image/png')
    const listed: { key: string; size: number }[] = []
    for await (const object of store.list(`${prefix}x/`)) listed.push({ key: object.key, size: object.size })
    t.same(
      listed.sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: `${prefix}x/1.png`, size: 5 },
        { key: `${prefix}x/2.png`, size: 6 },
      ],
    )
  })

  t.test('multipart: parts listed in order with their sizes; complete assembles them, once', async (t) => {
    const key = uniqueKey('d.mp4')
    const uploadId = await store.createMultipart(key, 'video/mp4')
    t.same(await store.listParts(key, uploadId), [])
    const first = bytesOf(5 * MiB, 7)
    const last = bytesOf(1000, 8)
    await putPart(key, uploadId, 2, last)
    await putPart(key, uploadId, 1, first)
    const parts = (await store.listParts(key, uploadId))!
    t.same(
      parts.map((p) => [p.partNumber, p.size]),
      [
        [1, 5 * MiB],
        [2, 1000],
      ],
    )
    const open = await store.listMultipartUploads(uniqueKey('').split('/')[0]!)
    t.ok(
      open.some((u) => u.uploadId === uploadId && u.key === key),
      'listed as open under its prefix',
    )
    t.equal(await store.completeMultipart(key, uploadId, parts), true)
    t.equal((await store.head(key))?.size, 5 * MiB + 1000)
    t.equal((await store.head(key))?.contentType, 'video/mp4')
    t.equal(
      await store.completeMultipart(key, uploadId, parts),
      false,
      'a second complete: S3 no longer knows the upload',
    )
    t.equal(await store.listParts(key, uploadId), undefined)
  })

  t.test('abort: the upload and its parts are gone; aborting again is fine', async (t) => {
    const key = uniqueKey('e.mp4')
    const uploadId = await store.createMultipart(key, 'video/mp4')
    await putPart(key, uploadId, 1, bytesOf(5 * MiB, 9))
    await store.abortMultipart(key, uploadId)
    t.equal(await store.listParts(key, uploadId), undefined)
    t.notOk((await store.listMultipartUploads(key)).some((u) => u.uploadId === uploadId))
    await store.abortMultipart(key, uploadId)
    t.equal(await store.head(key), undefined, 'no object either')
  })

  t.test('presigned requests say what to send: PUT with the signed headers, GET for downloads', async (t) => {
    const put = await store.presignPut({
      key: uniqueKey('f.png'),
      contentType: 'image/png',
      contentLength: 10,
      expiresInSeconds: 60,
    })
    t.equal(put.method, 'PUT')
    t.equal(put.headers['content-type'], 'image/png')
    t.equal(put.headers['if-none-match'], '*')
    t.equal((await store.presignGet({ key: uniqueKey('f.png'), expiresInSeconds: 60 })).method, 'GET')
  })

  t.test('publicUrl ends with the key, each segment encoded', async (t) => {
    t.match(store.publicUrl('uploads/w/a b.png'), /\/uploads\/w\/a%20b\.png$/)
  })
}
