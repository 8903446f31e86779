/**
 * The feed's order owes nothing to clocks: a second API instance five minutes behind (libfaketime) writes events
 * while the first writes too and a consumer follows the feed through the first. The consumer sees every event exactly
 * once, in one order — the order a reader from the start sees — with no wait for anything to settle.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { mapConcurrent } from '../../../server/src/concurrency.js'
import { createUpload, deleteUpload } from '../../helpers/api.js'
import { startApiProcess } from '../../helpers/api-process.js'
import { cliEnv } from '../../helpers/cli.js'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'

const BEHIND_SECONDS = 300
const UPLOADS = 40
/** Debian's faketime preloads this; preloaded directly, the API process is the child (killed at the end, not orphaned). */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'

const { app, config, stack } = await startHoist(t)
const late = await startApiProcess({
  entry: 'source',
  env: {
    ...cliEnv(stack, config),
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_SECONDS: '0',
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: `-${BEHIND_SECONDS}s`,
  },
})
t.teardown(async () => {
  late.child.kill('SIGTERM')
  await late.exited
})

interface FeedPage {
  items: { event: { id: string; type: string; timestamp: string; data: { id: string } } }[]
  nextCursor: string
}
const readFeed = async (after: string, limit: number): Promise<FeedPage> =>
  (await app.inject({ method: 'GET', url: `/v1/events?limit=${limit}&after=${after}`, headers: bearer() })).json()

t.test('a writer minutes behind: the consumer following the feed sees every event once, in one order', async (t) => {
  const answer = await fetch(`${late.url}/healthz`)
  const lag = Date.now() - new Date(answer.headers.get('date')!).getTime()
  t.ok(lag > (BEHIND_SECONDS - 30) * 1000, `the second instance's clock is behind (${Math.round(lag / 1000)} s)`)

  const ids: string[] = []
  for (let i = 0; i < UPLOADS; i++) {
    const created = await createUpload(app, { filename: `f${i}.png`, contentType: 'image/png', size: 100 })
    if (created.statusCode !== 201) t.fail(created.body)
    ids.push(created.json<{ id: string }>().id)
  }

  let writing = true
  const seen: string[] = []
  const following = (async () => {
    let cursor = '0'
    for (;;) {
      const page = await readFeed(cursor, 3)
      seen.push(...page.items.map((item) => item.event.id))
      cursor = page.nextCursor
      if (page.items.length === 0) {
        if (!writing) break
        await sleep(20)
      }
    }
  })()
  // Every other upload is deleted through the instance whose clock is behind, all at once with the others.
  await mapConcurrent(ids, 6, async (id, index) => {
    const status =
      index % 2 === 0
        ? (await deleteUpload(app, id)).statusCode
        : (await fetch(`${late.url}/v1/uploads/${id}`, { method: 'DELETE', headers: bearer() })).status
    if (status !== 204) t.fail(`delete ${id} through ${index % 2 === 0 ? 'the first' : 'the late'} instance: ${status}`)
  })
  writing = false
  await following

  const everything = await readFeed('0', 500)
  const timestamps = everything.items.map((item) => Date.parse(item.event.timestamp))
  t.ok(Math.max(...timestamps) - Math.min(...timestamps) > (BEHIND_SECONDS - 60) * 1000, 'events of both clocks')
  t.equal(everything.items.length, UPLOADS, 'one event per delete')
  t.same(
    new Set(everything.items.map((item) => item.event.data.id)),
    new Set(ids),
    'one for each upload, from both instances',
  )
  t.same(
    seen,
    everything.items.map((item) => item.event.id),
    'the consumer saw each once, in the feed’s one order',
  )
})
