/**
 * The demo page in real headless Chromium, against the real API and MinIO: uploads with progress, the gallery from
 * the bucket URLs, cancel, and a refused type. A screenshot of the page is saved to test-artifacts/.
 */
import { mkdirSync } from 'node:fs'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
import t from 'tap'
import { launchBrowser, throttleUploads } from '../helpers/browser.js'
import { demoOrigin, startDemo } from '../helpers/demo-server.js'
import { baseUrl, startHoist, uniqueName } from '../helpers/hoist.js'
import { pngImage } from '../helpers/png.js'

const workspace = uniqueName('e2e')
const demoUrl = await demoOrigin()
const { app, db, s3, config } = await startHoist(t, { listen: true, config: { corsOrigins: [demoUrl] } })
await startDemo(t, { origin: demoUrl, apiUrl: baseUrl(app), workspace })
const { browser } = await launchBrowser(t)
const page = await browser.newPage()
const consoleLines: string[] = []
page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`))
page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`))
t.teardown(() => {
  if (consoleLines.length > 0) t.comment(`browser console:\n${consoleLines.join('\n')}`)
})
await page.goto(demoUrl)
await page
  .getByText(`Workspace “${workspace}”`)
  .waitFor({ timeout: 15_000 })
  .catch(async (error: unknown) => {
    throw new Error(
      `the demo did not start: ${(error as Error).message}\n${await page.locator('#session').textContent()}\n${consoleLines.join('\n')}`,
    )
  })
const uploads = db.collection('uploads')

/** A real WebM recorded by Chromium itself from a canvas, so the gallery's player has something to decode. */
async function recordWebm(): Promise<Buffer> {
  const base64 = await page.evaluate(async () => {
    const canvas = document.createElement('canvas')
    canvas.width = 160
    canvas.height = 120
    const context = canvas.getContext('2d')!
    const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm;codecs=vp8' })
    const chunks: Blob[] = []
    recorder.ondataavailable = (event) => chunks.push(event.data)
    let frame = 0
    const timer = setInterval(() => {
      context.fillStyle = `hsl(${(frame++ * 12) % 360} 70% 50%)`
      context.fillRect(0, 0, 160, 120)
    }, 40)
    recorder.start(200)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const stopped = new Promise((resolve) => (recorder.onstop = resolve))
    recorder.stop()
    await stopped
    clearInterval(timer)
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer())
    let binary = ''
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(binary)
  })
  return Buffer.from(base64, 'base64')
}

t.test('three images and a video upload through the page, reach 100% and show in the gallery', async (t) => {
  const files = [
    { name: 'step-1.png', mimeType: 'image/png', buffer: pngImage(320, 200, [255, 80, 40]) },
    { name: 'step-2.png', mimeType: 'image/png', buffer: pngImage(320, 200, [40, 200, 90]) },
    { name: 'step-3.png', mimeType: 'image/png', buffer: pngImage(320, 200, [60, 90, 255]) },
    { name: 'demo.webm', mimeType: 'video/webm', buffer: await recordWebm() },
  ]
  await page.locator('#file-input').setInputFiles(files)
  for (const file of files) {
    const row = page.locator(`.upload-row[data-name="${file.name}"]`)
    await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: 30_000 })
    t.equal(
      await row.locator('progress').evaluate((p: HTMLProgressElement) => p.value),
      100,
      `${file.name} reached 100%`,
    )
    t.equal(await row.locator('[role=status]').textContent(), 'Uploaded')
  }

  const records = await uploads.find({ workspaceId: workspace, status: 'confirmed' }).toArray()
  t.same(records.map((r) => r.filename).sort(), files.map((f) => f.name).sort(), 'all four confirmed in MongoDB')

  // The events panel reads GET /v1/events: one upload.confirmed per file, as the app's backend would hear them.
  const confirmedEvents = page.locator('#events li[data-type="upload.confirmed"]')
  await confirmedEvents.nth(3).waitFor({ timeout: 15_000 })
  t.equal(await confirmedEvents.count(), 4, 'the events panel shows the four confirmations')
  t.match(await confirmedEvents.first().textContent(), /upload\.confirmed/)

  await page.locator('#gallery li').nth(3).waitFor()
  const images = page.locator('#gallery img')
  t.equal(await images.count(), 3)
  for (let i = 0; i < 3; i++) {
    const image = images.nth(i)
    await image.evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((r) => (img.onload = r))))
    t.ok(
      await image.evaluate((img: HTMLImageElement) => img.naturalWidth === 320),
      `thumbnail ${i + 1} decoded from the bucket`,
    )
    t.match(
      await image.getAttribute('src'),
      new RegExp(`^${config.s3Endpoint}/${config.s3Bucket}/${config.s3KeyPrefix}${workspace}/`),
    )
  }
  const video = page.locator('#gallery video')
  await video.evaluate((v: HTMLVideoElement) =>
    v.readyState >= 1 ? undefined : new Promise((r) => (v.onloadedmetadata = r)),
  )
  t.equal(
    await video.evaluate((v: HTMLVideoElement) => v.videoWidth),
    160,
    'the video player loaded it from the bucket',
  )

  mkdirSync('test-artifacts', { recursive: true })
  await page.screenshot({ path: 'test-artifacts/demo-after-uploads.png', fullPage: true })
})

