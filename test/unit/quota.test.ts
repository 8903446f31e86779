import t from 'tap'
import type { UploadLedger } from '../../server/src/storage/ledger.js'
import { QuotaGuard } from '../../server/src/uploads/quota.js'

/** Only usedBytes is called by the guard; the count shows when it aggregates. */
function ledgerUsing(used: () => number): { ledger: UploadLedger; sums: () => number } {
  let sums = 0
  const ledger = {
    usedBytes: async () => {
      sums++
      return used()
    },
  } as unknown as UploadLedger
  return { ledger, sums: () => sums }
}

t.test('admits within the quota and counts what it admitted', async (t) => {
  let recorded = 0 // what the ledger holds: records are inserted after admission
  const { ledger, sums } = ledgerUsing(() => recorded)
  const guard = new QuotaGuard(ledger)
  t.equal(await guard.admit('w', 60, 100), true)
  t.equal(await guard.admit('w', 40, 100), true, 'admitted from the cache while the first record is still being written')
  t.equal(sums(), 1, 'one sum for both')
  recorded = 100
  t.equal(await guard.admit('w', 1, 100), false)
  t.equal(sums(), 2, 'a fresh re-check before refusing')
})

t.test('a refusal is re-checked against a fresh sum (space freed elsewhere counts)', async (t) => {
  let used = 100
  const { ledger } = ledgerUsing(() => used)
  const guard = new QuotaGuard(ledger)
  t.equal(await guard.admit('w', 10, 100), false)
  used = 50 // files deleted
  t.equal(await guard.admit('w', 10, 100), true)
})

t.test('the cached sum is refreshed after a few seconds', async (t) => {
  let now = 0
  let used = 0
  const { ledger, sums } = ledgerUsing(() => used)
  const guard = new QuotaGuard(ledger, () => now)
  await guard.admit('w', 1, 1000)
  await guard.admit('w', 1, 1000)
  t.equal(sums(), 1, 'cached')
  now = 6_000
  used = 990
  t.equal(await guard.admit('w', 20, 1000), false, 'the refreshed sum is used')
  t.equal(sums(), 2, 'one fresh sum: a stale cache is never trusted')
})
