/**
 * GET /v1/events, the pull feed: pages through 1,000 events with no gap and no repeat even while more are being
 * written, goes on from any cursor with exactly the rest, sees only the token's workspace, and refuses bad queries
 * with a 400.
 */
import t from 'tap'
import { mapConcurrent } from '../../../server/src/concurrency.js'
import { newUploadId } from '../../../server/src/uploads/keys.js'
import type { UploadRecord } from '../../../server/src/uploads/record.js'
import { FEED_PAGE_BYTES } from '@hoist/protocol'
import { startHoist } from '../../helpers/hoist.js'
import { bearer } from '../../helpers/tokens.js'

const { app } = await startHoist(t)

/** `count` uploads of a workspace confirmed straight through the ledger: one event each, no bucket needed. */
async function confirmedEvents(workspaceId: string, count: number, metadataPairs: string[] = []): Promise<string[]> {
  const ids = Array.from({ length: count }, () => newUploadId())
  await mapConcurrent(ids, 8, async (id) => {
    const now = new Date()
    const record: UploadRecord = {
      _id: id,
      workspaceId,
      userId: 'feeder',
      key: `uploads/${workspaceId}/${id}.png`,
      filename: `${id}.png`,
      contentType: 'image/png',
      kind: 'image',
      size: 10,
      status: 'pending',
      strategy: 'single',
      source: 'api',
      createdAt: now,
      updatedAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
      metadataPairs,
    }
    await app.ledger.insert(record)
    await app.ledger.transition(id, 'pending', { status: 'confirmed', url: `https://cdn.example/${id}.png` })
  })
  return ids
}

interface FeedPage {
  items: { event: { id: string; type: string; data: { id: string } } }[]
  nextCursor: string
}
const read = async (query: string, workspace = 'ws-feed'): Promise<{ status: number; body: FeedPage }> => {
  const answer = await app.inject({ method: 'GET', url: `/v1/events${query}`, headers: bearer({ workspace }) })
  return { status: answer.statusCode, body: answer.json<FeedPage>() }
}

t.test('1,000 events, paged 100 at a time while 200 more are written: every event once, in order', async (t) => {
  const before = await confirmedEvents('ws-feed', 1000)
  const writing = confirmedEvents('ws-feed', 200)
  const seen: string[] = []
  let cursor = ''
  for (let page = 0; page < 100; page++) {
    const { status, body } = await read(`?limit=100${cursor ? `&after=${cursor}` : ''}`)
    t.equal(status, 200)
    seen.push(...body.items.map((item) => item.event.data.id))
    cursor = body.nextCursor
    if (body.items.length === 0) {
      if (seen.length >= 1200) break
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
  }
  const during = await writing
  t.equal(new Set(seen).size, seen.length, 'no event twice')
  t.same(new Set(seen), new Set([...before, ...during]), 'every event, none missing')
  t.equal(seen.length, 1200)
})

t.test('read from any cursor mid-stream: exactly the events after it, in the same order', async (t) => {
  const all: string[] = []
  for (let cursor = '0'; ;) {
    const { body } = await read(`?limit=500&after=${cursor}`)
    if (body.items.length === 0) break
    all.push(...body.items.map((item) => item.event.id))
    cursor = body.nextCursor
  }
  t.equal(all.length, 1200)
  for (const position of [1, 17, 599, 1199]) {
    const { body } = await read(`?limit=500&after=${position}`)
    t.same(
      body.items.map((item) => item.event.id),
      all.slice(position, position + 500),
      `after ${position}: the rest, from event ${position + 1}`,
    )
  }
  const { body: end } = await read('?after=1200')
  t.same(end, { items: [], nextCursor: '1200' }, 'after the last: nothing, and the same cursor back')
})

t.test('a page of the largest events stops at FEED_PAGE_BYTES, and the next pages carry the rest once', async (t) => {
  // 16 values of 512 control characters: each is escaped to 6 bytes in JSON, ~50 KB per event.
  const pairs = Array.from({ length: 16 }, (_, i) => `k${i}=${'\u0001'.repeat(512)}`)
  const ids = await confirmedEvents('ws-large', 45, pairs)
  const seen: string[] = []
  let cursor = '0'
  for (let page = 0; page < 10; page++) {
    const answer = await app.inject({
      method: 'GET',
      url: `/v1/events?limit=500&after=${cursor}`,
      headers: bearer({ workspace: 'ws-large' }),
    })
    const body = answer.json<FeedPage>()
    if (body.items.length === 0) break
    t.ok(answer.rawPayload.length <= FEED_PAGE_BYTES + 1024, `page ${page}: ${answer.rawPayload.length} bytes`)
    seen.push(...body.items.map((item) => item.event.data.id))
    cursor = body.nextCursor
  }
  t.ok(seen.length === 45 && new Set(seen).size === 45, 'all 45 events, each once, over several pages')
  t.same(new Set(seen), new Set(ids))
})

t.test('another workspace sees none of them', async (t) => {
  const { body } = await read('?limit=500', 'ws-elsewhere')
  t.same(body.items, [])
})

t.test('bad feed queries are 400s in the error shape', async (t) => {
  for (const query of [
    '?after=not-a-cursor',
    '?after=-1',
    '?after=01',
    '?limit=0',
    '?limit=501',
    '?limit=ten',
    '?status=lost',
    '?workspace=ws-a',
    '?after[$gt]=0',
  ]) {
    const { status, body } = await read(query)
    t.equal(status, 400, query)
    t.equal((body as unknown as { error: { code: string } }).error.code, 'VALIDATION_FAILED', query)
  }
})
