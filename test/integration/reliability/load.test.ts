/**
 * A small, bounded load in CI (the full 50 × 20 run is `npm run bench`): concurrent clients through presign, PUT
 * and confirm; nothing lost — confirmed records and objects one to one, the doctor clean. Timings are not asserted.
 */
import t from 'tap'
import { loadAgainst } from '../../../bench/load.js'
import { baseUrl, startHoist } from '../../helpers/hoist.js'
import { TEST_JWT_SECRET } from '../../helpers/tokens.js'

const { app, config, stack } = await startHoist(t, { listen: true, config: { presignRateLimitPerMinute: 100_000 } })

t.test('12 clients × 10 uploads: every upload confirmed, every object accounted for', async (t) => {
  const result = await loadAgainst(baseUrl(app), stack, config.s3Bucket, config.mongoDbName, TEST_JWT_SECRET, 12, 10)
  t.same(result.failures, [], 'no request failed')
  t.equal(result.confirmedRecords, 120)
  t.equal(result.objects, 120)
  t.equal(result.doctorClean, true, 'the doctor finds nothing to repair')
  t.comment(
    `p50/p99 ms: ${result.steps.map((s) => `${s.step} ${s.p50Ms}/${s.p99Ms}`).join(', ')} (recorded, not asserted)`,
  )
})
