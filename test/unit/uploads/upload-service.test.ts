/** Presign, list and delete on the in-memory ledger and store: the rules, the quota under concurrency, the races. */
import t from 'tap'
import { fileOf } from '../../helpers/fixtures.js'
import { alice, mallory, memoryServices } from '../../doubles/services.js'

const MiB = 1024 * 1024

t.test('a single PUT: the signed headers, a key under the prefix, a pending record', async (t) => {
  const services = memoryServices()
  const created = await services.uploads.create(alice, {
    filename: '../../evil.php',
    contentType: 'IMAGE/PNG',
    size: 100,
  })
  t.equal(created.strategy, 'single')
  if (created.strategy !== 'single') return
  t.match(created.key, /^uploads\/ws-a\/\d{4}\/\d{2}\/[0-9A-HJKMNP-TV-Z]{26}-[A-Za-z0-9_-]{16}\.png$/)
  t.same(created.headers, {
    'content-type': 'image/png',
    'cache-control': 'public, max-age=31536000, immutable',
    'if-none-match': '*',
  })
  const record = await services.ledger.getById(created.id)
  t.same([record?.status, record?.filename, record?.contentType], ['pending', 'evil.php', 'image/png'])
  t.equal(record?.urlExpiresAt?.toISOString(), created.expiresAt)
})

t.test(
  'two presigns in the same millisecond: consecutive ids, but keys that cannot be guessed from each other',
  async (t) => {
    const services = memoryServices()
    const input = { filename: 'a.png', contentType: 'image/png', size: 100 }
    const first = await services.uploads.create(alice, input)
    const second = await services.uploads.create(alice, input)
    const secret = (key: string): string => /-([A-Za-z0-9_-]{16})\.png$/.exec(key)?.[1] ?? 'no random part'
    t.equal(first.id.slice(0, 10), second.id.slice(0, 10), 'same millisecond: the ids share their time part')
    t.not(secret(first.key), secret(second.key))
    t.equal(Buffer.from(secret(first.key), 'base64url').length, 12, '96 random bits')
  },
)

t.test('refusals: a type outside the allow-list, a file over its kind’s limit', async (t) => {
  const services = memoryServices({ config: { maxImageBytes: 1000 } })
  await t.rejects(services.uploads.create(alice, { filename: 'a.svg', contentType: 'image/svg+xml', size: 10 }), {
    code: 'CONTENT_TYPE_NOT_ALLOWED',
  })
  await t.rejects(services.uploads.create(alice, { filename: 'a.png', contentType: 'image/png', size: 1001 }), {
    code: 'FILE_TOO_LARGE',
  })
  t.same(
    await services.ledger.listPage({ workspaceId: 'ws-a', statuses: ['pending'], limit: 10 }),
    [],
    'nothing recorded',
  )
})

t.test('the quota fills exactly under 40 concurrent presigns, and refused ones leave nothing behind', async (t) => {
  const services = memoryServices({
    config: { workspaceQuotaBytes: 10 * MiB, maxVideoBytes: MiB, multipartThresholdBytes: 5 * MiB },
  })
  const answers = await Promise.allSettled(
    Array.from({ length: 40 }, (_, i) =>
      services.uploads.create(
        { ...alice, userId: `u${i}` },
        { filename: 'v.mp4', contentType: 'video/mp4', size: MiB },
      ),
    ),
  )
  t.equal(answers.filter((a) => a.status === 'fulfilled').length, 10)
  t.ok(answers.every((a) => a.status === 'fulfilled' || (a.reason as { code?: string }).code === 'QUOTA_EXCEEDED'))
  t.equal(await services.ledger.usedBytes('ws-a'), 10 * MiB)
  t.equal((await services.ledger.listPage({ workspaceId: 'ws-a', statuses: ['pending'], limit: 100 })).length, 10)
})

t.test('the quota fills exactly however slowly the ledger answers', async (t) => {
  const services = memoryServices({
    config: { workspaceQuotaBytes: 4 * MiB, maxVideoBytes: MiB, multipartThresholdBytes: 5 * MiB },
  })
  // Every write and sum takes up to 30 ms, in any order: a loaded database.
  const ledger = services.ledger
  for (const method of ['insert', 'admit', 'usedBytes'] as const) {
    const original = ledger[method].bind(ledger) as (...args: unknown[]) => Promise<unknown>
    Object.assign(ledger, {
      [method]: async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30))
        return original(...args)
      },
    })
  }
  const answers = await Promise.allSettled(
    Array.from({ length: 12 }, (_, i) =>
      services.uploads.create(
        { ...alice, userId: `u${i}` },
        { filename: 'v.mp4', contentType: 'video/mp4', size: MiB },
      ),
    ),
  )
  t.equal(answers.filter((a) => a.status === 'fulfilled').length, 4)
  t.equal(await services.ledger.usedBytes('ws-a'), 4 * MiB)
})

