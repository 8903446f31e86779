import t from 'tap'
import { findReferences, relativePathOf, rewriteUrls } from '../../server/src/migration/references.js'

const prefixes = ['/uploads/', 'https://old-api.example.com/uploads/']

t.test('finds URLs in nested objects and arrays, with their paths', async (t) => {
  const doc = {
    title: 'x',
    steps: [
      {
        blocks: [{ data: { url: '/uploads/a.png' } }, { data: { src: 'https://old-api.example.com/uploads/v/b.mp4' } }],
      },
    ],
    avatar: null,
    count: 3,
  }
  t.same(findReferences(doc, prefixes), [
    { path: ['steps', 0, 'blocks', 0, 'data', 'url'], url: '/uploads/a.png', relativePath: 'a.png' },
    {
      path: ['steps', 0, 'blocks', 1, 'data', 'src'],
      url: 'https://old-api.example.com/uploads/v/b.mp4',
      relativePath: 'v/b.mp4',
    },
  ])
})

t.test('query strings and fragments are not part of the file; percent-encoding is undone', async (t) => {
  t.equal(relativePathOf('/uploads/a.png?v=3#top', prefixes), 'a.png')
  t.equal(relativePathOf('/uploads/mon%20image%20%C3%A9.png', prefixes), 'mon image é.png')
  t.equal(
    relativePathOf('/uploads/bad%E0%A4%A.png', prefixes),
    'bad%E0%A4%A.png',
    'broken encodings are kept as written',
  )
})

t.test('a URL cannot name a file outside the uploads directory', async (t) => {
  t.equal(relativePathOf('/uploads/../secrets.txt', prefixes), undefined)
  t.equal(relativePathOf('/uploads/a/%2E%2E/%2E%2E/etc/passwd', prefixes), undefined)
  t.equal(relativePathOf('/uploads//x', prefixes), undefined)
})

t.test('URLs inside HTML and Markdown are found and rewritten in place', async (t) => {
  const html = '<p><img src="/uploads/a.png"> and ![b](/uploads/b.gif) (see /uploads/c.pdf)</p>'
  t.same(
    findReferences(html, prefixes).map((r) => r.relativePath),
    ['a.png', 'b.gif', 'c.pdf'],
  )
  const rewritten = rewriteUrls(html, prefixes, (url) => `https://cdn.example/${relativePathOf(url, prefixes)}`)
  t.equal(
    rewritten,
    '<p><img src="https://cdn.example/a.png"> and ![b](https://cdn.example/b.gif) (see https://cdn.example/c.pdf)</p>',
  )
})

t.test('a relative prefix inside another host’s URL is not an old upload', async (t) => {
  t.same(findReferences('https://cdn.other.example/uploads/a.png', prefixes), [])
  t.same(findReferences('see http://x.test/static/uploads/a.png', prefixes), [])
})

t.test('URLs whose replacement is undefined (missing files) are left as they are', async (t) => {
  const doc = { a: '/uploads/here.png', b: ['/uploads/missing.png'] }
  const rewritten = rewriteUrls(doc, prefixes, (url) => (url.includes('here') ? 'https://cdn/here.png' : undefined))
  t.same(rewritten, { a: 'https://cdn/here.png', b: ['/uploads/missing.png'] })
})

t.test('values that are not strings, arrays or plain objects are kept as they are', async (t) => {
  const date = new Date()
  const rewritten = rewriteUrls({ when: date, n: 1, nothing: null }, prefixes, () => 'x') as Record<string, unknown>
  t.equal(rewritten.when, date)
  t.equal(rewritten.n, 1)
  t.equal(rewritten.nothing, null)
})
