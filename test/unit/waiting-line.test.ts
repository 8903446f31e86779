import t from 'tap'
import { isDependencyTimeout } from '../../server/src/errors.js'
import { WaitingLine } from '../../server/src/storage/waiting-line.js'

t.test('calls on one key run one after another, in order', async (t) => {
  const line = new WaitingLine()
  const order: string[] = []
  const step = (name: string) => async () => {
    order.push(`${name} start`)
    await new Promise((resolve) => setTimeout(resolve, 5))
    order.push(`${name} end`)
    return name
  }
  t.same(await Promise.all([line.run('ws', 1_000, step('a')), line.run('ws', 1_000, step('b'))]), ['a', 'b'])
  t.same(order, ['a start', 'a end', 'b start', 'b end'])
})

t.test('behind a stalled call, the next gives up at its wait budget with a 503 and never runs', async (t) => {
  const line = new WaitingLine()
  let release!: () => void
  const stalled = line.run('ws', 1_000, () => new Promise<string>((resolve) => (release = () => resolve('first'))))
  let secondRan = false
  const started = performance.now()
  const second = line.run('ws', 50, async () => {
    secondRan = true
    return 'second'
  })
  const error = await second.catch((caught: unknown) => caught)
  t.ok(isDependencyTimeout(error), 'a dependency timeout: the API answers 503 with Retry-After')
  t.ok(performance.now() - started < 1_000, 'answered at the wait budget, not when the line moves')
  const third = line.run('ws', 1_000, async () => 'third')
  release()
  t.equal(await stalled, 'first')
  t.equal(await third, 'third', 'the line goes on after the one that gave up')
  t.notOk(secondRan, 'the call that gave up did not run later')
})

t.test('a call that started is not cut off by its wait budget', async (t) => {
  const line = new WaitingLine()
  const slow = line.run('ws', 20, () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 60)))
  t.equal(await slow, 'done')
})

t.test('other keys do not wait', async (t) => {
  const line = new WaitingLine()
  void line.run('a', 1_000, () => new Promise(() => undefined))
  t.equal(await line.run('b', 50, async () => 'b'), 'b')
})
