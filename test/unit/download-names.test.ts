/** Downloads: the name is the user's, the extension the verified type's, the header exact for any string. */
import t from 'tap'
import { parseConfig } from '../../server/src/config.js'
import { contentDisposition } from '../../server/src/storage/presign/url-signer.js'
import { openObjectStore } from '../../server/src/storage/open-object-store.js'
import { downloadFilename } from '../../server/src/uploads/keys.js'

/** RFC 8187 `attr-char`, plus `%` for the escapes. */
const VALUE_CHARS = /^[A-Za-z0-9!#$&+\-.^_`|~%]*$/
const extendedValue = (header: string): string => /filename\*=UTF-8''(.*)$/.exec(header)?.[1] ?? ''

t.test('the extension is the verified type’s, never the user’s', async (t) => {
  t.equal(downloadFilename('report.html', 'png'), 'report.png')
  t.equal(downloadFilename('x.jpg.php', 'jpg'), 'x.jpg.jpg')
  t.equal(downloadFilename('x.php%00.jpg', 'jpg'), 'x.php%00.jpg')
  t.equal(downloadFilename('photo.JPEG', 'jpg'), 'photo.jpg')
  t.equal(downloadFilename('README', 'png'), 'README.png')
  t.equal(downloadFilename('.htaccess', 'png'), 'htaccess.png', 'no hidden files')
  t.equal(downloadFilename('clip. ', 'mp4'), 'clip.mp4')
  t.equal(downloadFilename('...', 'gif'), 'download.gif')
})

t.test('filename* is RFC 8187: every character outside attr-char is percent-encoded, ’()* included', async (t) => {
  t.equal(
    contentDisposition("it's (1)*.png"),
    `attachment; filename="it's (1)*.png"; filename*=UTF-8''it%27s%20%281%29%2A.png`,
  )
  const everyAscii = String.fromCharCode(...Array.from({ length: 95 }, (_, i) => i + 0x20))
  for (const name of [everyAscii, 'rapport été.png', '写真 (1).jpg', '\u202egnp.exe', 'a\r\nb.png']) {
    const header = contentDisposition(name)
    t.match(extendedValue(header), VALUE_CHARS, `value-chars only for ${JSON.stringify(name)}`)
    t.equal(decodeURIComponent(extendedValue(header)), name, 'and it decodes to the name')
    t.match(header, /^attachment; filename="[\x20-\x7e]*"; /, 'the ASCII fallback is printable ASCII')
    t.notMatch(/filename="(.*)"; /.exec(header)?.[1] ?? '', /["\\]/, 'with no quote or backslash inside')
  }
})

t.test('a lone surrogate in a stored name becomes U+FFFD instead of throwing', async (t) => {
  const header = contentDisposition('a\uD800b\uDC00.png')
  t.equal(header, `attachment; filename="a_b_.png"; filename*=UTF-8''a%EF%BF%BDb%EF%BF%BD.png`)
  t.equal(contentDisposition('\uD83D\uDE00.png').endsWith(`''%F0%9F%98%80.png`), true, 'a pair is kept')
})

for (const presigner of ['sigv4', 'sdk'] as const) {
  t.test(`the ${presigner} signer signs that header into the download URL`, async (t) => {
    const store = openObjectStore(
      parseConfig({
        s3Bucket: 'offline-bucket',
        s3Endpoint: 'http://127.0.0.1:9',
        s3ForcePathStyle: true,
        awsAccessKeyId: 'AKIAOFFLINE',
        awsSecretAccessKey: 'offline-secret',
        mongoUri: 'mongodb://unused/',
        jwtSecret: 'x'.repeat(32),
        presigner,
      }),
    )
    t.teardown(() => store.close())
    const downloadName = "it's (1)\uD800.png"
    const { url } = await store.presignGet({ key: 'uploads/w/x.png', expiresInSeconds: 60, downloadName })
    t.equal(new URL(url).searchParams.get('response-content-disposition'), contentDisposition(downloadName))
    t.equal(new URL(url).searchParams.get('response-cache-control'), null, 'the object’s Cache-Control by default')
    const cacheControl = 'private, max-age=60'
    const signed = await store.presignGet({ key: 'uploads/w/x.png', expiresInSeconds: 60, cacheControl })
    t.equal(new URL(signed.url).searchParams.get('response-cache-control'), cacheControl, 'a private download’s')
  })
}
