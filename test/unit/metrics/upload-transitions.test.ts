/**
 * hoist_uploads_total counts each transition once, by who made it, on the in-memory ledger and store: the services
 * report only the transitions they won (a lost race, a repeated confirm count nothing).
 */
import t from 'tap'
import { HoistMetrics } from '../../../server/src/metrics/hoist-metrics.js'
import { sweepExpired } from '../../../server/src/uploads/sweeper.js'
import { alice, memoryServices } from '../../doubles/services.js'
import { fileOf } from '../../helpers/fixtures.js'
import { valueOf } from '../../helpers/prometheus.js'

async function setUp() {
  const metrics = new HoistMetrics()
  const services = memoryServices({ countTransition: metrics.countTransition })
  const presign = (name: string) =>
    services.uploads.create(alice, { filename: name, contentType: 'image/png', size: 2000 })
  const uploads = async (transition: string, by: string): Promise<number> =>
    valueOf(await metrics.text(), 'hoist_uploads_total', { transition, by })
  return { metrics, services, presign, uploads }
}

t.test('confirm by the client, confirm again, a rejection and two deletes: each counted once, by client', async (t) => {
  const { services, presign, uploads } = await setUp()
  const good = await presign('good.png')
  await services.store.putObject(good.key, fileOf('image/png', 2000), 'image/png')
  await services.confirmer.confirm(alice, good.id)
  await services.confirmer.confirm(alice, good.id)
  t.equal(await uploads('confirmed', 'client'), 1, 'a repeated confirm makes no second transition')

  const html = await presign('bad.png')
  await services.store.putObject(html.key, Buffer.from('<html>'.padEnd(2000, ' ')), 'image/png')
  await t.rejects(services.confirmer.confirm(alice, html.id), { code: 'UPLOAD_REJECTED' })
  t.equal(await uploads('rejected', 'client'), 1)

  const pending = await presign('discarded.png')
  await services.uploads.remove(alice, pending.id)
  await services.uploads.remove(alice, good.id)
  await services.uploads.remove(alice, good.id)
  t.equal(await uploads('deleted', 'client'), 2, 'a pending discard and a confirmed delete; the repeat is nothing')
})

t.test(
  'the sweeper: a file found in the bucket is confirmed by sweeper, a missing one expired by sweeper',
  async (t) => {
    const { services, presign, uploads } = await setUp()
    const found = await presign('tab-closed.png')
    await services.store.putObject(found.key, fileOf('image/png', 2000), 'image/png')
    await presign('never-sent.png')
    services.advance(services.config.pendingTtlSeconds * 1000 + 1)
    await sweepExpired({ ...services, maintenance: services.ledger, confirmer: services.confirmer })
    t.equal(await uploads('confirmed', 'sweeper'), 1)
    t.equal(await uploads('expired', 'sweeper'), 1)
    t.equal(await uploads('confirmed', 'client'), 0)
  },
)

t.test('a bucket notification’s confirm is counted as by notification', async (t) => {
  const { services, presign, uploads } = await setUp()
  const created = await presign('notified.png')
  await services.store.putObject(created.key, fileOf('image/png', 2000), 'image/png')
  const record = await services.ledger.getById(created.id)
  await services.confirmer.confirmRecord(record!, 'bucket-event')
  t.equal(await uploads('confirmed', 'notification'), 1)
})
