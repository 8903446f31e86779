/**
 * @hoist/uppy with the real Uppy Dashboard in Chromium (a production build of uppy/example): an image and a file
 * above the multipart threshold are confirmed with Uppy's global meta as Hoist metadata; Cancel discards the upload
 * on the server; a refused type shows the API's message; and after a reload mid-multipart the same file, picked
 * again, resumes without sending again any part already in the bucket.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Document, WithId } from 'mongodb'
import type { CDPSession, Page } from 'playwright-core'
import t from 'tap'
import { launchBrowser } from '../helpers/browser.js'
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
  await page.goto(`${origin}/#token=${mintToken({ workspace })}`)
  await page.locator('.uppy-Dashboard').waitFor()
  return { page, partsSent }
}

async function throttle(page: Page, bytesPerSecond: number): Promise<CDPSession> {
  const cdp = await browser.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond,
  })
  return cdp
}

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

t.test('a reload mid-multipart, the same file picked again: it resumes, no part sent twice', async (t) => {
  const workspace = uniqueName('uppy-resume')
  const size = 16 * MiB // parts of 5, 5, 5 and 1 MiB
  const bytes = fileOf('video/mp4', size, 7)
  const path = join(dir, 'walkthrough.mp4')
  writeFileSync(path, bytes) // from a path, the File keeps its modification time: Uppy gives it the same id again
  const { page, partsSent } = await openDashboard(workspace)
  await throttle(page, 3 * MiB)
  await addFiles(page, path)
  await startUpload(page)

  const partsInBucket = async (id: string): Promise<number[]> => {
    const listed = await app.inject({ url: `/v1/uploads/${id}/parts`, headers: bearer({ workspace }) })
    return listed.json().parts.map((part: { partNumber: number }) => part.partNumber)
  }
  const record = await recordOf(workspace, 'walkthrough.mp4')
  const id = String(record._id)
  for (let i = 0; i < 200 && (await partsInBucket(id)).length === 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 100))
  await page.reload()
  await page.locator('.uppy-Dashboard').waitFor()
  // Parts the page was sending when it went away may still land; let them settle.
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const inBucket = await partsInBucket(id)
  t.ok(inBucket.length >= 1 && inBucket.length < 4, `${inBucket.length} of 4 parts were in the bucket at the reload`)

  partsSent.length = 0
  await throttle(page, 3 * MiB)
  await addFiles(page, path)
  await startUpload(page)
  await page.locator('#confirmed li[data-name="walkthrough.mp4"]').waitFor({ timeout: 60_000 })
  t.same(
    partsSent.filter((part) => inBucket.includes(part)),
    [],
    'no part already in the bucket was sent again',
  )
  t.same([...new Set([...partsSent, ...inBucket])].sort(), [1, 2, 3, 4], 'the rest were sent')
  const confirmed = await uploads.findOne({ _id: record._id })
  t.equal(confirmed?.status, 'confirmed', 'the same upload was confirmed')
  const served = new Uint8Array(await (await fetch(String(confirmed!.url))).arrayBuffer())
  t.equal(sha256Hex(served), sha256Hex(bytes), 'the bucket holds the file')
  await page.close()
})
