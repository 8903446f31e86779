/**
 * `hoist gc` on the real stack, run as the CLI an operator would run (issue 24, control 38): an upload attached then
 * detached, past the grace period, is deleted with its image variants and an `upload.deleted` event whose reason is
 * `unreferenced`; one referenced only from a nested array of an app document, one referenced by URL with a query string
 * inside a text field, one attached and one within the grace period are kept; a dry run changes nothing.
 * Records are dated in the past instead of waiting out a grace period.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import t, { type Test } from 'tap'
import { parseGcReport, type GcReport } from '../../../server/src/gc/report.js'
import { uploadFile } from '../../helpers/api.js'
import { cliEnv, runHoist } from '../../helpers/cli.js'
import { testDatabase } from '../../helpers/database.js'
import { startHoist } from '../../helpers/hoist.js'
import { testImageWorker } from '../../helpers/image-worker.js'
import { pngImage } from '../../helpers/png.js'
import { bearer } from '../../helpers/tokens.js'

const { app, db, s3, config, stack } = await startHoist(t, { config: { imageWidths: [64] } })
const { db: appDb } = await testDatabase(t, 'gcapp')
const workers = testImageWorker(t, db, config)
const APP = { sub: 'walkthrough-backend', role: 'app' }
const uploads = db.collection('uploads')

const upload = (name: string, hue: [number, number, number]) =>
  uploadFile(app, { filename: name, contentType: 'image/png', bytes: Uint8Array.from(pngImage(120, 90, hue)) })
async function act(action: 'attach' | 'detach', id: string, reference: string): Promise<void> {
  const answer = await app.inject({
    method: 'POST',
    url: `/v1/uploads/${id}/${action}`,
    headers: bearer(APP),
    payload: { reference },
  })
  if (answer.statusCode !== 200) throw new Error(`${action} failed: ${answer.statusCode} ${answer.body}`)
}
/** As if confirmed `days` ago: the grace period is judged from confirmedAt. */
const confirmedDaysAgo = (id: string, days: number) =>
  uploads.updateOne({ _id: id as never }, { $set: { confirmedAt: new Date(Date.now() - days * 86_400_000) } })

const detached = await upload('detached.png', [255, 0, 0])
const nested = await upload('nested.png', [0, 255, 0])
const inText = await upload('in-text.png', [0, 0, 255])
const attached = await upload('attached.png', [255, 255, 0])
const recent = await upload('recent.png', [0, 255, 255])
await workers.drain()
await act('attach', detached.id, 'walkthroughs/w1/steps/s1/blocks/b1')
await act('detach', detached.id, 'walkthroughs/w1/steps/s1/blocks/b1')
await act('attach', attached.id, 'walkthroughs/w1/steps/s2/blocks/b1')
for (const { id } of [detached, nested, inText, attached]) await confirmedDaysAgo(id, 8)
await appDb.collection('walkthroughs').insertMany([
  { title: 'only nested', steps: [{ blocks: [{ type: 'text' }, { type: 'image', data: { url: nested.url } }] }] },
  { title: 'no files', steps: [] },
])
await appDb
  .collection('pages')
  .insertOne({ body: `<p>Intro</p><img src="${inText.url}?w=640&amp;v=2" alt="">`, updatedAt: new Date() })

const env = cliEnv(stack, config)
const gc = async (t: Test, ...extra: string[]): Promise<GcReport> => {
  const args = ['gc', '--db', appDb.databaseName, '--collection', 'walkthroughs', '--collection', 'pages', '--json']
  const result = await runHoist([...args, ...extra], env)
  t.equal(result.code, 0, result.stderr)
  return parseGcReport(result.stdout)
}
const bucketKeys = async (): Promise<string[]> =>
  ((await s3.send(new ListObjectsV2Command({ Bucket: config.s3Bucket }))).Contents ?? []).map(
    (object) => `${object.Key} ${object.ETag}`,
  )
