import t from 'tap'
import { MAX_PARTS, MIN_PART_SIZE, partLength, planParts } from '../../protocol/src/part-plan.js'

const MiB = 1024 * 1024
const GiB = 1024 * MiB

t.test('the preferred part size is used when it fits in 10,000 parts', async (t) => {
  t.same(planParts(1 * GiB, 16 * MiB), { partSize: 16 * MiB, partCount: 64 })
  t.same(planParts(100 * MiB + 1, 16 * MiB), { partSize: 16 * MiB, partCount: 7 })
})

t.test('parts are never below S3’s 5 MiB minimum', async (t) => {
  t.equal(planParts(20 * MiB, 1).partSize, MIN_PART_SIZE)
})

t.test('huge files grow the part size so the count stays within 10,000', async (t) => {
  for (const size of [200 * GiB, 1024 * GiB, Math.floor(4.9 * 1024 * GiB)]) {
    const plan = planParts(size, 16 * MiB)
    t.ok(plan.partCount <= MAX_PARTS, `${size}: ${plan.partCount} parts`)
    t.ok(plan.partSize * plan.partCount >= size, 'the parts cover the file')
    t.equal(plan.partSize % MiB, 0, 'whole MiB')
  }
})

t.test('sizes S3 cannot hold are refused', async (t) => {
  t.throws(() => planParts(0, 16 * MiB))
  t.throws(() => planParts(5 * 1024 * GiB * 10, 16 * MiB))
})

t.test('part lengths: all full but the last, which holds the rest', async (t) => {
  const size = 40 * MiB + 123
  const plan = planParts(size, 16 * MiB)
  t.same(
    [1, 2, 3].map((n) => partLength(size, plan, n)),
    [16 * MiB, 16 * MiB, 8 * MiB + 123],
  )
  t.throws(() => partLength(size, plan, 4))
  t.throws(() => partLength(size, plan, 0))
})
