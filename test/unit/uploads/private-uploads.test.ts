/**
 * Private uploads (control 41) on the in-memory ledger and store: the visibility a presign asks for and the one the
 * token fixes, where a private upload's key goes (and its quarantine key, with scanning on), that no path hands out a
 * URL for it or its variants, and which key a download signs.
 */
import t from 'tap'
import type { ImageVariant, UploadView } from '../../../protocol/src/uploads.js'
import { isPrivateKey, publishedKey } from '../../../server/src/bucket/private-keys.js'
import { movedRecordUrls } from '../../../server/src/move/records.js'
import { applyUploadRules } from '../../../server/src/uploads/upload-rules.js'
import { imageSources } from '../../../web-client/src/picture.js'
import { fileOf } from '../../helpers/fixtures.js'
import { alice, memoryServices, type MemoryServices } from '../../doubles/services.js'

const png = { contentType: 'image/png', size: 100 }

t.test('the visibility: the presign’s, or the one the token fixes; public when neither says', async (t) => {
  t.equal(applyUploadRules(undefined, png).visibility, 'public')
  t.equal(applyUploadRules(undefined, { ...png, visibility: 'private' }).visibility, 'private')
  t.equal(applyUploadRules({ visibility: 'private' }, png).visibility, 'private', 'filled in when absent')
  t.equal(applyUploadRules({ visibility: 'private' }, { ...png, visibility: 'private' }).visibility, 'private')
  t.equal(applyUploadRules({ maxSize: 1000 }, { ...png, visibility: 'private' }).visibility, 'private')
  t.throws(() => applyUploadRules({ visibility: 'private' }, { ...png, visibility: 'public' }), {
    code: 'TOKEN_VISIBILITY_FIXED',
    message: /allows private uploads only/,
  })
  t.throws(() => applyUploadRules({ visibility: 'public' }, { ...png, visibility: 'private' }), {
    code: 'TOKEN_VISIBILITY_FIXED',
  })
})

async function uploaded(services: MemoryServices, visibility?: 'private' | 'public'): Promise<UploadView> {
  const created = await services.uploads.create(alice, {
    filename: 'a.png',
    contentType: 'image/png',
    size: 2000,
    ...(visibility ? { visibility } : {}),
  })
  await services.store.putObject(created.key, fileOf('image/png', 2000), 'image/png')
  return services.confirmer.confirm(alice, created.id)
}

t.test('a private upload lives in the private folder and is confirmed without a URL', async (t) => {
  const services = memoryServices()
  const view = await uploaded(services, 'private')
  t.match(view.key, /^uploads\/\.private\/files\/ws-a\/\d{4}\/\d{2}\/[0-9A-Z]{26}-[A-Za-z0-9_-]{16}\.png$/)
  t.same([view.status, view.visibility, view.url], ['confirmed', 'private', undefined])
  t.equal((await services.ledger.getById(view.id))?.url, undefined, 'nothing recorded either')

  const open = await uploaded(services)
  t.notOk(isPrivateKey('uploads/', open.key))
  t.same([open.visibility, open.url], [undefined, services.store.publicUrl(open.key)], 'public stays the default')
})

t.test('with scanning on, a private upload waits in quarantine and is published to its private key', async (t) => {
  const services = memoryServices({ config: { scan: 'clamav', clamdHost: '127.0.0.1' } })
  const view = await uploaded(services, 'private')
  t.equal(view.status, 'quarantined')
  const target = publishedKey(view.key)
  t.match(target, /^uploads\/\.private\/files\/ws-a\//, 'the scan’s copy keeps it in the private folder')
})

t.test('download signs the original, or the variant named by width and format', async (t) => {
  const services = memoryServices()
  const view = await uploaded(services, 'private')
  const variant = (width: number, format: 'webp' | 'avif'): ImageVariant => ({
    width,
    height: width,
    format,
    key: `${view.key.replace(/\.png$/, '')}.w${width}.${format}`,
    bytes: 10,
  })
  await services.ledger.recordImage(view.id, {
    image: { width: 640, height: 640, placeholder: 'x' },
    variants: [variant(320, 'webp'), variant(640, 'webp'), variant(320, 'avif')],
    processedAt: services.clock(),
  })
  const original = await services.uploads.downloadUrl(alice, view.id)
  t.match(original.url, view.key)
  const webp = await services.uploads.downloadUrl(alice, view.id, { width: 320 })
  t.match(webp.url, variant(320, 'webp').key, 'webp unless the format is named')
  const avif = await services.uploads.downloadUrl(alice, view.id, { width: 320, format: 'avif' })
  t.match(avif.url, variant(320, 'avif').key)
  await t.rejects(services.uploads.downloadUrl(alice, view.id, { width: 640, format: 'avif' }), {
    code: 'VARIANT_NOT_FOUND',
    message: /no variant 640 avif; its variants: 320 webp, 640 webp, 320 avif/,
  })
})

t.test('hoist move never gives a private variant a URL; the browser offers none for it', async (t) => {
  const privateVariant: ImageVariant = {
    width: 320,
    height: 1,
    format: 'webp',
    key: 'uploads/.private/files/a.w320.webp',
    bytes: 1,
  }
  const record = { key: 'uploads/.private/files/a.png', variants: [privateVariant] }
  t.equal(
    movedRecordUrls(record, (key) => `https://r2.example/${key}`),
    undefined,
    'nothing to rewrite',
  )
  const view = { variants: [privateVariant, { ...privateVariant, width: 640, url: 'https://cdn/x.w640.webp' }] }
  t.same(
    imageSources(view as UploadView).map((source) => source.srcset),
    ['https://cdn/x.w640.webp 640w'],
  )
})
