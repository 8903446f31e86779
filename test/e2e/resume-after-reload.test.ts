/**
 * A large file goes multipart from the demo page; the page is reloaded mid-way; choosing the file again resumes
 * where it stopped (no part already in the bucket is sent again) and the record is confirmed with the right size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { launchBrowser, throttleUploads } from '../helpers/browser.js'
import { demoOrigin, startDemo } from '../helpers/demo-server.js'
import { fileOf, sha256Hex } from '../helpers/fixtures.js'
import { baseUrl, startHoist, uniqueName } from '../helpers/hoist.js'
import { bearer } from '../helpers/tokens.js'

const MiB = 1024 * 1024
const SIZE = 60 * MiB
const workspace = uniqueName('resume')
const demoUrl = await demoOrigin()
const { app, db } = await startHoist(t, {
  listen: true,
  config: { corsOrigins: [demoUrl], multipartThresholdBytes: 8 * MiB, multipartPartSizeBytes: 5 * MiB },
})
await startDemo(t, { origin: demoUrl, apiUrl: baseUrl(app), workspace })
const dir = mkdtempSync(join(tmpdir(), 'hoist-resume-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const bytes = fileOf('video/mp4', SIZE, 21)
const path = join(dir, 'long-recording.mp4')
writeFileSync(path, bytes)

const { browser } = await launchBrowser(t)
const page = await browser.newPage()
const partsSent: number[] = []
page.on('request', (request) => {
  const part = new URL(request.url()).searchParams.get('partNumber')
  if (request.method() === 'PUT' && part) partsSent.push(Number(part))
})
const throttle = async (): Promise<void> => void (await throttleUploads(browser, page, 12 * MiB))
const progressOf = (): Promise<number> =>
  page.locator('.upload-row[data-name="long-recording.mp4"] progress').evaluate((p: HTMLProgressElement) => p.value)

t.test('a reload mid-upload, then the same file again: it resumes and completes', async (t) => {
  await page.goto(demoUrl)
  await page.getByText(`Workspace “${workspace}”`).waitFor()
  await throttle()
  await page.locator('#file-input').setInputFiles(path)
  await page.waitForFunction(
    () => {
      const progress = document.querySelector<HTMLProgressElement>(
        '.upload-row[data-name="long-recording.mp4"] progress',
      )
      return progress !== null && progress.value >= 35
    },
    undefined,
    { timeout: 60_000 },
  )
  const progressBeforeReload = await progressOf()
  await page.reload()
  await page.getByText(`Workspace “${workspace}”`).waitFor()
  t.equal(
    await page.locator('#interrupted-list li').textContent(),
    'long-recording.mp4',
    'the page lists the interrupted upload',
  )

  const record = await db.collection('uploads').findOne({ workspaceId: workspace, filename: 'long-recording.mp4' })
  t.equal(record?.status, 'pending')
  // Parts the browser was sending when the page went away may still land; let them settle.
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const listed = await app.inject({
    method: 'GET',
    url: `/v1/uploads/${String(record!._id)}/parts`,
    headers: bearer({ workspace }),
  })
  const inBucket: number[] = listed.json().parts.map((part: { partNumber: number }) => part.partNumber)
  t.ok(
    inBucket.length >= 3,
    `${inBucket.length} of 12 parts were in the bucket at the reload (progress ${progressBeforeReload}%)`,
  )

  partsSent.length = 0
  await throttle()
  await page.locator('#file-input').setInputFiles(path)
  const row = page.locator('.upload-row[data-name="long-recording.mp4"]')
  await row.and(page.locator('[data-state="done"]')).waitFor({ timeout: 90_000 })
  t.equal(await progressOf(), 100)
  t.same(
    partsSent.filter((part) => inBucket.includes(part)),
    [],
    'no part already in the bucket was sent again',
  )
  t.equal(new Set([...partsSent, ...inBucket]).size, 12, 'the rest were sent')

  const confirmed = await db.collection('uploads').findOne({ _id: record!._id })
  t.equal(confirmed?.status, 'confirmed', 'the same upload was confirmed')
  t.equal(confirmed?.size, SIZE)
  const served = new Uint8Array(await (await fetch(confirmed!.url)).arrayBuffer())
  t.equal(sha256Hex(served), sha256Hex(bytes), 'the bucket holds the file')
  t.equal(await page.locator('#interrupted').isHidden(), true, 'nothing is left to resume')
})
