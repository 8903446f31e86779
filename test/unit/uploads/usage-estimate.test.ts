/** The fast usage bound: never below the truth, and it sums only recent uploads between refreshes. */
import t from 'tap'
import { UsageEstimate } from '../../../server/src/uploads/usage-estimate.js'
import { MemoryLedger } from '../../doubles/memory-ledger.js'
import type { UploadRecord } from '../../../server/src/uploads/record.js'
import { sampleRecord } from '../../helpers/records.js'

function record(at: number, size: number, workspaceId = 'ws-a'): UploadRecord {
  return sampleRecord({ workspaceId, size, expiresAt: new Date(at + 3_600_000) }, at)
}

t.test('the bound is the exact sum as uploads come and go, and never below it', async (t) => {
  let now = Date.parse('2026-11-28T12:00:00Z')
  const ledger = new MemoryLedger({ now: () => now })
  const estimate = new UsageEstimate(ledger, () => now)
  const old = record(now - 120_000, 1000)
  await ledger.insert(old)
  await ledger.insert(record(now - 60_000, 200, 'ws-other'))
  t.equal(await estimate.atLeastUsed('ws-a'), 1000, 'an old upload, remembered')
  now += 1000
  await ledger.insert(record(now, 30))
  t.equal(await estimate.atLeastUsed('ws-a'), 1030, 'a new one, summed')
  await ledger.withdraw(old._id)
  t.equal(await ledger.usedBytes('ws-a'), 30)
  t.equal(await estimate.atLeastUsed('ws-a'), 1030, 'a withdrawn old one still counts until the next refresh')
  now += 10_000
  t.equal(await estimate.atLeastUsed('ws-a'), 30, 'and no more after it')
})

t.test('between refreshes only uploads after the boundary are summed', async (t) => {
  const now = Date.parse('2026-11-28T12:00:00Z')
  const ledger = new MemoryLedger({ now: () => now })
  const ranges: unknown[] = []
  const original = ledger.usedBytes.bind(ledger)
  ledger.usedBytes = (workspaceId, range) => {
    ranges.push(range)
    return original(workspaceId, range)
  }
  const estimate = new UsageEstimate(ledger, () => now)
  await estimate.atLeastUsed('ws-a')
  await estimate.atLeastUsed('ws-a')
  t.same(
    ranges.map((range) => Object.keys(range as object)),
    [['upTo'], ['after'], ['after']],
    'one prefix sum, then recent ones only',
  )
})
