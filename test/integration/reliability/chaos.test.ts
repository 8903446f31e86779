/**
 * The chaos run, short (the full one is `npm run bench -- chaos`, bench/chaos.ts): two API instances and a worker with
 * clocks minutes apart take 60 uploads with deletes and images, near a workspace quota, while a feed consumer follows
 * both instances and Redis, MinIO and an API instance are frozen (SIGSTOP) for 6 s each — longer than any route's
 * budget here, so a request that waited a freeze out shows. Nothing is lost, the quota is never exceeded, no request
 * waits out a frozen dependency, and the consumer sees every event exactly once, in order. The database and
 * the worker are frozen only in the full run. This file owns its servers (it freezes them).
 */
import t from 'tap'
import { chaosFailures, runChaos } from '../../../bench/chaos.js'
import { libfaketimeInstalled } from '../../../bench/skewed-process.js'
import { ownedStack } from '../../helpers/stack.js'

if (!libfaketimeInstalled()) t.plan(0, 'libfaketime is not installed (Debian package faketime)')
const stack = await ownedStack(t)
if (!stack.servers.s3?.pids) t.plan(0, 'the stack is not native')

t.test('60 uploads through two skewed instances while Redis, MinIO and an API instance freeze', async (t) => {
  const result = await runChaos(stack, `chaos_${Date.now()}`, {
    uploads: 60,
    // Longer than every route's budget below (and the grace after a thaw), so that a request that waited out a freeze
    // shows: still in flight at the thaw after more than its budget of the freeze.
    freezeSeconds: 6,
    gapSeconds: 0.5,
    targets: ['Redis', 'MinIO', 'API b'],
    clients: 6,
    budgets: { mongoMs: 1_000, s3Ms: 1_000, redisMs: 300 },
    skews: { a: -120, b: 90, worker: 240 },
    deleteEvery: 4,
    entry: 'source',
    // An API instance frozen between claiming a confirm's transition and applying it does not hold the upload: the
    // client's next confirm, on the other instance, finishes the claim.
    settleSeconds: 20,
    log: (line) => t.comment(line),
  })
  t.comment(JSON.stringify({ ...result, doctor: result.doctor.clean }, null, 1))
  t.same(chaosFailures(result), [], 'every promise kept')
  t.ok(result.uploads.refusedByQuota > 0, 'the quota refused some presigns')
  t.ok(result.uploads.deleted > 0 && result.events.inFeed > result.uploads.confirmed, 'deletes and processed images')
  t.ok(
    result.routes.some((route) => route.slowest.some((request) => request.includes('Redis frozen'))),
    'requests met the frozen Redis, and were answered within their budget (fail-open)',
  )
})
