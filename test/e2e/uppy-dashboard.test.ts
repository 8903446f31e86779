/**
 * @hoist/uppy with the real Uppy Dashboard in Chromium (a production build of uppy/example): an image and a file
 * above the multipart threshold are confirmed with Uppy's global meta as Hoist metadata; Cancel discards the upload
 * on the server; a refused type shows the API's message; and after a reload mid-multipart, Golden Retriever brings
 * the file back — with its bytes up to 10 MiB, as a ghost to pick again above — and the upload resumes without
 * sending again any part already in the bucket.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Document, WithId } from 'mongodb'
import type { CDPSession, Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { launchBrowser, throttleUploads } from '../helpers/browser.js'
import { demoOrigin } from '../helpers/demo-server.js'
import { serveExample } from '../helpers/example-app.js'
import { fileOf, sha256Hex } from '../helpers/fixtures.js'
import { baseUrl, startHoist, uniqueName } from '../helpers/hoist.js'
import { pngImage } from '../helpers/png.js'
import { bearer, mintToken } from '../helpers/tokens.js'

const MiB = 1024 * 1024
const origin = await demoOrigin()
const { app, db } = await startHoist(t, {
  listen: true,
  config: { corsOrigins: [origin], multipartThresholdBytes: 6 * MiB, multipartPartSizeBytes: 5 * MiB },
})
await serveExample(t, { example: 'uppy/example', origin, apiUrl: baseUrl(app) })
const { browser } = await launchBrowser(t)
const uploads = db.collection('uploads')
const dir = mkdtempSync(join(tmpdir(), 'hoist-uppy-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** A fresh page on a workspace of its own, recording the part numbers of the multipart PUTs it sends. */
async function openDashboard(workspace: string): Promise<{ page: Page; partsSent: number[] }> {
  const page = await browser.newPage()
  const partsSent: number[] = []
  page.on('request', (request) => {
    const part = new URL(request.url()).searchParams.get('partNumber')
    if (request.method() === 'PUT' && part) partsSent.push(Number(part))
  })
  // Golden Retriever keeps Uppy's state per origin: each test starts from none (cleared from a blank page there).
  const blank = `${origin}/blank-for-the-test`
  await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html>' }))
  await page.goto(blank)
  await page.evaluate(async () => {
    localStorage.clear()
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue
      await new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name)
        request.onsuccess = resolve
        request.onerror = () => reject(request.error ?? new Error(`cannot delete ${name}`))
      })
    }
  })
  await page.unroute(blank)
  await page.goto(`${origin}/#token=${mintToken({ workspace })}`)
  await page.locator('.uppy-Dashboard').waitFor()
  return { page, partsSent }
}

const throttle = (page: Page, bytesPerSecond: number): Promise<CDPSession> =>
  throttleUploads(browser, page, bytesPerSecond)

const addFiles = (page: Page, files: Parameters<Page['setInputFiles']>[1]): Promise<void> =>
  page.locator('input.uppy-Dashboard-input[type=file]').first().setInputFiles(files)
const startUpload = (page: Page): Promise<void> => page.locator('.uppy-StatusBar-actionBtn--upload').click()

