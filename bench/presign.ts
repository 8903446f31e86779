/**
 * Presign throughput: Hoist's POST /v1/uploads (JWT, validation, ledger insert, presign) with its SigV4 signer and
 * with the SDK's getSignedUrl, against Uppy Companion's S3 signing endpoint on the same MinIO — one run, one
 * machine. Then what the metrics cost: the same presigns with METRICS on and off, interleaved. autocannon drives each listening server from this process; CPU is read from the server's /proc.
 */
import autocannon from 'autocannon'
import type { Stack } from '../infra/stack/index.js'
import { median } from './median.js'
import { cpuSeconds } from './process-stats.js'
import { benchToken, startCompanion, startHoistApi, type ServerProcess } from './servers.js'

export interface PresignRow {
  variant: string
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
  cpuMicrosPerRequest: number
  errors: number
}

const CONNECTIONS = 16
const DURATION_S = 10
/**
 * Load before the measured seconds, on every server alike. A fresh process keeps getting cheaper per request for
 * thousands of them while V8 optimizes the hot code: after 2 s, a presign cost Hoist's API 3,849 µs and Companion's
 * 3,100; after 20 s, 814 and 1,651 µs (2026-12-03, one run each). A server serves for days.
 */
export const PRESIGN_WARMUP_S = 20

async function drive(
  server: ServerProcess,
  request: { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string },
  variant: string,
  durationS = DURATION_S,
): Promise<PresignRow> {
  const options = {
    url: `${server.url}${request.path}`,
    method: request.method,
    connections: CONNECTIONS,
    headers: request.headers ?? {},
    ...(request.body ? { body: request.body } : {}),
  }
  await autocannon({ ...options, duration: PRESIGN_WARMUP_S })
  const cpuBefore = cpuSeconds(server.pid)
  const result = await autocannon({ ...options, duration: durationS })
  const cpu = cpuSeconds(server.pid) - cpuBefore
  const total = result.requests.total
  return {
    variant,
    requestsPerSecond: Math.round(total / durationS),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: Math.round((cpu * 1e6) / Math.max(1, total)),
    errors: result.errors + result.non2xx,
  }
}

function presignRequest() {
  const token = benchToken()
  return {
    method: 'POST' as const,
    path: '/v1/uploads',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'step.png', contentType: 'image/png', size: 204_800 }),
  }
}

export interface MetricsCost {
  rounds: number
  /** Medians over the rounds of the API's CPU per presign. */
  onMicros: number
  offMicros: number
  onRequestsPerSecond: number
  offRequestsPerSecond: number
}

const COST_ROUNDS = 3
const COST_DURATION_S = 6

/**
 * The API's CPU per presign with its metrics on (the default) and with METRICS=off: rounds of one run each,
 * interleaved, so that other work on the machine weighs on both alike; medians. Each run on a database of its own,
 * like every presign run: on FerretDB v1 the first quota sum of an instance reads every upload of the workspace, and
 * after one run the workspace holds thousands.
 */
export async function benchMetricsCost(stack: Stack, bucket: string, database: string): Promise<MetricsCost> {
  const runs: Record<'on' | 'off', PresignRow[]> = { on: [], off: [] }
  for (let round = 0; round < COST_ROUNDS; round++) {
    for (const metrics of ['on', 'off'] as const) {
      const api = await startHoistApi(stack, bucket, `${database}_metrics_${metrics}_${round}`, { METRICS: metrics })
      try {
        runs[metrics].push(await drive(api, presignRequest(), `METRICS=${metrics}`, COST_DURATION_S))
      } finally {
        await api.stop()
      }
    }
  }
  return {
    rounds: COST_ROUNDS,
    onMicros: median(runs.on.map((run) => run.cpuMicrosPerRequest)),
    offMicros: median(runs.off.map((run) => run.cpuMicrosPerRequest)),
    onRequestsPerSecond: median(runs.on.map((run) => run.requestsPerSecond)),
    offRequestsPerSecond: median(runs.off.map((run) => run.requestsPerSecond)),
  }
}

export async function benchPresign(stack: Stack, bucket: string, database: string): Promise<PresignRow[]> {
  const hoistRequest = presignRequest()
  const rows: PresignRow[] = []
  for (const [variant, presigner] of [
    ['Hoist (SigV4 signer)', 'sigv4'],
    ['Hoist (SDK getSignedUrl)', 'sdk'],
  ] as const) {
    const api = await startHoistApi(stack, bucket, `${database}_${presigner}`, { PRESIGNER: presigner })
    try {
      rows.push(await drive(api, hoistRequest, variant))
    } finally {
      await api.stop()
    }
  }
  const companion = await startCompanion(stack, bucket)
  try {
    rows.push(
      await drive(
        companion,
        { method: 'GET', path: '/s3/params?filename=step.png&type=image/png' },
        'Uppy Companion (GET /s3/params)',
      ),
    )
  } finally {
    await companion.stop()
  }
  return rows
}
