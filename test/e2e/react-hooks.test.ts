/**
 * @hoist/react in real Chromium, through a production React build of react/example — on React 19 and on React 18
 * (the hooks' peer range): files picked into useUploads reach 100% and show their confirmed record, useUpload does
 * the same for one file, Cancel discards the upload on the server, and a refused type shows the API's message.
 */
import t from 'tap'
import { launchBrowser, throttleUploads } from '../helpers/browser.js'
import { demoOrigin } from '../helpers/demo-server.js'
import { serveExample } from '../helpers/example-app.js'
import { baseUrl, startHoist, uniqueName } from '../helpers/hoist.js'
import { pngImage } from '../helpers/png.js'
import { mintToken } from '../helpers/tokens.js'

const builds = [
  { react: '19', origin: await demoOrigin(), buildEnv: {} as Record<string, string> },
  { react: '18', origin: await demoOrigin(), buildEnv: { HOIST_EXAMPLE_REACT: '18' } },
]
const { app, db } = await startHoist(t, { listen: true, config: { corsOrigins: builds.map((b) => b.origin) } })
for (const { origin, buildEnv } of builds) {
  await serveExample(t, { example: 'react/example', origin, apiUrl: baseUrl(app), buildEnv })
}
const { browser } = await launchBrowser(t)
const uploads = db.collection('uploads')

for (const { react, origin } of builds) {
  const workspace = uniqueName(`react${react}`)
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${origin}/#token=${mintToken({ workspace })}`)

  t.test(`React ${react}: the page runs the version it was built with`, async (t) => {
    t.match(await page.locator('[data-react-version]').getAttribute('data-react-version'), new RegExp(`^${react}\\.`))
    t.same(errors, [], 'no page error')
  })

  t.test(`React ${react}: useUploads — two images reach 100% and show their confirmed records`, async (t) => {
    const files = [
      { name: 'one.png', mimeType: 'image/png', buffer: pngImage(120, 80, [250, 60, 60]) },
      { name: 'two.png', mimeType: 'image/png', buffer: pngImage(120, 80, [60, 60, 250]) },
    ]
    await page.getByLabel('Choose files').setInputFiles(files)
    for (const file of files) {
      const item = page.locator(`li.upload[data-name="${file.name}"]`)
      await item.and(page.locator('[data-status="confirmed"]')).waitFor({ timeout: 30_000 })
      t.equal(await item.locator('progress').evaluate((p: HTMLProgressElement) => p.value), 100, `${file.name}: 100%`)
      const record = await uploads.findOne({ workspaceId: workspace, filename: file.name })
      t.equal(record?.status, 'confirmed', `${file.name} is confirmed in MongoDB`)
      t.equal(await item.getByRole('link').getAttribute('href'), record?.url, 'the page shows the record’s URL')
    }
    const served = await fetch(String(await page.locator('li.upload[data-name="one.png"] a').getAttribute('href')))
    t.equal(served.status, 200, 'the URL serves the file')
  })

  t.test(`React ${react}: useUpload — one file, its record and the image from the bucket`, async (t) => {
    await page
      .getByLabel('Choose an avatar')
      .setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: pngImage(64, 64, [10, 200, 10]) })
    await page.locator('.avatar[data-status="confirmed"]').waitFor({ timeout: 30_000 })
    const image = page.getByAltText('Your avatar')
    await image.evaluate((img: HTMLImageElement) => (img.complete ? undefined : new Promise((r) => (img.onload = r))))
    t.equal(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), 64, 'decoded from the bucket')
    const record = await uploads.findOne({ workspaceId: workspace, filename: 'me.png' })
    t.same(record?.status, 'confirmed')
  })

  t.test(`React ${react}: Cancel aborts the upload and it is discarded on the server`, async (t) => {
    const cdp = await throttleUploads(browser, page, 2_000_000)
    t.teardown(() => cdp.detach())
    const big = Buffer.concat([pngImage(64, 64, [1, 2, 3]), Buffer.alloc(16_000_000, 7)])
    await page.getByLabel('Choose files').setInputFiles({ name: 'slow.png', mimeType: 'image/png', buffer: big })
    const item = page.locator('li.upload[data-name="slow.png"]')
    await page.waitForFunction(() => {
      const bar = document.querySelector<HTMLProgressElement>('li.upload[data-name="slow.png"] progress')
      return bar !== null && bar.value > 0
    })
    await item.getByRole('button', { name: 'Cancel slow.png' }).click()
    await item.and(page.locator('[data-status="cancelled"]')).waitFor()
    t.equal(await item.getByRole('status').textContent(), 'Cancelled')
    let record
    for (let i = 0; i < 50 && record?.status !== 'deleted'; i++) {
      record = await uploads.findOne({ workspaceId: workspace, filename: 'slow.png' })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    t.equal(record?.status, 'deleted', 'the server discarded it')
    t.equal(await item.getByRole('button', { name: 'Retry slow.png' }).isVisible(), true, 'Retry is offered')
  })

  t.test(`React ${react}: a refused type shows the API’s message`, async (t) => {
    await page
      .getByLabel('Choose files')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') })
    const item = page.locator('li.upload[data-name="notes.txt"]')
    await item.and(page.locator('[data-status="error"]')).waitFor({ timeout: 15_000 })
    t.match(
      await item.getByRole('alert').textContent(),
      /^Files of type text\/plain are not accepted; allowed types: image\/jpeg/,
    )
    t.equal(await uploads.countDocuments({ workspaceId: workspace, filename: 'notes.txt' }), 0, 'nothing recorded')
    t.same(errors, [], 'no page error')
  })
}
