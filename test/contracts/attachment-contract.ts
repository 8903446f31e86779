/** The contract every AttachmentStore keeps, run against MongoAttachmentStore (FerretDB) and MemoryAttachmentStore. */
import type { Test } from 'tap'
import type { AttachmentStore } from '../../server/src/storage/attachments.js'

let counter = 0
const uploadId = (): string => `01K${String(counter++).padStart(23, '0')}`

export function attachmentContract(t: Test, store: AttachmentStore): void {
  t.test('attach is idempotent; the references come back sorted', async (t) => {
    const id = uploadId()
    await store.attach('ws-a', id, 'walkthroughs/w1/steps/s2/blocks/b3')
    await store.attach('ws-a', id, 'avatars/u1')
    await store.attach('ws-a', id, 'avatars/u1')
    t.same(
      await store.referencesOf('ws-a', [id]),
      new Map([[id, ['avatars/u1', 'walkthroughs/w1/steps/s2/blocks/b3']]]),
    )
  })

  t.test('detach says whether the reference was held; the last one gone, the upload is absent', async (t) => {
    const id = uploadId()
    await store.attach('ws-a', id, 'a/1')
    t.equal(await store.detach('ws-a', id, 'a/1'), true)
    t.equal(await store.detach('ws-a', id, 'a/1'), false)
    t.same(await store.referencesOf('ws-a', [id]), new Map())
  })

  t.test('one workspace never sees or changes another’s attachments', async (t) => {
    const id = uploadId()
    await store.attach('ws-a', id, 'a/1')
    t.same(await store.referencesOf('ws-b', [id]), new Map())
    t.equal(await store.detach('ws-b', id, 'a/1'), false)
    t.same(await store.referencesOf('ws-a', [id]), new Map([[id, ['a/1']]]))
  })

  t.test('concurrent attaches of many references all hold', async (t) => {
    const id = uploadId()
    const references = Array.from({ length: 20 }, (_, i) => `blocks/${String(i).padStart(2, '0')}`)
    await Promise.all(references.map((reference) => store.attach('ws-a', id, reference)))
    t.same(await store.referencesOf('ws-a', [id]), new Map([[id, references]]))
  })

  t.test('references of several uploads in one call', async (t) => {
    const [first, second, none] = [uploadId(), uploadId(), uploadId()]
    await store.attach('ws-a', first, 'x/1')
    await store.attach('ws-a', second, 'y/2')
    t.same(
      await store.referencesOf('ws-a', [first, second, none]),
      new Map([
        [first, ['x/1']],
        [second, ['y/2']],
      ]),
    )
  })
}
