import t from 'tap'
import { findReferences, relativePathOf, rewriteUrls } from '../../server/src/migration/references.js'

const prefixes = ['/uploads/', 'https://old-api.example.com/uploads/']
/** No file on disk: every URL ends at the first space or bracket. */
const noFiles = { prefixes, isFile: () => false }

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
  t.same(findReferences(doc, noFiles), [
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
    findReferences(html, noFiles).map((r) => r.relativePath),
    ['a.png', 'b.gif', 'c.pdf'],
  )
  const rewritten = rewriteUrls(html, noFiles, (url) => `https://cdn.example/${relativePathOf(url, prefixes)}`)
  t.equal(
    rewritten,
    '<p><img src="https://cdn.example/a.png"> and ![b](https://cdn.example/b.gif) (see https://cdn.example/c.pdf)</p>',
  )
})

t.test('a relative prefix inside another host’s URL is not an old upload', async (t) => {
  t.same(findReferences('https://cdn.other.example/uploads/a.png', noFiles), [])
  t.same(findReferences('see http://x.test/static/uploads/a.png', noFiles), [])
})

t.test('URLs whose replacement is undefined (missing files) are left as they are', async (t) => {
  const doc = { a: '/uploads/here.png', b: ['/uploads/missing.png'] }
  const rewritten = rewriteUrls(doc, noFiles, (url) => (url.includes('here') ? 'https://cdn/here.png' : undefined))
  t.same(rewritten, { a: 'https://cdn/here.png', b: ['/uploads/missing.png'] })
})

t.test('values that are not strings, arrays or plain objects are kept as they are', async (t) => {
  const date = new Date()
  const rewritten = rewriteUrls({ when: date, n: 1, nothing: null }, noFiles, () => 'x') as Record<string, unknown>
  t.equal(rewritten.when, date)
  t.equal(rewritten.n, 1)
  t.equal(rewritten.nothing, null)
})

/** Files on disk with the names a new user's app really had. */
const files = new Set(['a b.png', 'café menu.png', 'shot (1).png', 'a+b.png', 'dir/x y (2).png'])
const withFiles = { prefixes, isFile: (path: string) => files.has(path) }
const found = (text: string): string[] => findReferences(text, withFiles).map((ref) => ref.url)

t.test('a whole-field URL with spaces, parentheses or + names the file that exists with them', async (t) => {
  t.same(found('/uploads/a b.png'), ['/uploads/a b.png'])
  t.same(found('/uploads/shot (1).png'), ['/uploads/shot (1).png'])
  t.same(found('/uploads/a+b.png'), ['/uploads/a+b.png'])
  t.same(found('/uploads/dir/x y (2).png?v=2'), ['/uploads/dir/x y (2).png?v=2'], 'query string kept')
  t.same(
    findReferences('https://old-api.example.com/uploads/café menu.png', withFiles).map((ref) => ref.relativePath),
    ['café menu.png'],
  )
})

t.test('unicode names match in either normal form, written or percent-encoded', async (t) => {
  t.same(found('/uploads/cafe\u0301 menu.png'), ['/uploads/cafe\u0301 menu.png'], 'NFD as written')
  t.same(found('/uploads/caf%C3%A9%20menu.png'), ['/uploads/caf%C3%A9%20menu.png'], 'NFC percent-encoded')
  t.same(found('/uploads/cafe%CC%81%20menu.png'), ['/uploads/cafe%CC%81%20menu.png'], 'NFD percent-encoded')
  t.same(found('/uploads/a%20b.png'), ['/uploads/a%20b.png'])
  t.same(found('/uploads/shot%20%281%29.png'), ['/uploads/shot%20%281%29.png'])
})

t.test('in HTML and Markdown, a space or bracket ends a URL only when the longer name is no file', async (t) => {
  t.same(found('<img src="/uploads/a b.png"> <img src=/uploads/shot (1).png>'), [
    '/uploads/a b.png',
    '/uploads/shot (1).png',
  ])
  t.same(found('![menu](https://old-api.example.com/uploads/café menu.png) and ![s](/uploads/shot (1).png)'), [
    'https://old-api.example.com/uploads/café menu.png',
    '/uploads/shot (1).png',
  ])
  t.same(found('[a](/uploads/a b.png "the title"), see /uploads/a b.png.'), ['/uploads/a b.png', '/uploads/a b.png'])
  t.same(found('/uploads/a b.png /uploads/a+b.png'), ['/uploads/a b.png', '/uploads/a+b.png'], 'two URLs in a row')
})

t.test('a URL whose longer readings name no file ends at the first space (reported as missing)', async (t) => {
  t.same(found('/uploads/gone file.png'), ['/uploads/gone'])
  t.same(found('(see /uploads/gone.png)'), ['/uploads/gone.png'])
})

t.test('rewriting replaces the whole URL, spaces included, and nothing around it', async (t) => {
  const html = '<p><img src="/uploads/a b.png"> ![s](/uploads/shot (1).png) /uploads/café menu.png</p>'
  const rewritten = rewriteUrls(
    html,
    withFiles,
    (url) => `https://cdn.example/${files.has(relativePathOf(url, prefixes)!) ? 'ok' : 'no'}`,
  )
  t.equal(rewritten, '<p><img src="https://cdn.example/ok"> ![s](https://cdn.example/ok) https://cdn.example/ok</p>')
})
