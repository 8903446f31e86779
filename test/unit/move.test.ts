/**
 * The pure parts of `hoist move`: which URLs move and to what, a record's URLs once moved, when a target object
 * counts as a verified copy (so a rerun skips it), and which settings the operator changes afterwards.
 */
import t from 'tap'
import { parseConfig } from '../../server/src/config.js'
import { planDocumentWrite } from '../../server/src/migration/document-write.js'
import { copyMismatch, isCopyOf } from '../../server/src/move/copy-object.js'
import { movedRecordUrls } from '../../server/src/move/records.js'
import { settingsToChange, targetConfig } from '../../server/src/move/target.js'
import { movedUrl, sourceUrlForms } from '../../server/src/move/urls.js'

const OLD = ['https://cdn.example.com', 'http://minio:9000/photos/']
const KEYS = new Set(['uploads/a.png', 'uploads/a.w320.webp', 'uploads/shot (1).png'])
const newUrlOfKey = (key: string): string | undefined => (KEYS.has(key) ? `https://r2.example/${key}` : undefined)

t.test('a URL under any old base becomes the target URL of its key, query string and fragment kept', async (t) => {
  t.equal(movedUrl('https://cdn.example.com/uploads/a.png', OLD, newUrlOfKey), 'https://r2.example/uploads/a.png')
  t.equal(
    movedUrl('http://minio:9000/photos/uploads/a.png?w=640&v=2', OLD, newUrlOfKey),
    'https://r2.example/uploads/a.png?w=640&v=2',
  )
  t.equal(
    movedUrl('https://cdn.example.com/uploads/a.png#top', OLD, newUrlOfKey),
    'https://r2.example/uploads/a.png#top',
  )
})

t.test('a URL is left alone when its key was not copied, or it is under no old base', async (t) => {
  t.equal(movedUrl('https://cdn.example.com/uploads/b.png', OLD, newUrlOfKey), undefined, 'not copied')
  t.equal(movedUrl('https://cdn.example.com.evil/uploads/a.png', OLD, newUrlOfKey), undefined)
  t.equal(movedUrl('http://minio:9000/photos-old/uploads/a.png', OLD, newUrlOfKey), undefined, 'a lookalike base')
})

t.test('a document: every source URL rewritten, nested and in text; rewriting it again changes nothing', async (t) => {
  const forms = sourceUrlForms(OLD, (key) => KEYS.has(key))
  const newUrlOf = (url: string): string | undefined => movedUrl(url, OLD, newUrlOfKey)
  const document = {
    _id: 1,
    steps: [
      { blocks: [{ data: { url: 'https://cdn.example.com/uploads/a.png' } }] },
      {
        blocks: [
          {
            data: {
              html: '<img src="http://minio:9000/photos/uploads/a.w320.webp?w=320"> and https://cdn.example.com/uploads/shot (1).png.',
            },
          },
        ],
      },
    ],
  }
  const write = planDocumentWrite(document, forms, newUrlOf)
  if (write?.kind !== 'set') throw new Error('expected a $set')
  const steps = (write.update.$set as { steps: unknown }).steps
  t.same(steps, [
    { blocks: [{ data: { url: 'https://r2.example/uploads/a.png' } }] },
    {
      blocks: [
        {
          data: {
            html: '<img src="https://r2.example/uploads/a.w320.webp?w=320"> and https://r2.example/uploads/shot (1).png.',
          },
        },
      ],
    },
  ])
  t.equal(planDocumentWrite({ _id: 1, steps }, forms, newUrlOf), undefined, 'idempotent')
})

t.test("a record's URL and its variants' URLs move with their keys; unchanged when none moved", async (t) => {
  const record = {
    key: 'uploads/a.png',
    url: 'https://cdn.example.com/uploads/a.png',
    variants: [
      { width: 320, height: 1, format: 'webp' as const, key: 'uploads/a.w320.webp', url: 'x', bytes: 1 },
      { width: 640, height: 1, format: 'webp' as const, key: 'uploads/a.w640.webp', url: 'y', bytes: 1 },
    ],
  }
  const moved = movedRecordUrls(record, newUrlOfKey)
  t.equal(moved?.url, 'https://r2.example/uploads/a.png')
  t.same(
    moved?.variants?.map((variant) => variant.url),
    ['https://r2.example/uploads/a.w320.webp', 'y'],
    'a variant not copied keeps its URL',
  )
  t.equal(movedRecordUrls({ ...record, key: 'uploads/b.png', variants: [] }, newUrlOfKey), undefined)
  t.equal(movedRecordUrls({ key: 'uploads/a.png', url: 'https://r2.example/uploads/a.png' }, newUrlOfKey), undefined)
})

t.test(
  'a target object is a verified copy only with the same size, a stored checksum and the source ETag',
  async (t) => {
    const listed = { size: 10, etag: '"abc"' }
    t.equal(isCopyOf({ size: 10, checksum: 'c', sourceEtag: 'abc' }, listed), true)
    t.equal(isCopyOf({ size: 11, checksum: 'c', sourceEtag: 'abc' }, listed), false, 'another size')
    t.equal(isCopyOf({ size: 10, sourceEtag: 'abc' }, listed), false, 'no checksum stored')
    t.equal(isCopyOf({ size: 10, checksum: 'c', sourceEtag: 'old' }, listed), false, 'the source changed since')
    t.equal(isCopyOf({ size: 10, checksum: 'c' }, listed), false, 'copied by something else')
    t.equal(isCopyOf(undefined, listed), false)
  },
)

t.test('a copy is verified against what was sent: size, checksum, source ETag', async (t) => {
  const sent = { size: 10, checksum: 'sum-2' }
  t.equal(copyMismatch({ size: 10, checksum: 'sum-2', sourceEtag: 'e' }, sent, 'e'), undefined)
  t.match(copyMismatch({ size: 9, checksum: 'sum-2', sourceEtag: 'e' }, sent, 'e'), /size 9/)
  t.match(copyMismatch({ size: 10, checksum: 'other', sourceEtag: 'e' }, sent, 'e'), /checksum other/)
  t.match(copyMismatch({ size: 10, checksum: 'sum-2' }, sent, 'e'), /source ETag none/)
  t.equal(copyMismatch(undefined, sent, 'e'), 'no object')
})

t.test('the settings to change: only those that differ, and never a secret', async (t) => {
  const source = parseConfig({
    s3Bucket: 'photos',
    s3Endpoint: 'http://minio:9000',
    s3ForcePathStyle: true,
    publicBaseUrl: 'https://cdn.example.com',
    mongoUri: 'mongodb://db/',
    jwtSecret: 'x'.repeat(32),
    awsAccessKeyId: 'SOURCEKEY',
    awsSecretAccessKey: 'source-secret',
  })
  const target = targetConfig(source, {
    bucket: 'photos-r2',
    endpoint: 'https://acct.r2.cloudflarestorage.com',
    region: 'auto',
    credentials: { accessKeyId: 'R2KEY', secretAccessKey: 'r2-secret' },
  })
  t.equal(target.publicBaseUrl, undefined, "the source's CDN is not the target's")
  t.equal(target.s3KeyPrefix, source.s3KeyPrefix)
  const lines = settingsToChange(source, target, true)
  t.same(lines.slice(0, 4), [
    'S3_BUCKET_NAME=photos-r2',
    'S3_ENDPOINT=https://acct.r2.cloudflarestorage.com',
    'AWS_REGION=auto',
    'PUBLIC_BASE_URL=   (unset; was https://cdn.example.com)',
  ])
  t.notMatch(lines.join('\n'), /r2-secret|source-secret/)
})
