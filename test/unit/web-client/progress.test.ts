import t from 'tap'
import { ProgressTracker, type UploadProgress } from '../../../web-client/src/progress.js'

function track(total: number): { tracker: ProgressTracker; seen: UploadProgress[] } {
  const seen: UploadProgress[] = []
  return { tracker: new ProgressTracker(total, (p) => seen.push(p)), seen }
}

t.test('progress never goes backwards when a retry restarts at zero', async (t) => {
  const { tracker, seen } = track(1000)
  tracker.update(0, 400)
  tracker.update(0, 0) // the retry starts over
  tracker.update(0, 300)
  tracker.update(0, 700)
  t.same(
    seen.map((p) => p.loaded),
    [400, 700],
  )
})

t.test('progress never passes 100%, even when parts report more than their size', async (t) => {
  const { tracker, seen } = track(1000)
  tracker.update(1, 600)
  tracker.update(2, 600)
  tracker.complete(1, 500)
  tracker.complete(2, 500)
  t.equal(seen.at(-1)?.loaded, 1000)
  t.ok(seen.every((p) => p.fraction <= 1 && p.loaded <= 1000))
  t.equal(seen.at(-1)?.fraction, 1)
})

t.test('parallel parts add up', async (t) => {
  const { tracker, seen } = track(300)
  tracker.update(1, 50)
  tracker.update(2, 70)
  tracker.update(3, 30)
  t.same(
    seen.map((p) => p.loaded),
    [50, 120, 150],
  )
})

t.test('parts found in the bucket on resume are reported in one step', async (t) => {
  const { tracker, seen } = track(1000)
  tracker.completeAll([
    [1, 100],
    [2, 100],
    [4, 100],
  ])
  t.same(
    seen.map((p) => p.loaded),
    [300],
  )
})