t.test('an upload that ends gives its bytes back: deleting one makes room for the next', async (t) => {
  const services = memoryServices({
    config: { workspaceQuotaBytes: 2 * MiB, maxVideoBytes: MiB, multipartThresholdBytes: 5 * MiB },
  })
  const create = (n: number) =>
    services.uploads.create(
      { ...alice, userId: `u${n}` },
      { filename: `${n}.mp4`, contentType: 'video/mp4', size: MiB },
    )
  const first = await create(1)
  await create(2)
  await t.rejects(create(3), { code: 'QUOTA_EXCEEDED' })
  await services.uploads.remove({ ...alice, userId: 'u1' }, first.id)
  await create(4)
  t.equal(await services.ledger.usedBytes('ws-a'), 2 * MiB)
})

t.test('a refused multipart presign aborts the multipart upload it created', async (t) => {
  const services = memoryServices({
    config: { workspaceQuotaBytes: 20 * MiB, multipartThresholdBytes: 8 * MiB, maxVideoBytes: 100 * MiB },
  })
  await t.rejects(services.uploads.create(alice, { filename: 'v.mp4', contentType: 'video/mp4', size: 21 * MiB }), {
    code: 'QUOTA_EXCEEDED',
  })
  t.same(await services.store.listMultipartUploads(''), [])
})

t.test('list: newest first, a cursor that pages, only the caller’s workspace', async (t) => {
  const services = memoryServices()
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    ids.push((await services.uploads.create(alice, { filename: `${i}.png`, contentType: 'image/png', size: 10 })).id)
    services.advance(1)
  }
  await services.uploads.create(mallory, { filename: 'theirs.png', contentType: 'image/png', size: 10 })
  const first = await services.uploads.list(alice, { limit: 2 })
  t.same(
    first.items.map((v) => v.id),
    [ids[2], ids[1]],
  )
  const second = await services.uploads.list(alice, { limit: 2, cursor: first.nextCursor! })
  t.same(
    second.items.map((v) => v.id),
    [ids[0]],
  )
  t.equal(second.nextCursor, undefined)
})

t.test('delete: a pending upload is discarded, a confirmed one loses its object first', async (t) => {
  const services = memoryServices()
  const pending = await services.uploads.create(alice, { filename: 'p.png', contentType: 'image/png', size: 2000 })
  await services.store.putObject(pending.key, fileOf('image/png', 2000), 'image/png')
  await services.uploads.remove(alice, pending.id)
  t.equal((await services.ledger.getById(pending.id))?.status, 'deleted')
  t.equal(await services.store.head(pending.key), undefined)

  const confirmed = await services.uploads.create(alice, { filename: 'c.png', contentType: 'image/png', size: 2000 })
  await services.store.putObject(confirmed.key, fileOf('image/png', 2000), 'image/png')
  await services.confirmer.confirm(alice, confirmed.id)
  await t.rejects(
    services.uploads.remove(mallory, confirmed.id),
    { code: 'UPLOAD_NOT_FOUND' },
    'not by another workspace',
  )
  await services.uploads.remove(alice, confirmed.id)
  t.equal((await services.ledger.getById(confirmed.id))?.status, 'deleted')
  t.equal(await services.store.head(confirmed.key), undefined)
  await services.uploads.remove(alice, confirmed.id)
  t.pass('deleting again is a no-op')
})

t.test('deleted while the image worker records its variants: the variants are deleted too', async (t) => {
  const services = memoryServices()
  const upload = await services.uploads.create(alice, { filename: 'i.png', contentType: 'image/png', size: 2000 })
  await services.store.putObject(upload.key, fileOf('image/png', 2000), 'image/png')
  await services.confirmer.confirm(alice, upload.id)
  const variant = { width: 320, height: 200, format: 'webp' as const, key: `${upload.key}.w320.webp`, bytes: 10 }
  await services.store.putObject(variant.key, Buffer.alloc(10), 'image/webp')
  const transition = services.ledger.transition.bind(services.ledger)
  services.ledger.transition = async (...args) => {
    // The worker records its variants after the delete read the record, before the change is applied.
    await services.ledger.recordImage(upload.id, {
      variants: [{ ...variant, url: `https://cdn.example/${variant.key}` }],
      processedAt: new Date(),
    })
    return transition(...args)
  }
  await services.uploads.remove(alice, upload.id)
  t.equal(await services.store.head(upload.key), undefined)
  t.equal(await services.store.head(variant.key), undefined, 'the variant recorded mid-delete is gone')
})

t.test('a download URL only for a confirmed upload', async (t) => {
  const services = memoryServices()
  const created = await services.uploads.create(alice, { filename: 'c.png', contentType: 'image/png', size: 2000 })
  await t.rejects(services.uploads.downloadUrl(alice, created.id), { code: 'NOT_UPLOADED_YET' })
  await services.store.putObject(created.key, fileOf('image/png', 2000), 'image/png')
  await services.confirmer.confirm(alice, created.id)
  const download = await services.uploads.downloadUrl(alice, created.id)
  t.equal(download.method, 'GET')
})