t.test('a cancelled upload leaves no confirmed record and no object', async (t) => {
  // 2 MB/s upload so there is time to press Cancel mid-way.
  const cdp = await throttleUploads(browser, page, 2_000_000)
  t.teardown(() =>
    cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    }),
  )

  const big = Buffer.concat([pngImage(64, 64, [1, 2, 3]), Buffer.alloc(20_000_000, 7)])
  await page.locator('#file-input').setInputFiles({ name: 'too-slow.png', mimeType: 'image/png', buffer: big })
  const row = page.locator('.upload-row[data-name="too-slow.png"]')
  await page.waitForFunction(() => {
    const progress = document.querySelector<HTMLProgressElement>('.upload-row[data-name="too-slow.png"] progress')
    return progress !== null && progress.value > 0
  })
  await row.getByRole('button', { name: 'Cancel upload of too-slow.png' }).click()
  await row.and(page.locator('[data-state="cancelled"]')).waitFor()
  t.equal(await row.getByRole('button', { name: 'Retry upload of too-slow.png' }).isVisible(), true, 'Retry is offered')

  let record
  for (let i = 0; i < 50 && record?.status !== 'deleted'; i++) {
    record = await uploads.findOne({ workspaceId: workspace, filename: 'too-slow.png' })
    await new Promise((r) => setTimeout(r, 100))
  }
  t.equal(record?.status, 'deleted', 'the server discarded it')
  if (!record) return
  const head = await s3
    .send(new HeadObjectCommand({ Bucket: config.s3Bucket, Key: String(record.key) }))
    .catch((e: unknown) => e)
  t.equal(
    (head as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
    404,
    'no object in the bucket',
  )
})

t.test('a refused type shows the API’s message and offers no retry', async (t) => {
  await page
    .locator('#file-input')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') })
  const row = page.locator('.upload-row[data-name="notes.txt"]')
  await row.and(page.locator('[data-state="failed"]')).waitFor()
  t.match(
    await row.locator('[role=status]').textContent(),
    /Not accepted: Files of type text\/plain are not accepted; allowed types: image\/jpeg/,
  )
  t.equal(await row.getByRole('button', { name: 'Retry upload of notes.txt' }).isVisible(), false)
  t.equal(await uploads.countDocuments({ workspaceId: workspace, filename: 'notes.txt' }), 0, 'nothing recorded')
})

t.test('a confirmed file can be deleted from the gallery, with the keyboard', async (t) => {
  const button = page.getByRole('button', { name: 'Delete step-2.png' })
  await button.focus()
  await page.keyboard.press('Enter')
  await button.waitFor({ state: 'detached' })
  t.equal((await uploads.findOne({ workspaceId: workspace, filename: 'step-2.png' }))?.status, 'deleted')
  t.equal(await page.locator('#announcer').textContent(), 'step-2.png deleted', 'screen readers hear it')
})