/** The upload's record once the API has created it (the page presigns asynchronously). */
async function recordOf(workspace: string, filename: string): Promise<WithId<Document>> {
  for (let i = 0; i < 100; i++) {
    const record = await uploads.findOne({ workspaceId: workspace, filename })
    if (record) return record
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no record of ${filename}`)
}

t.test('an image and a multipart file upload from the Dashboard and are confirmed, with metadata', async (t) => {
  const workspace = uniqueName('uppy')
  const { page, partsSent } = await openDashboard(workspace)
  const clip = fileOf('video/mp4', 8 * MiB, 5)
  await addFiles(page, [
    { name: 'photo.png', mimeType: 'image/png', buffer: pngImage(200, 120, [30, 140, 220]) },
    { name: 'clip.mp4', mimeType: 'video/mp4', buffer: clip },
  ])
  await startUpload(page)
  await page.locator('#confirmed li').nth(1).waitFor({ timeout: 60_000 })
  t.equal(await page.locator('.uppy-Dashboard-Item.is-complete').count(), 2, 'the Dashboard shows both complete')

  const records = await uploads.find({ workspaceId: workspace }).sort({ filename: 1 }).toArray()
  t.same(
    records.map((r) => [r.filename, r.status, r.strategy]),
    [
      ['clip.mp4', 'confirmed', 'multipart'],
      ['photo.png', 'confirmed', 'single'],
    ],
  )
  t.same(partsSent.sort(), [1, 2], 'the large file went in two parts')
  const listed = await app.inject({ url: '/v1/uploads?metadata.source=uppy-example', headers: bearer({ workspace }) })
  t.equal(listed.json().items.length, 2, "Uppy's global meta became each upload's Hoist metadata")
  const link = page.locator('#confirmed li[data-name="clip.mp4"] a')
  t.equal(await link.getAttribute('href'), records[0]!.url, 'upload-success carried the record: uploadURL is its URL')
  t.match(await link.textContent(), `clip.mp4 (${8 * MiB} bytes, multipart)`, 'and response.body is the record')
  const served = new Uint8Array(await (await fetch(String(records[0]!.url))).arrayBuffer())
  t.equal(sha256Hex(served), sha256Hex(clip), 'the bucket holds the file')
  await page.close()
})

t.test('Cancel in the Dashboard aborts the upload and discards it on the server', async (t) => {
  const workspace = uniqueName('uppy-cancel')
  const { page } = await openDashboard(workspace)
  await throttle(page, 2 * MiB)
  await addFiles(page, { name: 'long.mp4', mimeType: 'video/mp4', buffer: fileOf('video/mp4', 16 * MiB, 6) })
  await startUpload(page)
  await page.locator('.uppy-Dashboard-Item.is-inprogress').waitFor()
  let record: WithId<Document> | null = await recordOf(workspace, 'long.mp4')
  t.equal(record.status, 'pending', 'the upload started')
  await page.locator('.uppy-StatusBar').getByRole('button', { name: 'Cancel', exact: true }).click()
  for (let i = 0; i < 50 && record?.status !== 'deleted'; i++) {
    record = await uploads.findOne({ workspaceId: workspace, filename: 'long.mp4' })
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(record?.status, 'deleted', 'the server discarded it')
  t.equal(await page.locator('.uppy-Dashboard-Item').count(), 0, 'Uppy forgot the file')
  await page.close()
})

t.test('a refused type: the file shows the API’s message', async (t) => {
  const workspace = uniqueName('uppy-refused')
  const { page } = await openDashboard(workspace)
  await addFiles(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') })
  await startUpload(page)
  const failed = page.locator('.uppy-Dashboard-Item.is-error')
  await failed.waitFor({ timeout: 15_000 })
  t.match(
    await failed.locator('.uppy-Dashboard-Item-errorDetails').getAttribute('aria-label'),
    /^Files of type text\/plain are not accepted; allowed types: image\/jpeg/,
  )
  t.equal(await uploads.countDocuments({ workspaceId: workspace }), 0, 'nothing recorded')
  await page.close()
})

/**
 * Starts a multipart upload from a file on disk (from a path, the File keeps its modification time: Uppy gives it
 * the same id when it is picked again), reloads the page once a part is in the bucket, and reports what was there.
 */
async function reloadMidUpload(workspace: string, filename: string, size: number, seed: number) {
  const bytes = fileOf('video/mp4', size, seed)
  const path = join(dir, filename)
  writeFileSync(path, bytes)
  const { page, partsSent } = await openDashboard(workspace)
  await throttle(page, 1.5 * MiB)
  await addFiles(page, path)
  await startUpload(page)
  const record = await recordOf(workspace, filename)
  const partsInBucket = async (): Promise<number[]> => {
    const listed = await app.inject({ url: `/v1/uploads/${String(record._id)}/parts`, headers: bearer({ workspace }) })
    return listed.json().parts.map((part: { partNumber: number }) => part.partNumber)
  }
  for (let i = 0; i < 300 && (await partsInBucket()).length === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 50))
  await page.reload()
  await page.locator('.uppy-Dashboard-Item').waitFor() // Golden Retriever brought the file back
  // Parts the page was sending when it went away may still land; let them settle.
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const inBucket = await partsInBucket()
  partsSent.length = 0
  await throttle(page, 4 * MiB)
  return { page, partsSent, record, bytes, path, inBucket }
}

async function expectResumed(
  t: Test,
  { page, partsSent, record, bytes, inBucket }: Awaited<ReturnType<typeof reloadMidUpload>>,
  partCount: number,
): Promise<void> {
  const name = String(record.filename)
  t.ok(
    inBucket.length >= 1 && inBucket.length < partCount,
    `${inBucket.length} of ${partCount} parts were in the bucket`,
  )
  await page.locator(`#confirmed li[data-name="${name}"]`).waitFor({ timeout: 60_000 })
  t.same(
    partsSent.filter((part) => inBucket.includes(part)),
    [],
    'no part already in the bucket was sent again',
  )
  const all = Array.from({ length: partCount }, (_, i) => i + 1)
  t.same([...new Set([...partsSent, ...inBucket])].sort(), all, 'the rest were sent')
  const confirmed = await uploads.findOne({ _id: record._id })
  t.equal(confirmed?.status, 'confirmed', 'the same upload was confirmed')
  const served = new Uint8Array(await (await fetch(String(confirmed?.url))).arrayBuffer())
  t.equal(sha256Hex(served), sha256Hex(bytes), 'the bucket holds the file')
  await page.close()
}

t.test('reload mid-multipart, file up to 10 MiB: Golden Retriever kept it, Upload resumes it', async (t) => {
  const reloaded = await reloadMidUpload(uniqueName('uppy-restored'), 'short.mp4', 6.5 * MiB, 8) // parts: 5 + 1.5 MiB
  const { page } = reloaded
  t.equal(await page.locator('.uppy-Dashboard-Item.is-ghost').count(), 0, 'restored with its bytes')
  await startUpload(page) // "Upload" confirms the restore: Golden Retriever hands the file back to the uploader
  await expectResumed(t, reloaded, 2)
})

t.test('reload mid-multipart, file over 10 MiB: a ghost; picked again, it resumes', async (t) => {
  const reloaded = await reloadMidUpload(uniqueName('uppy-ghost'), 'walkthrough.mp4', 16 * MiB, 7) // 5, 5, 5, 1 MiB
  const { page, path } = reloaded
  const ghost = page.locator('.uppy-Dashboard-Item.is-ghost')
  t.equal(await ghost.count(), 1, 'Golden Retriever kept the file without its bytes')
  await ghost.getByRole('button', { name: 'Re-select' }).click()
  await addFiles(page, path)
  await ghost.waitFor({ state: 'detached' })
  await startUpload(page)
  await expectResumed(t, reloaded, 4)
})
