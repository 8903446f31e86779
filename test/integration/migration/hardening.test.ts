/**
 * `hoist migrate` against a hostile or awkward uploads directory and database: files swapped for links after the scan,
 * an object in the bucket that only claims to hold the file, macOS (NFD) file names, a document the server refuses
 * to write. Each run calls migrate() in process, so a test can act at an exact moment (between scan and upload).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { Double, Long, MongoClient, type Db } from 'mongodb'
import t, { type Test } from 'tap'
import { migrate, type MigrationProgress } from '../../../server/src/migration/migrate.js'
import type { MigrationReport } from '../../../server/src/migration/report.js'
import { MongoLedger } from '../../../server/src/storage/mongo-ledger.js'
import { openObjectStore } from '../../../server/src/storage/open-object-store.js'
import { fileOf, sha256Base64, sha256Hex } from '../../helpers/fixtures.js'
import { startHoist, uniqueName } from '../../helpers/hoist.js'

const { config, s3, db: hoistDb, stack } = await startHoist(t)
const store = openObjectStore(config)
const ledger = new MongoLedger(hoistDb)
await ledger.ensureIndexes()
const mongo = await new MongoClient(stack.mongoUri).connect()
const work = mkdtempSync(join(tmpdir(), 'hoist-migrate-hardening-'))
t.teardown(async () => {
  store.close()
  await mongo.close()
  rmSync(work, { recursive: true, force: true })
})

interface Legacy {
  name: string
  dir: string
  db: Db
  workspaceId: string
}

/** A fresh uploads directory, legacy database and workspace for one test. */
async function legacy(t: Test, files: Record<string, Buffer>, docs: Record<string, unknown>[]): Promise<Legacy> {
  const name = uniqueName('hardening').replace(/-/g, '_')
  const dir = join(work, name, 'uploads')
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), bytes)
  }
  mkdirSync(dir, { recursive: true })
  const db = mongo.db(name)
  if (docs.length > 0) await db.collection('pages').insertMany(docs)
  t.teardown(() => db.dropDatabase())
  return { name, dir, db, workspaceId: name.replace(/_/g, '-') }
}

async function run(
  legacyData: Legacy,
  onPhase?: (phase: string) => void,
  multipartThreshold = config.multipartThresholdBytes,
): Promise<MigrationReport> {
  const progress: MigrationProgress = {
    phase: (phase) => onPhase?.(phase),
    tick: () => undefined,
    done: () => undefined,
  }
  return migrate({
    from: legacyData.dir,
    legacyDb: legacyData.db,
    oldPrefixes: ['/uploads/'],
    dryRun: false,
    concurrency: 4,
    workspaceId: legacyData.workspaceId,
    ledger,
    store,
    keyPrefix: config.s3KeyPrefix,
    multipartThreshold,
    partSize: 5 * MiB,
    manifestPath: join(work, `${legacyData.name}-manifest.json`),
    verifyPublic: true,
    trustedOrigins: [new URL(config.s3Endpoint!).origin],
    progress,
  })
}

/** The SHA-256 (hex) of every object stored for the workspace, as S3's own checksum of what it stored says. */
async function storedContents(workspaceId: string): Promise<string[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: config.s3Bucket, Prefix: `${config.s3KeyPrefix}${workspaceId}/` }),
  )
  const contents: string[] = []
  for (const object of listed.Contents ?? []) {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: config.s3Bucket, Key: object.Key!, ChecksumMode: 'ENABLED' }),
    )
    contents.push(Buffer.from(head.ChecksumSHA256 ?? '', 'base64').toString('hex'))
  }
  return contents
}

const pageUrls = async (db: Db): Promise<unknown[]> =>
  (await db.collection('pages').find({}).sort({ order: 1 }).toArray()).map((page) => page.url)

const MiB = 1024 * 1024
const SIZE = 20_000
const original = fileOf('image/png', SIZE, 11)
const intruder = fileOf('image/png', SIZE, 12) // same size: only the content tells them apart

