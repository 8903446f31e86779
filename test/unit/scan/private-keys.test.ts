/** Quarantine keys: under the prefix's private folder, never a public key, and mapped back to exactly one. */
import t from 'tap'
import { publishedKey, quarantineKey } from '../../../server/src/bucket/private-keys.js'

t.test('a quarantine key sits in the private folder of the same prefix and maps back to its public key', async (t) => {
  const key = quarantineKey('uploads/', 'uploads/acme/2026/12/01JE-abc.png')
  t.equal(key, 'uploads/.private/quarantine/acme/2026/12/01JE-abc.png')
  t.equal(publishedKey(key), 'uploads/acme/2026/12/01JE-abc.png')
  t.equal(publishedKey(quarantineKey('', 'acme/x.png')), 'acme/x.png', 'keys at the bucket root too')
  t.equal(publishedKey(quarantineKey('a/b/', 'a/b/acme/x.png')), 'a/b/acme/x.png')
})

t.test('public keys are not quarantine keys (workspace ids and prefixes have no leading dot)', async (t) => {
  t.equal(publishedKey('uploads/acme/2026/12/01JE-abc.png'), undefined)
  t.equal(publishedKey('uploads/private/quarantine/x.png'), undefined)
  t.throws(() => quarantineKey('uploads/', 'other/x.png'), /not under/)
})
