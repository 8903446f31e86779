/** The sweeper's paths on the in-memory ledger and store: expire, clean up, race a late confirm, purge replays. */
import t from 'tap'
import { sweepExpired } from '../../../server/src/uploads/sweeper.js'
import { LATE_PUT_GRACE_MS } from '../../../server/src/uploads/tombstone.js'
import { fileOf } from '../../helpers/fixtures.js'
import { alice, memoryServices } from '../../doubles/services.js'

const sweeperOf = (services: ReturnType<typeof memoryServices>) => ({ ...services, maintenance: services.ledger })

t.test('a pending upload past its expiry is expired and its object deleted; a fresh one is left alone', async (t) => {
  const services = memoryServices()
  const old = await services.uploads.create(alice, { filename: 'old.png', contentType: 'image/png', size: 2000 })
  await services.store.putObject(old.key, fileOf('image/png', 2000), 'image/png')
  services.advance(services.config.pendingTtlSeconds * 1000 + 1)
  const fresh = await services.uploads.create(alice, { filename: 'new.png', contentType: 'image/png', size: 2000 })
  const result = await sweepExpired(sweeperOf(services))
  t.same([result.expired, result.cleanupFailed], [1, 0])
  t.equal((await services.ledger.getById(old.id))?.status, 'expired')
  t.equal(await services.store.head(old.key), undefined)
  t.equal((await services.ledger.getById(fresh.id))?.status, 'pending')
})

t.test('a late confirm racing the sweeper: exactly one wins, and the object follows the winner', async (t) => {
  for (let round = 0; round < 20; round++) {
    const services = memoryServices()
    const created = await services.uploads.create(alice, { filename: 'race.png', contentType: 'image/png', size: 2000 })
    await services.store.putObject(created.key, fileOf('image/png', 2000), 'image/png')
    services.advance(services.config.pendingTtlSeconds * 1000 + 1)
    const [confirmed] = await Promise.allSettled([
      services.confirmer.confirm(alice, created.id),
      sweepExpired(sweeperOf(services)),
    ])
    const status = (await services.ledger.getById(created.id))?.status
    const head = await services.store.head(created.key)
    if (status === 'confirmed') {
      if (confirmed.status !== 'fulfilled' || head?.size !== 2000)
        t.fail(`round ${round}: confirm won but ${confirmed.status}, object ${head?.size}`)
    } else if (status !== 'expired' || confirmed.status !== 'rejected' || head !== undefined) {
      t.fail(`round ${round}: ${status}, confirm ${confirmed.status}, object ${head?.size}`)
    }
  }
  t.pass('20 rounds, one winner each, the invariant held')
})

t.test('three sweepers at once expire each record once', async (t) => {
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
