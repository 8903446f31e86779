/**
 * Quota leases: a busy workspace's presigns make no sum, the quota still holds across instances sharing a ledger,
 * and leases are returned when used up, when the quota gets near, and at shutdown.
 */
import t from 'tap'
import { QuotaGate } from '../../../server/src/uploads/quota.js'
import { MemoryLedger } from '../../doubles/memory-ledger.js'
import { sampleRecord } from '../../helpers/records.js'

function countingSums(ledger: MemoryLedger): { sums: () => number } {
  let sums = 0
  const used = ledger.usedBytes.bind(ledger)
  const leased = ledger.leasedBytes.bind(ledger)
  ledger.usedBytes = (...args) => (sums++, used(...args))
  ledger.leasedBytes = (...args) => (sums++, leased(...args))
  return { sums: () => sums }
}

t.test('a busy workspace takes a lease and admits from it without summing', async (t) => {
  const ledger = new MemoryLedger()
  const gate = new QuotaGate(ledger, 1_000_000)
  const { sums } = countingSums(ledger)
  t.ok(await gate.admit(sampleRecord({ workspaceId: 'ws-a', size: 100 })))
  t.equal(await ledger.leasedBytes('ws-a', new Date()), 0, 'a lone presign takes no lease')
  t.ok(await gate.admit(sampleRecord({ workspaceId: 'ws-a', size: 100 })))
  const leased = await ledger.leasedBytes('ws-a', new Date())
  t.equal(leased, Math.floor((1_000_000 - 200) / 8), 'the second one in a row takes an eighth of the headroom')
  const before = sums()
  for (let i = 0; i < 50; i++) t.ok(await gate.admit(sampleRecord({ workspaceId: 'ws-a', size: 100 })))
  t.equal(sums(), before, 'fifty presigns from the lease: no sum')
  t.equal(await ledger.usedBytes('ws-a'), 5200, 'each one recorded')
  await gate.close()
  t.equal(await ledger.leasedBytes('ws-a', new Date()), 0, 'returned at shutdown')
})

t.test('a lease used up is renewed; one past its time in a quiet spell is returned', async (t) => {
  let now = Date.parse('2026-11-28T12:00:00Z')
  const ledger = new MemoryLedger({ now: () => now })
  const gate = new QuotaGate(ledger, 8_000, () => now)
  const admit = (size: number): Promise<boolean> => gate.admit(sampleRecord({ workspaceId: 'ws-a', size }, now))
  t.ok(await admit(100))
  t.ok(await admit(100))
  t.equal(await ledger.leasedBytes('ws-a', new Date(now)), 975, '(8,000 − 200) / 8')
  t.ok(await admit(900))
  t.ok(await admit(100), 'does not fit in the 75 left: the lease is renewed, and admits it')
  t.equal(await ledger.usedBytes('ws-a'), 1200)
  t.equal(await ledger.leasedBytes('ws-a', new Date(now)), 975, 'one lease, the new one, of the same size')
  now += 11_000
  t.ok(await admit(100), 'past its time: admitted by a sum')
  t.equal(await ledger.leasedBytes('ws-a', new Date(now)), 0, 'the old lease returned, no new one in a quiet spell')
  await gate.close()
})

t.test('when a busy workspace’s lease runs out of time, concurrent presigns wait for one renewal', async (t) => {
  let now = Date.parse('2026-11-28T12:00:00Z')
  const ledger = new MemoryLedger({ now: () => now })
  const gate = new QuotaGate(ledger, 1_000_000_000, () => now)
  const admit = (): Promise<boolean> => gate.admit(sampleRecord({ workspaceId: 'ws-a', size: 100 }, now))
  t.ok(await admit())
  t.ok(await admit())
  now += 9_000
  t.ok(await admit(), 'from the lease, and the workspace is still busy')
  now += 1_500
  const { sums } = countingSums(ledger)
  const answers = await Promise.all(Array.from({ length: 16 }, admit))
  t.ok(answers.every(Boolean))
  t.ok(sums() <= 3, `${sums()} sums for 16 presigns: the renewal's, not one each`)
  t.ok((await ledger.leasedBytes('ws-a', new Date(now))) > 0, 'a lease is held again')
  await gate.close()
  t.equal(await ledger.leasedBytes('ws-a', new Date(now)), 0)
})

t.test('two instances near the quota never admit more than it, and one instance alone fills it', async (t) => {
  const ledger = new MemoryLedger()
  const quota = 100 * 1000
  const gates = [new QuotaGate(ledger, quota), new QuotaGate(ledger, quota)]
  let admitted = 0
  for (let round = 0; round < 8; round++) {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => gates[i % 2]!.admit(sampleRecord({ workspaceId: 'ws-a', size: 1000 }))),
    )
    admitted += answers.filter(Boolean).length
    t.ok((await ledger.usedBytes('ws-a')) <= quota, `round ${round}: within the quota`)
  }
  t.equal(await ledger.usedBytes('ws-a'), admitted * 1000, 'what was admitted is what is recorded')
  await Promise.all(gates.map((gate) => gate.close()))
  t.equal(await ledger.leasedBytes('ws-a', new Date()), 0)
  // Alone, one instance returns its own lease before refusing: it fills the quota to the byte.
  const alone = new QuotaGate(ledger, quota)
  while (await alone.admit(sampleRecord({ workspaceId: 'ws-a', size: 1000 }))) admitted++
  t.equal(await ledger.usedBytes('ws-a'), quota)
  await alone.close()
})

t.test('another instance counts a lease as used, so what the lease admits later still fits', async (t) => {
  const ledger = new MemoryLedger()
  const quota = 100 * 1000
  const [holder, other] = [new QuotaGate(ledger, quota), new QuotaGate(ledger, quota)]
  const admit = (gate: QuotaGate): Promise<boolean> => gate.admit(sampleRecord({ workspaceId: 'ws-a', size: 1000 }))
  t.ok(await admit(holder))
  t.ok(await admit(holder))
  const lease = await ledger.leasedBytes('ws-a', new Date())
  t.equal(lease, 12_250, 'the holder set aside (100,000 − 2,000) / 8')
  let filled = 0
  while (await admit(other)) filled++
  t.equal(filled, 85, 'the other instance fills up to the lease')
  let fromLease = 0
  while (await admit(holder)) fromLease++
  t.equal(fromLease, 13, 'twelve from the lease, one more once it is returned, then no more')
  t.equal(await ledger.usedBytes('ws-a'), quota)
  await Promise.all([holder.close(), other.close()])
})

t.test('a lease that cannot be written costs nothing: the presign stands and the next ones sum', async (t) => {
  const ledger = new MemoryLedger()
  ledger.insertLease = () => Promise.reject(new Error('database unreachable'))
  const gate = new QuotaGate(ledger, 1_000_000)
  for (let i = 0; i < 5; i++) t.ok(await gate.admit(sampleRecord({ workspaceId: 'ws-a', size: 100 })))
  t.equal(await ledger.usedBytes('ws-a'), 500)
  await gate.close()
})
