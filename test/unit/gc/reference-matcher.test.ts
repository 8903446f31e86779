/**
 * What counts as a reference to an upload for `hoist gc`: its URL under any base it is served from (with or without a
 * query string), its key alone, anywhere in nested documents, arrays and text — the matching `hoist migrate` uses —
 * or its unique file name under a base Hoist does not know. Anything else is not one.
 */
import t from 'tap'
import { ObjectId } from 'mongodb'
import { ReferenceMatcher, type Candidate } from '../../../server/src/gc/reference-matcher.js'

const ID = '01JDQ7Y3V8N4W2K6P9R5T0X1ZA'
const OTHER_ID = '01JDQ7Y3V8N4W2K6P9R5T0X1ZB'
const KEY = `uploads/w1/2026/11/${ID}-AbCdEfGhIjKlMnOp.png`
const VARIANT = `uploads/w1/2026/11/${ID}-AbCdEfGhIjKlMnOp.w320.webp`
const OTHER_KEY = `uploads/w1/2026/11/${OTHER_ID}-QrStUvWxYz012345.jpg`
const candidate: Candidate = { id: ID, workspaceId: 'w1', keys: [KEY, VARIANT], bytes: 1000 }
const other: Candidate = { id: OTHER_ID, workspaceId: 'w1', keys: [OTHER_KEY], bytes: 10 }
const forms = { urlBases: ['https://cdn.example.com/', 'http://127.0.0.1:9000/bucket/'], keyPrefix: 'uploads/' }
const matcher = new ReferenceMatcher([candidate, other], forms)
const found = (document: unknown): string[] => [...matcher.referencedIn(document)].sort()

t.test('a URL as a whole field, under the CDN or the bucket', async (t) => {
  t.same(found({ image: `https://cdn.example.com/${KEY}` }), [ID])
  t.same(found({ image: `http://127.0.0.1:9000/bucket/${KEY}` }), [ID])
})

t.test('only in a nested array of a nested document', async (t) => {
  const walkthrough = {
    steps: [{ blocks: [{ type: 'text' }, { type: 'image', data: { src: `https://cdn.example.com/${KEY}` } }] }],
  }
  t.same(found(walkthrough), [ID])
})

t.test('with a query string, inside HTML and Markdown text', async (t) => {
  t.same(found({ html: `<p>see <img src="https://cdn.example.com/${KEY}?w=300&v=2"> here</p>` }), [ID])
  t.same(found({ md: `![shot](https://cdn.example.com/${KEY}?w=300), and more.` }), [ID])
})

t.test('the key written alone, and a variant for its original', async (t) => {
  t.same(found({ fileKey: KEY }), [ID])
  t.same(found({ list: ['x', `thumb: ${KEY}.`] }), [ID], 'punctuation after the key')
  t.same(found({ thumb: `https://cdn.example.com/${VARIANT}` }), [ID])
})

t.test('its unique name under a base Hoist was never told about', async (t) => {
  t.same(found({ src: `https://old-cdn.example.net/assets/${KEY}?x=1` }), [ID])
  t.same(found({ src: `/proxy/${ID}-AbCdEfGhIjKlMnOp.png` }), [ID])
  t.same(
    found({ src: `https://img.example.net/?key=${encodeURIComponent(KEY)}&w=300` }),
    [ID],
    'percent-encoded in a query',
  )
})

t.test('several uploads in one document; each counted', async (t) => {
  t.same(found({ a: `https://cdn.example.com/${KEY}`, b: [{ c: OTHER_KEY }] }), [ID, OTHER_ID].sort())
})

t.test('not a reference: another key, a longer name, a prefix of the name, values that are not text', async (t) => {
  t.same(found({ a: `https://cdn.example.com/uploads/w1/2026/11/${ID}-AbCdEfGhIjKlMnOX.png` }), [])
  t.same(found({ a: `${ID}-AbCdEfGhIjKlMnOpQ` }), [], 'the name inside a longer word')
  t.same(found({ a: ID }), [], 'the id alone is not the file')
  t.same(found({ _id: new ObjectId(), at: new Date(), n: 3, none: null }), [])
})

t.test('with an empty S3_KEY_PREFIX, a key written alone starts with its workspace', async (t) => {
  const key = `w1/2026/11/${ID}-AbCdEfGhIjKlMnOp.png`
  const bare = new ReferenceMatcher([{ ...candidate, keys: [key] }], { urlBases: forms.urlBases, keyPrefix: '' })
  t.same([...bare.referencedIn({ k: key })], [ID])
  t.same([...bare.referencedIn({ k: `https://cdn.example.com/${key}?v=1` })], [ID])
})

t.test('the URL and key forms on their own (a key without a unique name: no name to fall back on)', async (t) => {
  const plain = new ReferenceMatcher(
    [{ id: 'p', workspaceId: 'w1', keys: ['uploads/w1/photo (1).png'], bytes: 1 }],
    forms,
  )
  const ids = (document: unknown): string[] => [...plain.referencedIn(document)]
  t.same(ids({ a: 'https://cdn.example.com/uploads/w1/photo (1).png?v=3' }), ['p'], 'a URL as typed, with its query')
  t.same(
    ids({ a: ['<img src="https://cdn.example.com/uploads/w1/photo%20(1).png">'] }),
    ['p'],
    'percent-encoded, in HTML',
  )
  t.same(ids({ a: { b: 'uploads/w1/photo (1).png' } }), ['p'], 'the key alone')
  t.same(ids({ a: 'https://elsewhere.example/uploads/w1/photo (1).png' }), [], 'under a base nobody named')
  t.same(ids({ a: 'myuploads/w1/photo (1).png' }), [], 'inside another path')
})
