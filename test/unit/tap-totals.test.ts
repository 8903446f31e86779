import t from 'tap'
import { countBadExits, countTap, formatTotals, type Totals } from '../support/tap-totals.js'

const fresh = (): Totals => ({ passed: 0, failed: 0, skipped: 0, failures: [] })

const sample = `TAP version 14
# Subtest: group
    # Subtest: leaf one
        ok 1 - should be equal
        1..1
    ok 1 - leaf one
    # Subtest: leaf two
        not ok 1 - should be equal
        1..1
    not ok 2 - leaf two
    1..2
not ok 1 - group
# Subtest: top leaf
    ok 1 - fine
    1..1
ok 2 - top leaf
ok 3 - later # SKIP not on this machine
1..3
`

t.test('counts leaf tests, not assertions or groups', async (t) => {
  const totals = fresh()
  countTap(sample, 'file.ts', totals)
  t.equal(totals.passed, 2)
  t.equal(totals.failed, 1)
  t.equal(totals.skipped, 1)
  t.same(totals.failures, ['file.ts > leaf two: should be equal'], 'named with its first failing assertion')
  t.equal(formatTotals(totals), '2 passed, 1 failed, 1 skipped')
})

t.test('a file that fails outside any test counts as one failure', async (t) => {
  const totals = fresh()
  countTap('TAP version 14\nnot ok 1 - Error: boom\n1..1\n', 'crash.ts', totals)
  t.equal(totals.failed, 1)
  t.same(totals.failures, ['crash.ts (failed outside any test: Error: boom)'])
})

// What dev-restart printed in CI, with its reason lost: an error thrown in a group's body, after its subtests passed.
t.test('a group that fails in its own body, its subtests passing, is one failure named with the reason', async (t) => {
  const tap = `TAP version 14
# Subtest: restart
    # Subtest: first run
        ok 1 - should be equal
        1..1
    ok 1 - first run
    not ok 2 - port 41234, kept for MinIO, is in use
      ---
      tapCaught: returnedPromiseRejection
      ...
    1..2
not ok 1 - restart
1..1
`
  const totals = fresh()
  countTap(tap, 'restart.ts', totals)
  t.equal(totals.passed, 1)
  t.same(totals.failures, ['restart.ts (failed outside any test: in "restart": port 41234, kept for MinIO, is in use)'])
})

t.test('a file that ends without a word says so', async (t) => {
  const totals = fresh()
  countTap('TAP version 14\n# Subtest: a\n    ok 1 - fine\n    1..1\nok 1 - a\n1..2\nnot ok 2 - \n', 'cut.ts', totals)
  t.same(totals.failures, ['cut.ts (failed outside any test: crash, timeout or bad plan)'])
})

t.test('a file whose tests passed but whose process ended badly counts as one failure, named with how', async (t) => {
  const totals = fresh()
  countTap(sample, 'failing.ts', totals)
  countBadExits(
    [
      { file: 'failing.ts', ms: 1, exit: { code: 1, signal: null } },
      { file: 'exited.ts', ms: 1, exit: { code: 3, signal: null } },
      { file: 'killed.ts', ms: 1, exit: { code: null, signal: 'SIGKILL' } },
      { file: 'fine.ts', ms: 1, exit: { code: 0, signal: null } },
      { file: 'unknown.ts', ms: 1 },
    ],
    totals,
  )
  t.equal(totals.failed, 3, 'failing.ts is already counted by its failed test')
  t.same(totals.failures, [
    'failing.ts > leaf two: should be equal',
    'exited.ts (its process ended with code 3; no failing test in its TAP)',
    'killed.ts (its process ended with signal SIGKILL; no failing test in its TAP)',
  ])
})

t.test('no skipped count is printed when nothing was skipped', async (t) => {
  t.equal(formatTotals({ passed: 3, failed: 0, skipped: 0, failures: [] }), '3 passed, 0 failed')
})
