/**
 * Hundreds of generated malformed, hostile or foreign requests: every one a 4xx in the one error shape, none a
 * 5xx, and the ledger exactly as it was.
 */
import t from 'tap'
import { createUpload, uploadFile } from '../../helpers/api.js'
import { badInputCorpus } from '../../helpers/bad-input-corpus.js'
import { fileOf } from '../../helpers/fixtures.js'
import { startHoist } from '../../helpers/hoist.js'

const { app, db } = await startHoist(t, {
  config: { presignRateLimitPerMinute: 100_000, multipartThresholdBytes: 8 * 1024 * 1024 },
})
const confirmed = await uploadFile(app, {
  filename: 'keep.png',
  contentType: 'image/png',
  bytes: fileOf('image/png', 1200),
})
const pending = (await createUpload(app, { filename: 'wait.png', contentType: 'image/png', size: 300 })).json()
const multipart = (
  await createUpload(app, { filename: 'big.mp4', contentType: 'video/mp4', size: 20 * 1024 * 1024 })
).json()
const corpus = badInputCorpus({ confirmed: confirmed.id, pending: pending.id, multipart: multipart.id })

const ledger = async (): Promise<unknown[]> => [
  ...(await db
    .collection('uploads')
    .find({}, { sort: { _id: 1 } })
    .toArray()),
  ...(await db
    .collection('upload_events')
    .find({}, { sort: { _id: 1 } })
    .toArray()),
]
const before = await ledger()

t.ok(corpus.length >= 200, `the corpus has ${corpus.length} requests`)

const categories = [...new Set(corpus.map((entry) => entry.category))]
for (const category of categories) {
  t.test(`${category}: every request is a 4xx in the error shape`, async (t) => {
    for (const entry of corpus.filter((e) => e.category === category)) {
      const response = await app.inject(entry.request)
      const ok = response.statusCode >= 400 && response.statusCode < 500
      t.ok(
        ok,
        ok
          ? `${entry.name}: ${response.statusCode}`
          : `${entry.name}: ${response.statusCode} ${response.body.slice(0, 300)}`,
      )
      let body: { error?: { code?: unknown; message?: unknown } } = {}
      try {
        body = response.json()
      } catch {
        // asserted below
      }
      t.ok(
        typeof body.error?.code === 'string' && typeof body.error?.message === 'string',
        `${entry.name}: error shape`,
      )
    }
  })
}

t.test('the ledger is exactly as it was', async (t) => {
  t.same(await ledger(), before)
})
