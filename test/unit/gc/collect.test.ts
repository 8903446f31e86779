/**
 * `hoist gc`'s policy on the in-memory ledger, attachments and store: only a confirmed upload past the grace period,
 * attached by nothing and referenced by no document, is deleted (with its variants, through the delete path, reason
 * `unreferenced`); an attach that lands while the documents are scanned keeps it; a dry run changes nothing.
 */
import t from 'tap'
import { collectUnreferenced, type GcOptions } from '../../../server/src/gc/collect.js'
import type { UploadRecord } from '../../../server/src/uploads/record.js'
import { MemoryAttachmentStore } from '../../doubles/memory-attachments.js'
import { MemoryLedger } from '../../doubles/memory-ledger.js'
import { MemoryObjectStore } from '../../doubles/memory-object-store.js'

const NOW = new Date('2026-11-28T12:00:00Z')
const DAY = 86_400_000
let serial = 0

/** A confirmed upload `ageDays` old, its file (and variants) in the store. */
async function confirmed(
  world: World,
  ageDays: number,
  { variants = 0, key }: { variants?: number; key?: string } = {},
): Promise<UploadRecord> {
  const id = `01JDQ7Y3V8N4W2K6P9R5T0X${String(++serial).padStart(3, '0')}`
  const objectKey = key ?? `uploads/w1/2026/11/${id}-AbCdEfGhIjKlMnOp.png`
  const at = new Date(NOW.getTime() - ageDays * DAY)
  const record: UploadRecord = {
    _id: id,
    workspaceId: 'w1',
    userId: 'u1',
    key: objectKey,
    filename: 'a.png',
    contentType: 'image/png',
    kind: 'image',
    size: 100,
    status: 'confirmed',
    strategy: 'single',
    url: world.store.publicUrl(objectKey),
    variants: Array.from({ length: variants }, (_, index) => ({
      width: 100 * (index + 1),
      height: 100,
      format: 'webp' as const,
      key: objectKey.replace(/\.png$/, `.w${100 * (index + 1)}.webp`),
      url: world.store.publicUrl(objectKey.replace(/\.png$/, `.w${100 * (index + 1)}.webp`)),
      bytes: 10,
    })),
    source: 'api',
    createdAt: at,
    updatedAt: at,
    expiresAt: at,
    confirmedAt: at,
  }
  await world.ledger.insert(record)
  for (const objectKeyOf of [record.key, ...record.variants!.map((variant) => variant.key)])
    await world.store.putObject(objectKeyOf, new Uint8Array(10), 'image/png')
  return record
}

interface World {
  ledger: MemoryLedger
  store: MemoryObjectStore
  attachments: MemoryAttachmentStore
  documents: unknown[]
}

function world(): World {
  return {
    ledger: new MemoryLedger({ now: () => NOW.getTime() }),
    store: new MemoryObjectStore(),
    attachments: new MemoryAttachmentStore(),
    documents: [],
  }
}

function run(w: World, overrides: Partial<GcOptions> = {}) {
  return collectUnreferenced({
    ledger: w.ledger,
    attachments: w.attachments,
    store: w.store,
    app: {
      estimatedCount: async () => w.documents.length,
      documents: async function* () {
        yield* w.documents
      },
    },
    collections: ['walkthroughs'],
    forms: { urlBases: ['https://cdn.example/'], keyPrefix: 'uploads/' },
    keyPrefix: 'uploads/',
    graceMs: 7 * DAY,
    now: NOW,
    dryRun: false,
    ...overrides,
  })
}

t.test('unattached, unreferenced and past the grace: deleted with its variants, reason unreferenced', async (t) => {
  const w = world()
  const old = await confirmed(w, 8, { variants: 2 })
  const report = await run(w)
  t.same(report.deleted, { count: 1, bytes: 120 })
  t.same(report.unreferenced, { count: 1, bytes: 120 })
  const after = await w.ledger.getById(old._id)
  t.same([after?.status, after?.reason], ['deleted', 'unreferenced'])
  t.same([...w.store.objects.keys()], [], 'the file and both variants are gone')
})

t.test('within the grace period, attached, or referenced by a document: kept', async (t) => {
  const w = world()
  const recent = await confirmed(w, 6)
  const attached = await confirmed(w, 30)
  const referenced = await confirmed(w, 30)
  await w.attachments.attach('w1', attached._id, 'walkthroughs/w1/steps/s1/blocks/b1')
  w.documents.push({ steps: [{ blocks: [{ data: { url: `${referenced.url}?v=2` } }] }] })
  const report = await run(w)
  t.same(report.uploads, { confirmed: 3, withinGrace: 1, attached: 1, referenced: 1, changedMeanwhile: 0 })
  t.same(report.deleted, { count: 0, bytes: 0 })
  for (const record of [recent, attached, referenced])
    t.equal((await w.ledger.getById(record._id))?.status, 'confirmed')
  t.equal(w.store.objects.size, 3)
})

t.test('attached while the documents were being scanned: the check right before the delete keeps it', async (t) => {
  const w = world()
  const late = await confirmed(w, 30)
  const documents = async function* () {
    yield { unrelated: true }
    await w.attachments.attach('w1', late._id, 'walkthroughs/w2/steps/s1/blocks/b1')
    yield { unrelated: true }
  }
  const report = await run(w, { app: { estimatedCount: async () => 2, documents } })
  t.equal(report.uploads.changedMeanwhile, 1)
  t.equal(report.deleted.count, 0)
  t.equal((await w.ledger.getById(late._id))?.status, 'confirmed')
})

t.test('a dry run reports counts and bytes and changes nothing', async (t) => {
  const w = world()
  const old = await confirmed(w, 8, { variants: 1 })
  const report = await run(w, { dryRun: true })
  t.same([report.dryRun, report.unreferenced, report.deleted], [true, { count: 1, bytes: 110 }, { count: 0, bytes: 0 }])
  t.equal((await w.ledger.getById(old._id))?.status, 'confirmed')
  t.equal(w.store.objects.size, 2)
})

t.test('an upload outside S3_KEY_PREFIX is not Hoist’s to delete', async (t) => {
  const w = world()
  const foreign = await confirmed(w, 30, { key: 'other-app/w1/2026/11/x-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789.png' })
  const report = await run(w)
  t.equal(report.uploads.confirmed, 0)
  t.equal((await w.ledger.getById(foreign._id))?.status, 'confirmed')
})
