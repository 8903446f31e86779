/**
 * /metrics' access rule and the outbox gauges, on a worker's metrics server (serve.ts, the same rule as the API's
 * route): METRICS_TOKEN as a bearer token; unset, open in development and refused with NODE_ENV=production; a backlog
 * read that fails or hangs leaves the gauges out and the scrape still answers.
 */
import t, { type Test } from 'tap'
import type { Backlog } from '../../../server/src/events/outbox-work.js'
import { HoistMetrics } from '../../../server/src/metrics/hoist-metrics.js'
import { serveMetrics } from '../../../server/src/metrics/serve.js'
import { valueOf } from '../../helpers/prometheus.js'

const TOKEN = 'metrics-token-0123456789abcdef'

async function served(t: Test, token: string | undefined, production: boolean) {
  const metrics = new HoistMetrics()
  const server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1', token, production })
  t.teardown(() => server.close())
  const url = `http://127.0.0.1:${server.port}/metrics`
  return { metrics, url, scrape: (headers: Record<string, string> = {}) => fetch(url, { headers }) }
}

t.test(
  'with METRICS_TOKEN: refused (401, the API’s error shape) without it or with another, served with it',
  async (t) => {
    const { scrape } = await served(t, TOKEN, false)
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-0123456789abcdef' },
      { authorization: TOKEN },
    ]
    for (const headers of attempts) {
      const refused = await scrape(headers)
      t.equal(refused.status, 401)
      const body = (await refused.json()) as { error: { code: string; message: string } }
      t.equal(body.error.code, 'UNAUTHORIZED')
      t.match(body.error.message, /METRICS_TOKEN/)
    }
    const ok = await scrape({ authorization: `Bearer ${TOKEN}` })
    t.equal(ok.status, 200)
    t.match(ok.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
    const text = await ok.text()
    t.match(text, /^# HELP hoist_http_request_duration_seconds /m)
    t.match(text, /^process_resident_memory_bytes \d+/m, 'with the process metrics')
    t.match(text, /^nodejs_eventloop_lag_seconds /m)
  },
)

t.test('without METRICS_TOKEN: open in development, refused with NODE_ENV=production', async (t) => {
  t.equal((await (await served(t, undefined, false)).scrape()).status, 200)
  const refused = await (await served(t, undefined, true)).scrape({ authorization: 'Bearer anything-at-all-here' })
  t.equal(refused.status, 401)
  t.match(((await refused.json()) as { error: { message: string } }).error.message, /set METRICS_TOKEN/)
})

t.test('anything but GET /metrics is answered in the error shape', async (t) => {
  const { url } = await served(t, undefined, false)
  const other = await fetch(url.replace('/metrics', '/other'))
  t.equal(other.status, 404)
  t.equal(((await other.json()) as { error: { code: string } }).error.code, 'ROUTE_NOT_FOUND')
  const post = await fetch(url, { method: 'POST' })
  t.equal(post.status, 405)
  t.equal(post.headers.get('allow'), 'GET, HEAD')
})

const backlog = (pending: number, ageSeconds?: number): Backlog => ({
  pending,
  ...(ageSeconds !== undefined ? { oldestPendingAt: new Date(Date.now() - ageSeconds * 1000) } : {}),
})

t.test('the outbox gauges: read at scrape time, per kind of work', async (t) => {
  const metrics = new HoistMetrics()
  metrics.readBacklogFrom(async () => ({ webhooks: backlog(3, 120), images: backlog(0) }), 1_000)
  const text = await metrics.text()
  t.equal(valueOf(text, 'hoist_outbox_pending', { work: 'webhooks' }), 3)
  t.equal(valueOf(text, 'hoist_outbox_pending', { work: 'images' }), 0)
  const age = valueOf(text, 'hoist_outbox_oldest_pending_age_seconds', { work: 'webhooks' })
  t.ok(age >= 120 && age < 180, `the oldest waited ${age} s`)
  t.equal(valueOf(text, 'hoist_outbox_oldest_pending_age_seconds', { work: 'images' }), 0, 'none waits')
})

t.test(
  'a backlog read that fails, or takes longer than its budget, leaves the gauges out; the scrape answers',
  async (t) => {
    for (const read of [() => Promise.reject(new Error('MongoDB away')), () => new Promise<never>(() => {})]) {
      const metrics = new HoistMetrics()
      metrics.readBacklogFrom(read, 50)
      const text = await metrics.text()
      t.notMatch(text, /^hoist_outbox_pending\{/m)
      t.equal(valueOf(text, 'hoist_outbox_scrape_errors_total'), 1)
      t.match(text, /^process_resident_memory_bytes /m)
    }
  },
)