t.test(
  'a file swapped for a symbolic link after the scan is refused, and its bytes never reach the bucket',
  async (t) => {
    const data = await legacy(t, { 'a.png': original, 'ok.png': fileOf('image/png', 3_000, 13) }, [
      { order: 1, url: '/uploads/a.png' },
      { order: 2, url: '/uploads/ok.png' },
    ])
    const outside = join(work, `${data.name}-secret.png`)
    writeFileSync(outside, intruder)
    const report = await run(data, (phase) => {
      if (phase !== 'uploading') return
      rmSync(join(data.dir, 'a.png'))
      symlinkSync(outside, join(data.dir, 'a.png'))
    })
    t.match(report.files.failed, [{ path: 'a.png', error: /symbolic link/ }])
    t.notOk((await storedContents(data.workspaceId)).includes(sha256Hex(intruder)), 'the link target was not uploaded')
    const urls = await pageUrls(data.db)
    t.equal(urls[0], '/uploads/a.png', 'the document keeps its old URL')
    t.match(urls[1], new RegExp(`^${config.s3Endpoint}/`), 'the other file migrated')
    t.match(report.documents.skipped, [{ reason: /not verified/ }])
  },
)

t.test('a directory swapped for a link after the scan is refused (the inode is not the one scanned)', async (t) => {
  const data = await legacy(t, { 'steps/b.png': original }, [{ order: 1, url: '/uploads/steps/b.png' }])
  const elsewhere = join(work, `${data.name}-elsewhere`)
  mkdirSync(elsewhere)
  writeFileSync(join(elsewhere, 'b.png'), intruder)
  const report = await run(data, (phase) => {
    if (phase !== 'uploading') return
    renameSync(join(data.dir, 'steps'), join(data.dir, 'steps-moved'))
    symlinkSync(elsewhere, join(data.dir, 'steps'))
  })
  t.match(report.files.failed, [{ path: 'steps/b.png', error: /no longer the file the scan found/ }])
  t.same(await storedContents(data.workspaceId), [], 'nothing uploaded')
  t.same(await pageUrls(data.db), ['/uploads/steps/b.png'])
})

t.test('an object under the key whose stored checksum is not the file’s is reported, not trusted', async (t) => {
  const data = await legacy(t, { 'c.png': original }, [{ order: 1, url: '/uploads/c.png' }])
  // Right size and the right sha256 metadata, other bytes: only S3's own checksum tells.
  await s3.send(
    new PutObjectCommand({
      Bucket: config.s3Bucket,
      Key: `${config.s3KeyPrefix}${data.workspaceId}/${sha256Hex(original).slice(0, 32)}.png`,
      Body: intruder,
      Metadata: { sha256: sha256Hex(original) },
      ChecksumSHA256: sha256Base64(intruder),
    }),
  )
  const report = await run(data)
  t.match(report.files.failed, [{ path: 'c.png', error: /exists with other content.*stored checksum/ }])
  t.equal(report.files.alreadyInBucket, 0)
  t.same(await pageUrls(data.db), ['/uploads/c.png'], 'no document points at the wrong bytes')
})

t.test('file names written decomposed (macOS NFD) match URLs written composed (NFC), and the reverse', async (t) => {
  const nfdName = 'caf\u0065\u0301.png' // "café" as macOS writes it
  const nfcName = 'na\u00efve.png' // "naïve" composed
  const nfd = fileOf('image/png', 4_000, 14)
  const nfc = fileOf('image/png', 4_000, 15)
  const data = await legacy(t, { [nfdName]: nfd, [nfcName]: nfc }, [
    { order: 1, url: '/uploads/caf%C3%A9.png' },
    { order: 2, url: '/uploads/caf\u00e9.png' },
    { order: 3, url: `/uploads/${nfcName.normalize('NFD')}` },
  ])
  const report = await run(data)
  t.same(report.files.failed, [])
  t.same(report.missingFiles, [])
  const urls = (await pageUrls(data.db)) as string[]
  for (const url of urls.slice(0, 2)) t.ok(url.endsWith(`/${sha256Hex(nfd).slice(0, 32)}.png`), `${url}: é → café.png`)
  t.ok(urls[2]!.endsWith(`/${sha256Hex(nfc).slice(0, 32)}.png`), 'ï → naïve.png')
  t.equal(report.documents.rewritten, 3)
})

