/** The sweeper's paths on the in-memory ledger and store: confirm from the bucket or expire, race a late confirm, purge replays. */
import t from 'tap'
import { sweepExpired } from '../../../server/src/uploads/sweeper.js'
import { LATE_PUT_GRACE_MS } from '../../../server/src/uploads/tombstone.js'
import { dependencyUnavailable } from '../../../server/src/errors.js'
import { fileOf } from '../../helpers/fixtures.js'
import { alice, memoryServices } from '../../doubles/services.js'

const sweeperOf = (services: ReturnType<typeof memoryServices>) => ({
  ...services,
  maintenance: services.ledger,
  confirmer: services.confirmer,
})

t.test(
  'past its expiry: a file in the bucket is confirmed, a missing one expires, a fresh upload is left alone',
  async (t) => {
    const services = memoryServices()
    const uploaded = await services.uploads.create(alice, {
      filename: 'tab-closed.png',
      contentType: 'image/png',
      size: 2000,
    })
    await services.store.putObject(uploaded.key, fileOf('image/png', 2000), 'image/png')
    const missing = await services.uploads.create(alice, {
      filename: 'never-sent.png',
      contentType: 'image/png',
      size: 2000,
    })
    services.advance(services.config.pendingTtlSeconds * 1000 + 1)
    const fresh = await services.uploads.create(alice, { filename: 'new.png', contentType: 'image/png', size: 2000 })
    const result = await sweepExpired(sweeperOf(services))
    t.same([result.confirmed, result.expired, result.cleanupFailed], [1, 1, 0])
    const kept = await services.ledger.getById(uploaded.id)
    t.same([kept?.status, kept?.confirmedBy], ['confirmed', 'sweeper'])
    t.equal((await services.store.head(uploaded.key))?.size, 2000)
    t.equal((await services.ledger.getById(missing.id))?.status, 'expired')
    t.equal((await services.ledger.getById(fresh.id))?.status, 'pending')
  },
)

t.test('a late confirm racing the sweeper: one transition, and the uploaded file is kept', async (t) => {
  for (let round = 0; round < 20; round++) {
    const services = memoryServices()
    const created = await services.uploads.create(alice, { filename: 'race.png', contentType: 'image/png', size: 2000 })
    await services.store.putObject(created.key, fileOf('image/png', 2000), 'image/png')
    services.advance(services.config.pendingTtlSeconds * 1000 + 1)
    const [confirmed] = await Promise.allSettled([
      services.confirmer.confirm(alice, created.id),
      sweepExpired(sweeperOf(services)),
    ])
    const record = await services.ledger.getById(created.id)
    if (
      record?.status !== 'confirmed' ||
      confirmed.status !== 'fulfilled' ||
      services.ledger.eventsOf(created.id).length !== 1
    ) {
      t.fail(
        `round ${round}: ${record?.status}, confirm ${confirmed.status}, ${services.ledger.eventsOf(created.id).length} events`,
      )
    }
  }
  t.pass('20 rounds: confirmed once each, by one or the other')
})

t.test('the bucket unreachable: nothing is expired (the file may well be there), the next sweep decides', async (t) => {
  const services = memoryServices()
  const created = await services.uploads.create(alice, { filename: 'a.png', contentType: 'image/png', size: 2000 })
  services.advance(services.config.pendingTtlSeconds * 1000 + 1)
  const head = services.store.head.bind(services.store)
  services.store.head = async () => {
    throw dependencyUnavailable('Object storage (S3)', new Error('ECONNREFUSED'))
  }
  const result = await sweepExpired(sweeperOf(services))
  t.same([result.expired, result.cleanupFailed], [0, 1])
  t.equal((await services.ledger.getById(created.id))?.status, 'pending')
  services.store.head = head
  t.equal((await sweepExpired(sweeperOf(services))).expired, 1, 'once it answers, the sweep goes on')
})

t.test('three sweepers at once expire each missing upload once', async (t) => {
  const services = memoryServices()
  const ids = []
  for (let i = 0; i < 12; i++)
    ids.push((await services.uploads.create(alice, { filename: `${i}.png`, contentType: 'image/png', size: 10 })).id)
  services.advance(services.config.pendingTtlSeconds * 1000 + 1)
  const results = await Promise.all([1, 2, 3].map(() => sweepExpired(sweeperOf(services))))
  t.equal(
    results.reduce((sum, r) => sum + r.expired, 0),
    12,
  )
})

t.test('a failed clean-up is counted and reported, not thrown', async (t) => {
  const services = memoryServices()
  const created = await services.uploads.create(alice, { filename: 'a.png', contentType: 'image/png', size: 10 })
  services.advance(services.config.pendingTtlSeconds * 1000 + 1)
  services.store.delete = async () => {
    throw new Error('S3 is down')
  }
  const reported: string[] = []
  const result = await sweepExpired({ ...sweeperOf(services), onCleanupError: (id) => reported.push(id) })
  t.same([result.expired, result.cleanupFailed], [1, 1])
  t.same(reported, [created.id])
})

t.test('a key replayed after its upload was deleted is purged once its URL is dead, and only then', async (t) => {
  const services = memoryServices()
  const created = await services.uploads.create(alice, { filename: 'a.png', contentType: 'image/png', size: 2000 })
  await services.uploads.remove(alice, created.id)
  await services.store.putObject(created.key, fileOf('image/png', 2000), 'image/png') // the replayed PUT
  t.equal((await sweepExpired(sweeperOf(services))).purged, 0, 'not while the URL may still be used')
  t.ok(await services.store.head(created.key))
  services.advance(services.config.uploadUrlTtlSeconds * 1000 + LATE_PUT_GRACE_MS + 1)
  t.equal((await sweepExpired(sweeperOf(services))).purged, 1)
  t.equal(await services.store.head(created.key), undefined)
  t.equal((await sweepExpired(sweeperOf(services))).purged, 0, 'once')
})
