/** The in-memory object store the unit tests use keeps the same contract as S3ObjectStore. */
import t from 'tap'
import { objectStoreContract } from '../contracts/object-store-contract.js'
import { MemoryObjectStore } from '../doubles/memory-object-store.js'

t.test('MemoryObjectStore keeps the object store contract', async (t) => {
  const store = new MemoryObjectStore()
  objectStoreContract(t, {
    store,
    putObject: (key, bytes, contentType, checksum) => store.putObject(key, bytes, contentType, checksum),
    putPart: (key, uploadId, partNumber, bytes) => store.putPart(key, uploadId, partNumber, bytes),
  })
})
