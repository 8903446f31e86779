import t from 'tap'
import { UPLOAD_ID_PATTERN } from '../../protocol/src/ids.js'
import { variantKey } from '../../server/src/images/variant-keys.js'
import { displayFilename, newUploadId, objectKey } from '../../server/src/uploads/keys.js'

/** `<ulid>-<16 base64url characters>.<ext>`: the id, then the key's own random part. */
const KEY_NAME = /^(?<id>[0-9A-HJKMNP-TV-Z]{26})-(?<secret>[A-Za-z0-9_-]{16})\.(?<ext>[a-z0-9]+)$/

function secretOf(key: string): string {
  const match = KEY_NAME.exec(key.split('/').pop()!)
  if (!match?.groups) throw new Error(`not a key of the expected shape: ${key}`)
  return match.groups.secret!
}

t.test('ids are ULIDs that sort by creation time', async (t) => {
  const ids = Array.from({ length: 50 }, () => newUploadId())
  t.same([...ids].sort(), ids)
  for (const id of ids) t.match(id, new RegExp(UPLOAD_ID_PATTERN))
})

t.test('keys are <prefix><workspace>/<yyyy>/<mm>/<id>-<secret>.<ext> in UTC', async (t) => {
  const secret = Uint8Array.from({ length: 12 }, (_, i) => i * 20)
  t.equal(
    objectKey('uploads/', 'w1', 'ID', 'png', new Date('2026-01-31T23:30:00-05:00'), secret),
    'uploads/w1/2026/02/ID-ABQoPFBkeIygtMjc.png',
  )
})

t.test('two keys made in the same millisecond differ by at least 96 random bits, not by +1', async (t) => {
  const now = new Date('2026-11-28T12:00:00Z')
  const keys = Array.from({ length: 20 }, () => objectKey('uploads/', 'w1', newUploadId(now), 'png', now))
  const secrets = keys.map(secretOf)
  t.equal(new Set(secrets).size, keys.length, 'every key has its own random part')
  for (const secret of secrets) {
    t.equal(Buffer.from(secret, 'base64url').length, 12, `${secret} carries 96 bits`)
  }
  const ids = keys.map((key) => KEY_NAME.exec(key.split('/').pop()!)!.groups!.id!)
  t.equal(ids[0]!.slice(0, 10), ids[1]!.slice(0, 10), 'same millisecond: the ids share their time part')
})

t.test('image variants still derive from the key, beside it', async (t) => {
  const key = objectKey('uploads/', 'w1', newUploadId(), 'jpg', new Date('2026-11-28T12:00:00Z'))
  const variant = variantKey(key, 640, 'webp')
  t.equal(variant, `${key.slice(0, -'.jpg'.length)}.w640.webp`)
  t.match(variant, /^uploads\/w1\/2026\/11\/[0-9A-HJKMNP-TV-Z]{26}-[A-Za-z0-9_-]{16}\.w640\.webp$/)
})

t.test('display names lose directories and control characters and are capped', async (t) => {
  t.equal(displayFilename('../../etc/passwd'), 'passwd')
  t.equal(displayFilename('C:\\Users\\me\\shot.png'), 'shot.png')
  t.equal(displayFilename('a\u0000b\u202ec.png'), 'abc.png')
  t.equal(displayFilename('   '), 'unnamed')
  t.equal(displayFilename('..'), 'unnamed')
  t.equal(Array.from(displayFilename('é'.repeat(1000))).length, 255)
  t.equal(displayFilename('Cafe\u0301.png'), 'Café.png', 'NFC')
})