const everything = async () => ({
  objects: (await bucketKeys()).sort(),
  records: await uploads.find().sort({ _id: 1 }).toArray(),
  events: await db.collection('upload_events').countDocuments(),
  attachments: await db.collection('upload_attachments').find().sort({ _id: 1 }).toArray(),
})
const detachedRecord = await uploads.findOne({ _id: detached.id as never })
const variantKeys: string[] = (detachedRecord?.variants ?? []).map((variant: { key: string }) => variant.key)

t.test('the images have variants, so their deletion can be seen', async (t) => {
  t.equal(variantKeys.length, 1)
})

t.test('a collection that does not exist (a typo) is refused before anything is deleted', async (t) => {
  const before = await everything()
  const result = await runHoist(['gc', '--db', appDb.databaseName, '--collection', 'walkthrough'], env)
  t.equal(result.code, 2)
  t.match(result.stderr, `no collection walkthrough in the database ${appDb.databaseName}`)
  t.same(await everything(), before)
})

t.test('a dry run reports the one unreferenced upload, with its bytes, and changes nothing', async (t) => {
  const before = await everything()
  const report = await gc(t, '--dry-run')
  t.same(report.uploads, { confirmed: 5, withinGrace: 1, attached: 1, referenced: 2, changedMeanwhile: 0 })
  t.equal(report.documents.scanned, 3)
  t.same(report.unreferenced, { count: 1, bytes: detachedRecord!.size + detachedRecord!.variants[0].bytes })
  t.same(report.deleted, { count: 0, bytes: 0 })
  t.same(await everything(), before, 'bucket objects, records, events and attachments as they were')
})

t.test('without --json: progress on stderr, a summary on stdout', async (t) => {
  const args = ['gc', '--db', appDb.databaseName, '--collection', 'walkthroughs', '--collection', 'pages', '--dry-run']
  const result = await runHoist(args, env)
  t.equal(result.code, 0, result.stderr)
  t.match(result.stderr, /scanning walkthroughs: 2\/2/)
  t.match(result.stdout, /dry run: 1 unreferenced upload\(s\), [0-9.]+ MiB, would be deleted; nothing changed/)
})

t.test('--db may be a URI naming the app’s database, as for hoist migrate', async (t) => {
  const uri = new URL(stack.mongoUri)
  uri.pathname = `/${appDb.databaseName}`
  const args = ['gc', '--db', uri.href, '--collection', 'walkthroughs', '--collection', 'pages', '--dry-run', '--json']
  const result = await runHoist(args, env)
  t.equal(result.code, 0, result.stderr)
  t.same(parseGcReport(result.stdout).unreferenced.count, 1)
})

t.test('gc deletes the detached upload and its variant, and keeps every one still in use', async (t) => {
  const report = await gc(t)
  t.equal(report.deleted.count, 1)
  t.same(report.failed, [])
  const records = new Map((await uploads.find().toArray()).map((record) => [record._id as unknown as string, record]))
  t.same([records.get(detached.id)?.status, records.get(detached.id)?.reason], ['deleted', 'unreferenced'])
  for (const { id } of [nested, inText, attached, recent]) t.equal(records.get(id)?.status, 'confirmed', id)
  const keys = (await bucketKeys()).map((line) => line.split(' ')[0])
  t.notOk(keys.includes(detached.key), 'the file is gone')
  for (const key of variantKeys) t.notOk(keys.includes(key), 'its variant is gone')
  for (const { key } of [nested, inText, attached, recent]) t.ok(keys.includes(key), `${key} kept`)
})

t.test('the feed has the upload.deleted event, with the reason', async (t) => {
  const feed = await app.inject({ method: 'GET', url: '/v1/events?limit=500', headers: bearer() })
  const deleted = feed
    .json()
    .items.map((item: { event: { type: string; data: { id: string; reason?: string } } }) => item.event)
    .filter((event: { type: string; data: { id: string } }) => event.type === 'upload.deleted')
  t.same(
    deleted.map((event: { data: { id: string; reason?: string } }) => [event.data.id, event.data.reason]),
    [[detached.id, 'unreferenced']],
  )
})

t.test('run again: nothing left to delete', async (t) => {
  const report = await gc(t)
  t.same(report.deleted, { count: 0, bytes: 0 })
})