t.test('one document the server refuses to write is reported, and the others are still rewritten', async (t) => {
  // Near the 16 MiB document limit, with thousands of short old URLs: rewritten to longer ones, it would not fit.
  const refs = Array.from({ length: 20_000 }, () => '<img src="/uploads/d.png">').join('')
  const huge = refs + 'x'.repeat(16 * 1024 * 1024 - 64 * 1024 - refs.length)
  const data = await legacy(t, { 'd.png': fileOf('image/png', 2_000, 16) }, [
    { order: 1, url: '/uploads/d.png', html: huge },
    { order: 2, url: '/uploads/d.png' },
    { order: 3, url: '/uploads/d.png' },
  ])
  const report = await run(data)
  t.equal(report.documents.skipped.length, 1, JSON.stringify(report.documents.skipped))
  t.match(report.documents.skipped[0], { collection: 'pages', reason: /not written/ })
  t.equal(report.documents.rewritten, 2)
  const urls = await pageUrls(data.db)
  t.equal(urls[0], '/uploads/d.png', 'the refused document is unchanged')
  t.match(urls[1], new RegExp(`^${config.s3Endpoint}/`))
  t.match(urls[2], new RegExp(`^${config.s3Endpoint}/`))
})

t.test('values beside a rewritten URL keep their BSON types', async (t) => {
  const big = Long.fromString('1152921504606846977') // 2^60 + 1: not a double
  const data = await legacy(t, { 'e.png': fileOf('image/png', 2_000, 17) }, [
    { order: 1, url: 'none', block: { src: '/uploads/e.png', views: big, ratio: new Double(3) } },
  ])
  await run(data)
  const page = await data.db.collection('pages').findOne({}, { promoteValues: false })
  const block = page!.block as { src: string; views: unknown; ratio: unknown }
  t.match(block.src, new RegExp(`^${config.s3Endpoint}/`))
  t.ok(block.views instanceof Long && block.views.equals(big), 'the Long is still the same Long')
  t.ok(block.ratio instanceof Double, 'the double 3.0 is still a double')
})

t.test('a multipart upload is checked against S3’s composite checksum of the parts read with the file', async (t) => {
  const big = fileOf('video/mp4', 11 * MiB, 18)
  const data = await legacy(t, { 'big.mp4': big }, [{ order: 1, url: '/uploads/big.mp4' }])
  const report = await run(data, undefined, 5 * MiB)
  t.same(report.files.failed, [])
  t.equal(report.files.uploaded, 1)
  const key = `${config.s3KeyPrefix}${data.workspaceId}/${sha256Hex(big).slice(0, 32)}.mp4`
  const head = await s3.send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: key, ChecksumMode: 'ENABLED' }))
  const parts = [big.subarray(0, 5 * MiB), big.subarray(5 * MiB, 10 * MiB), big.subarray(10 * MiB)]
  const composite = sha256Base64(Buffer.concat(parts.map((part) => createHash('sha256').update(part).digest())))
  t.equal(head.ChecksumSHA256, `${composite}-3`, 'three parts, each verified by S3')
  t.match((await pageUrls(data.db))[0], new RegExp(`^${config.s3Endpoint}/`))

  const again = await run(data, undefined, 5 * MiB)
  t.equal(again.files.alreadyInBucket, 1, 'a re-run verifies the stored composite and skips the upload')
  t.same(again.files.failed, [])
})
