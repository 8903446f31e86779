/** The pooled randomness behind ids and keys: uniform, never handed out twice, across refills of the pool. */
import t from 'tap'
import { randomBytesFromPool, randomFractionFromPool } from '../../server/src/random-pool.js'

t.test('fractions are in [0, 1) and spread evenly over 32 bins (as ulid uses them)', async (t) => {
  const bins = new Array<number>(32).fill(0)
  const draws = 32_000
  for (let i = 0; i < draws; i++) {
    const fraction = randomFractionFromPool()
    if (!(fraction >= 0 && fraction < 1)) t.fail(`out of range: ${fraction}`)
    bins[Math.floor(fraction * 32)]!++
  }
  // 1,000 expected per bin, standard deviation ~31: 200 either way is over six of them.
  t.ok(
    bins.every((count) => Math.abs(count - 1000) < 200),
    `bins: ${bins.join(' ')}`,
  )
})

t.test('bytes across many refills of the pool are never repeated', async (t) => {
  const seen = new Set<string>()
  for (let i = 0; i < 5_000; i++) seen.add(randomBytesFromPool(12).toString('hex'))
  t.equal(seen.size, 5_000, '60,000 bytes: 15 refills, no 96-bit value twice')
  const a = randomBytesFromPool(16)
  const b = randomBytesFromPool(16)
  a.fill(0)
  t.not(b.toString('hex'), '0'.repeat(32), 'each caller gets its own copy')
  t.throws(() => randomBytesFromPool(4097), RangeError)
})
