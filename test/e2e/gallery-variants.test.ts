/**
 * Images served small (issue 14): once the image worker has made an upload's variants, the demo gallery's <picture>
 * loads a WebP variant sized for its tile — smaller than the original — in real Chromium.
 */
import t from 'tap'
import { launchBrowser } from '../helpers/browser.js'
import { demoOrigin, startDemo } from '../helpers/demo-server.js'
import { baseUrl, startHoist, uniqueName } from '../helpers/hoist.js'
import { testImageWorker } from '../helpers/image-worker.js'
import { noisyJpeg } from '../helpers/images.js'

const workspace = uniqueName('e2e')
const demoUrl = await demoOrigin()
const { app, db, config } = await startHoist(t, {
  listen: true,
  config: { corsOrigins: [demoUrl], imageWidths: [320, 640, 1280] },
})
const worker = testImageWorker(t, db, config).create()
worker.start()
t.teardown(() => worker.stop())
await startDemo(t, { origin: demoUrl, apiUrl: baseUrl(app), workspace })
const { browser } = await launchBrowser(t)
const page = await browser.newPage()
await page.goto(demoUrl)
await page.getByText(`Workspace “${workspace}”`).waitFor({ timeout: 15_000 })

t.test('the gallery shows a WebP variant smaller than the original, its placeholder until it loads', async (t) => {
  const photo = await noisyJpeg(1600, 1000)
  await page.locator('#file-input').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: photo })
  await page
    .locator('#upload-list li [data-state="done"]')
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(() => undefined)
  let record: {
    _id: string
    size: number
    variants?: { url: string; bytes: number; width: number; format: string }[]
  } | null = null
  for (let i = 0; i < 150 && !record?.variants; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    record = await db
      .collection<{ _id: string; size: number }>('uploads')
      .findOne({ workspaceId: workspace, filename: 'photo.jpg' })
  }
  t.same(
    record?.variants?.map((v) => v.width),
    [320, 640, 1280],
    'the worker made the variants',
  )

  await page.locator('#refresh-button').click()
  const img = page.locator('#gallery picture img').first()
  await img.waitFor()
  await img.evaluate((element: HTMLImageElement) =>
    element.complete ? undefined : new Promise((resolve) => (element.onload = resolve)),
  )
  const shown = await img.evaluate((element: HTMLImageElement) => ({
    currentSrc: element.currentSrc,
    width: element.naturalWidth,
    background: element.style.backgroundImage,
  }))
  const variant = record?.variants?.find((v) => v.url === shown.currentSrc)
  t.ok(variant, `the browser chose a variant: ${shown.currentSrc}`)
  t.equal(variant?.format, 'webp')
  t.equal(variant?.width, 320, 'the smallest one that fills a 240 px tile')
  t.ok(variant!.bytes < record!.size, `${variant?.bytes} bytes instead of the original’s ${record?.size}`)
  t.equal(shown.background, '', 'the placeholder is gone once the variant loaded')

  // Hold the variant back: until it arrives, the image shows its thumbhash placeholder. A fresh page (its own
  // context, so its own cache): the first page holds the variant in its memory cache, immutable as it is.
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => (release = resolve))
  const fresh = await browser.newPage()
  t.teardown(() => fresh.close())
  await fresh.route('**/*.webp', async (route) => {
    await held
    await route.continue()
  })
  await fresh.goto(demoUrl)
  const loading = fresh.locator('#gallery picture img').first()
  await loading.waitFor({ timeout: 15_000 })
  t.match(
    await loading.evaluate((element: HTMLImageElement) => element.style.backgroundImage),
    /^url\("data:image\/png;base64,/,
    'the placeholder shows while it loads',
  )
  release()
  await loading.evaluate((element: HTMLImageElement) =>
    element.complete ? undefined : new Promise((resolve) => (element.onload = resolve)),
  )
  t.equal(
    await loading.evaluate((element: HTMLImageElement) => element.style.backgroundImage),
    '',
    'and is gone once it has',
  )
})
